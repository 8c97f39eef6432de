"""The routing decision, pure: which agent rings for a caller, which caller goes to a free agent.

No database, no Flask, no clock: callers and agents come in as plain values, the answer
goes out as one of them. The rules:

* An agent can serve a caller when the agent speaks the caller's language, works for
  the caller's site (a caller whose site is unknown can go to any site) and has the
  caller's topic, where ``allgemein`` works both ways (see routing.topics).
* For a caller: the available agent who has been idle longest, among those who can
  serve them and were not already tried for this call.
* For an agent who just became free: the waiting caller they can serve who comes first
  in queue order: emergencies first, then callbacks whose message gave cause for worry,
  then whoever has waited longest.

`SkillIndex` answers the same questions for many callers at once with one bit mask per
skill (bit i = the i-th longest-idle available agent), so that matching 200 waiting
callers against 500 agents stays far below a millisecond per caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .topics import GENERAL

EMERGENCY, WORRY, NORMAL = "emergency", "worry", "normal"
PRIORITIES = (EMERGENCY, WORRY, NORMAL)
_RANK = {EMERGENCY: 0, WORRY: 1}  # anything else: 2
AVAILABLE = "available"


@dataclass(frozen=True)
class WaitingCaller:
    """A caller waiting for a person; `key` identifies the call (its CallSid)."""

    key: str
    topic: str
    language: str
    site: str | None
    priority: str
    enqueued_at: datetime


@dataclass(frozen=True)
class AgentView:
    """What routing needs to know about an agent: skills, status and since when idle."""

    id: int
    topics: frozenset[str]
    languages: frozenset[str]
    sites: frozenset[str]
    status: str
    idle_since: datetime


def can_serve(agent: AgentView, caller: WaitingCaller) -> bool:
    """Whether the agent has every skill this caller needs (whatever the agent's status)."""
    return (
        caller.language in agent.languages
        and (caller.site is None or caller.site in agent.sites)
        and (caller.topic == GENERAL or caller.topic in agent.topics or GENERAL in agent.topics)
    )


def queue_key(caller: WaitingCaller) -> tuple:
    """Sort key of the queue: emergencies first, then words of worry (a message left with
    them, routing.callbacks), then the longest waiting, then by key."""
    return (_RANK.get(caller.priority, 2), caller.enqueued_at, caller.key)


def idle_key(agent: AgentView) -> tuple:
    """Sort key of free agents: the longest idle first, ties broken by id."""
    return (agent.idle_since, agent.id)


def choose_agent(caller: WaitingCaller, agents: Iterable[AgentView],
                 tried: Iterable[int] = ()) -> AgentView | None:
    """The longest-idle available agent who can serve `caller` and was not tried yet."""
    tried = set(tried)
    best = None
    for agent in agents:
        if agent.status != AVAILABLE or agent.id in tried or not can_serve(agent, caller):
            continue
        if best is None or idle_key(agent) < idle_key(best):
            best = agent
    return best


def choose_caller(agent: AgentView, callers: Iterable[WaitingCaller]) -> WaitingCaller | None:
    """The caller this agent should take next: first in queue order among those they can serve."""
    best = None
    for caller in callers:
        if can_serve(agent, caller) and (best is None or queue_key(caller) < queue_key(best)):
            best = caller
    return best


def competes(a: WaitingCaller, b: WaitingCaller) -> bool:
    """Whether two callers wait for the same kind of agent (so one is ahead of the other)."""
    return (
        a.language == b.language
        and (a.topic == b.topic or GENERAL in (a.topic, b.topic))
        and (a.site is None or b.site is None or a.site == b.site)
    )


def position(caller: WaitingCaller, callers: Iterable[WaitingCaller]) -> int:
    """1 for the next caller to be served; counts only callers who wait for the same agents."""
    mine = queue_key(caller)
    return 1 + sum(1 for other in callers
                   if other.key != caller.key and queue_key(other) < mine
                   and competes(caller, other))


class SkillIndex:
    """The available agents, indexed by skill as bit masks in longest-idle order."""

    def __init__(self, agents: Iterable[AgentView]):
        self.agents: list[AgentView] = sorted(
            (a for a in agents if a.status == AVAILABLE), key=idle_key)
        self._bit = {agent.id: 1 << i for i, agent in enumerate(self.agents)}
        self.all = (1 << len(self.agents)) - 1
        self._topics: dict[str, int] = {}
        self._languages: dict[str, int] = {}
        self._sites: dict[str, int] = {}
        for agent, bit in zip(self.agents, self._bit.values(), strict=True):
            for topic in agent.topics:
                self._topics[topic] = self._topics.get(topic, 0) | bit
            for language in agent.languages:
                self._languages[language] = self._languages.get(language, 0) | bit
            for site in agent.sites:
                self._sites[site] = self._sites.get(site, 0) | bit
        self._general = self._topics.get(GENERAL, 0)

    def eligible(self, caller: WaitingCaller) -> int:
        """The mask of available agents who can serve `caller`."""
        if caller.topic == GENERAL:
            topic = self.all
        else:
            topic = self._topics.get(caller.topic, 0) | self._general
        site = self.all if caller.site is None else self._sites.get(caller.site, 0)
        return topic & site & self._languages.get(caller.language, 0)

    def choose_agent(self, caller: WaitingCaller, tried: Iterable[int] = (),
                     taken: int = 0) -> AgentView | None:
        """Like `choose_agent`, skipping agents in `tried` and the bits in `taken`."""
        mask = self.eligible(caller) & ~taken
        for agent_id in tried:
            mask &= ~self._bit.get(agent_id, 0)
        if not mask:
            return None
        # The lowest set bit is the longest-idle eligible agent.
        return self.agents[(mask & -mask).bit_length() - 1]

    def assign(self, callers: Sequence[WaitingCaller],
               tried: dict[str, Iterable[int]] | None = None
               ) -> list[tuple[WaitingCaller, AgentView]]:
        """Match waiting callers to free agents in queue order; each agent gets one caller."""
        tried = tried or {}
        taken = 0
        pairs = []
        for caller in sorted(callers, key=queue_key):
            if taken == self.all:
                break
            agent = self.choose_agent(caller, tried.get(caller.key, ()), taken)
            if agent is not None:
                taken |= self._bit[agent.id]
                pairs.append((caller, agent))
        return pairs


def assign(callers: Sequence[WaitingCaller], agents: Iterable[AgentView],
           tried: dict[str, Iterable[int]] | None = None
           ) -> list[tuple[WaitingCaller, AgentView]]:
    """Every (caller, agent) pair to connect now: callers in queue order, longest-idle agents."""
    return SkillIndex(agents).assign(callers, tried)

"""The caseworkers a caller may ask for by name or as "mein Arbeitsvermittler": who they
are, where they work, what they see customers about, and which case teams they are in.

Plain data handed to the dialogue by the app (built from the schedule's caseworkers), so
that the conversation can choose the person and the site without reading any file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Caseworker:
    """One person, as the conversation needs them."""

    id: str
    name: str  # as said to callers: "Frau Keller"
    sites: tuple[str, ...]
    topics: frozenset[str]
    teams: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Caseworkers:
    """Everyone a caller can ask for."""

    people: tuple[Caseworker, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The names as said to callers, for speech to recognise."""
        return tuple(person.name for person in self.people)

    def get(self, person_id: str | None) -> Caseworker | None:
        return next((p for p in self.people if p.id == person_id), None)

    def named(self, name: str | None) -> Caseworker | None:
        return next((p for p in self.people if p.name == name), None)

    def of_team(self, team: str | None, topic: str | None = None) -> list[Caseworker]:
        """The members of a case's team, those who see customers about `topic` if given."""
        if not team:
            return []
        return [p for p in self.people if team in p.teams
                and (topic is None or topic in p.topics)]

    def team_site(self, team: str | None) -> str | None:
        """Where a case's team works: the site most of its members work at."""
        sites = Counter(site for person in self.of_team(team) for site in person.sites)
        return sites.most_common(1)[0][0] if sites else None

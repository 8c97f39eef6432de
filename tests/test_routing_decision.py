"""The pure routing decision: who rings for a caller, which caller a free agent gets."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from routing.decision import (
    AgentView,
    SkillIndex,
    WaitingCaller,
    assign,
    can_serve,
    choose_agent,
    choose_caller,
    position,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def agent(id_, topics=("geldleistungen",), languages=("de",), sites=("waiblingen",),
          status="available", idle_min=0):
    return AgentView(id=id_, topics=frozenset(topics), languages=frozenset(languages),
                     sites=frozenset(sites), status=status,
                     idle_since=T0 + timedelta(minutes=idle_min))


def caller(key, topic="geldleistungen", language="de", site="waiblingen", priority="normal",
           at_min=0):
    return WaitingCaller(key=key, topic=topic, language=language, site=site, priority=priority,
                         enqueued_at=T0 + timedelta(minutes=at_min))


# ----------------------------------------------------------------- skills


def test_an_agent_needs_topic_language_and_site():
    anna = agent(1, topics=("geldleistungen",), languages=("de", "en"), sites=("waiblingen",))
    assert can_serve(anna, caller("a"))
    assert can_serve(anna, caller("a", language="en"))
    assert not can_serve(anna, caller("a", topic="arbeitsvermittlung"))
    assert not can_serve(anna, caller("a", language="tr"))
    assert not can_serve(anna, caller("a", site="backnang"))


def test_allgemein_agents_take_every_topic_and_allgemein_callers_go_to_anyone():
    generalist = agent(1, topics=("allgemein",))
    specialist = agent(2, topics=("berufsberatung",))
    assert can_serve(generalist, caller("a", topic="geldleistungen"))
    assert can_serve(specialist, caller("b", topic="allgemein"))
    assert not can_serve(specialist, caller("c", topic="geldleistungen"))


def test_a_caller_whose_site_is_unknown_can_go_to_any_site():
    assert can_serve(agent(1, sites=("backnang",)), caller("a", site=None))


def test_an_agent_without_sites_serves_no_site_specific_caller():
    assert not can_serve(agent(1, sites=()), caller("a", site="waiblingen"))


# ----------------------------------------------------------------- which agent rings


def test_the_longest_idle_available_agent_with_the_skill_rings():
    agents = [agent(1, idle_min=5), agent(2, idle_min=1), agent(3, idle_min=3),
              agent(4, idle_min=0, topics=("berufsberatung",))]
    assert choose_agent(caller("a"), agents).id == 2


def test_busy_offline_and_ringing_agents_are_not_rung():
    agents = [agent(1, status="on_call", idle_min=0), agent(2, status="offline", idle_min=0),
              agent(3, status="ringing", idle_min=0), agent(4, status="wrap_up", idle_min=0),
              agent(5, idle_min=9)]
    assert choose_agent(caller("a"), agents).id == 5


def test_agents_already_tried_for_the_call_are_skipped_then_nobody_is_left():
    agents = [agent(1, idle_min=0), agent(2, idle_min=1)]
    assert choose_agent(caller("a"), agents, tried={1}).id == 2
    assert choose_agent(caller("a"), agents, tried={1, 2}) is None


def test_nobody_with_the_language_means_no_agent():
    assert choose_agent(caller("a", language="en"), [agent(1), agent(2)]) is None


# ----------------------------------------------------------------- which caller for a free agent


def test_an_emergency_comes_before_callers_who_waited_longer():
    callers = [caller("early", at_min=0), caller("urgent", priority="emergency", at_min=10),
               caller("later", at_min=5)]
    assert choose_caller(agent(1), callers).key == "urgent"


def test_otherwise_the_longest_waiting_caller_the_agent_can_serve():
    callers = [caller("other-site", site="backnang", at_min=0),
               caller("english", language="en", at_min=1),
               caller("second", at_min=3), caller("first", at_min=2)]
    assert choose_caller(agent(1), callers).key == "first"


def test_an_agent_gets_nobody_they_cannot_serve():
    callers = [caller("a", site="backnang"), caller("b", topic="berufsberatung")]
    assert choose_caller(agent(1), callers) is None


# ----------------------------------------------------------------- position


def test_position_counts_only_callers_ahead_who_wait_for_the_same_agents():
    callers = [caller("a", at_min=0), caller("b", at_min=1, site="backnang"),
               caller("c", at_min=2, language="en"), caller("d", at_min=3),
               caller("e", at_min=4, priority="emergency"), caller("me", at_min=5)]
    me = callers[-1]
    # a, d and the emergency e are ahead; b (other site) and c (English) are not.
    assert position(me, callers) == 4
    assert position(callers[0], callers) == 2  # the emergency goes first
    assert position(callers[4], callers) == 1


# ----------------------------------------------------------------- many at once


def test_assign_pairs_callers_in_queue_order_with_distinct_longest_idle_agents():
    agents = [agent(1, idle_min=2), agent(2, idle_min=1), agent(3, idle_min=0,
                                                                 sites=("backnang",))]
    callers = [caller("x", at_min=1), caller("y", at_min=0), caller("z", at_min=2),
               caller("b", site="backnang", at_min=3)]
    pairs = [(c.key, a.id) for c, a in assign(callers, agents)]
    assert pairs == [("y", 2), ("x", 1), ("b", 3)]


def test_the_index_respects_calls_already_tried():
    index = SkillIndex([agent(1, idle_min=0), agent(2, idle_min=1)])
    assert index.choose_agent(caller("a"), tried=[1]).id == 2
    assert index.assign([caller("a")], tried={"a": [1, 2]}) == []


TOPICS = st.sampled_from(["geldleistungen", "arbeitsvermittlung", "allgemein"])
LANGS = st.sampled_from(["de", "en"])
SITES = st.sampled_from(["waiblingen", "backnang", "schorndorf"])
STATUSES = st.sampled_from(["available", "available", "offline", "on_call"])

agents_strategy = st.lists(st.builds(
    lambda i, t, l_, s, st_, idle: agent(i, t, l_, s, st_, idle),
    st.integers(0, 10_000), st.sets(TOPICS, min_size=1), st.sets(LANGS, min_size=1),
    st.sets(SITES, min_size=1), STATUSES, st.integers(0, 50)),
    max_size=25, unique_by=lambda a: a.id)
callers_strategy = st.lists(st.builds(
    lambda k, t, l_, s, p, at: caller(str(k), t, l_, s, p, at),
    st.integers(0, 10_000), TOPICS, LANGS, st.one_of(st.none(), SITES),
    st.sampled_from(["normal", "emergency"]), st.integers(0, 50)),
    max_size=25, unique_by=lambda c: c.key)


@given(agents_strategy, callers_strategy)
def test_the_bit_mask_index_decides_exactly_like_the_plain_rules(agents, callers):
    index = SkillIndex(agents)
    for one in callers:
        expected = choose_agent(one, agents)
        assert index.choose_agent(one) == expected
    # Greedy assignment by the plain rules, one caller after the other.
    free = list(agents)
    expected_pairs = []
    for one in sorted(callers, key=lambda c: (c.priority != "emergency", c.enqueued_at, c.key)):
        chosen = choose_agent(one, free)
        if chosen is not None:
            expected_pairs.append((one.key, chosen.id))
            free = [a for a in free if a.id != chosen.id]
    assert [(c.key, a.id) for c, a in index.assign(callers)] == expected_pairs

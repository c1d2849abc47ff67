"""Which node serves the desktops behind the SIP edge: the live node of highest priority, as the
edge gives the calls to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hotline.nodes.serving import serving_holder

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_the_live_node_of_highest_priority_serves():
    assert serving_holder([("a", 10, ago(0.5)), ("b", 5, ago(0.2))], NOW) == "a"


def test_a_silent_node_is_dead_and_the_next_serves():
    assert serving_holder([("a", 10, ago(4)), ("b", 5, ago(0.2))], NOW) == "b"


def test_a_node_that_comes_back_serves_again():
    beats = [("a-restarted", 10, ago(0.1)), ("a-killed", 10, ago(600)), ("b", 5, ago(0.3))]
    assert serving_holder(beats, NOW) == "a-restarted"


def test_equal_priorities_choose_one_node_for_everyone_and_none_when_all_are_dead():
    assert serving_holder([("b", 5, ago(0.1)), ("a", 5, ago(0.9))], NOW) == "a"
    assert serving_holder([("a", 10, ago(30))], NOW) is None
    assert serving_holder([], NOW) is None

"""Every node's queues follow the logins recorded in the database (several nodes behind the edge):
the comparison between what Asterisk has and what is recorded."""

from __future__ import annotations

from hotline.cti.members import Step, steps
from hotline.cti.model import Agent

MANAGED = {"op1", "op2", "op3"}


def agent(queues, paused=False, reason=""):
    return Agent(id="x", queues=set(queues), paused=paused, pause_reason=reason)


def test_an_operator_logged_in_elsewhere_joins_this_nodes_queues_in_her_pause():
    todo = steps({}, {"op1": (["q1", "q2"], True, "training")}, MANAGED)
    assert todo == [Step("login", "op1", ("q1", "q2")), Step("pause", "op1", reason="training")]


def test_nothing_to_do_when_asterisk_matches_the_record():
    current = {"op1": agent(["q1"], True, "meal"), "op2": agent(["q1"])}
    assert steps(current, {"op1": (["q1"], True, "meal"), "op2": (["q1"], False, "")}, MANAGED) == []


def test_pause_and_its_reason_and_the_end_of_a_pause_follow():
    current = {"op1": agent(["q1"], True, "meal"), "op2": agent(["q1"], True, "break"), "op3": agent(["q1"])}
    wanted = {"op1": (["q1"], True, "training"), "op2": (["q1"], False, ""), "op3": (["q1"], True, "break")}
    assert steps(current, wanted, MANAGED) == [Step("pause", "op1", reason="training"), Step("unpause", "op2"),
                                               Step("pause", "op3", reason="break")]


def test_an_operator_who_logged_out_elsewhere_leaves_and_others_are_left_alone():
    current = {"op1": agent(["q1", "q2"]), "bench1": agent(["q1"]), "op2": agent([])}
    assert steps(current, {}, MANAGED) == [Step("logout", "op1", ("q1", "q2"))]


def test_queues_changed_in_the_profile_are_added_and_removed():
    current = {"op1": agent(["q1", "old"])}
    assert steps(current, {"op1": (["q1", "new"], False, "")}, MANAGED) == [
        Step("login", "op1", ("new",)), Step("logout", "op1", ("old",))]

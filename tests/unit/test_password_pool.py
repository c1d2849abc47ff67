"""The password-hashing pool's fair share (`FairShare`, pure logic) and the `Hasher` that follows
it: keys in good standing before suspects (a client whose last password was wrong), keys with no
check running before keys with one, in turn per key; suspects never take the reserved threads, so
a flood from some addresses neither fills the queue in front of another address's log-in nor
keeps it waiting for the flood's hashes in flight; past its share the flood is turned away."""

import asyncio
import threading

import pytest

from hotline.security.passwords import Busy, FairShare, Hasher


def test_a_suspect_flood_never_takes_the_reserved_thread():
    share = FairShare(workers=1, reserved=1, per_key_waiting=4)
    assert share.ask("flood-a", True, "a0") == ["a0"]  # the one thread suspects may have
    assert share.ask("flood-a", True, "a1") == []
    assert share.ask("flood-b", True, "b0") == []  # another suspect: waits, the spare thread stays free
    assert share.busy == 1 and share.suspects_running == 1
    assert share.ask("honest", False, "h0") == ["h0"]  # in good standing: at once, beside the flood's hash
    assert share.ask("honest-2", False, "k0") == []  # both threads busy now
    # The honest check ends: its thread goes to the next key in good standing, never to a suspect.
    assert share.finished("h0") == ["k0"]
    assert share.finished("k0") == []
    assert share.busy == 1
    # The flood's hash ends: its thread goes to the next suspect, in the order they came.
    assert share.finished("a0") == ["a1"]
    assert share.finished("a1") == ["b0"]


def test_a_key_with_a_check_running_waits_behind_keys_with_none():
    share = FairShare(workers=2, reserved=0, per_key_waiting=4)
    assert share.ask("office", False, "o0") == ["o0"]
    assert share.ask("office", False, "o1") == ["o1"]  # nobody else waits: a free thread is used
    assert share.ask("office", False, "o2") == []
    assert share.ask("home", False, "h0") == []  # came after o2...
    assert share.finished("o0") == ["h0"]  # ...served before it: "office" still has a check running
    assert share.finished("o1") == ["o2"]
    share.ask("office", False, "o3")
    share.ask("", False, "n0")  # no key (a password change): a key like any other
    assert share.finished("h0") == ["n0"]


def test_keys_in_good_standing_go_first_and_keys_take_turns():
    share = FairShare(workers=1, reserved=0, per_key_waiting=4)
    assert share.ask("x", False, "x0") == ["x0"]
    for w in ("s0", "s1"):
        share.ask("suspect", True, w)
    for w in ("a0", "a1"):
        share.ask("a", False, w)
    share.ask("b", False, "b0")
    served = []
    last = "x0"
    while True:
        granted = share.finished(last)
        if not granted:
            break
        last = granted[0]
        served.append(last)
    assert served == ["a0", "b0", "a1", "s0", "s1"]
    assert share.busy == 0 and share.waiting() == 0 and not share.running


def test_past_its_share_a_key_is_turned_away_and_the_queue_is_bounded():
    share = FairShare(workers=1, reserved=0, max_waiting=3, per_key_waiting=2)
    share.ask("flood", True, "f0")
    share.ask("flood", True, "f1")
    share.ask("flood", True, "f2")
    with pytest.raises(Busy):  # a third waiting check of the same key
        share.ask("flood", True, "f3")
    share.ask("other", False, "o0")
    with pytest.raises(Busy):  # three waiting in all
        share.ask("third", False, "t0")


def test_a_waiter_that_goes_away_gives_back_its_place_or_its_thread():
    share = FairShare(workers=1, reserved=0)
    share.ask("x", False, "x0")
    share.ask("y", False, "y0")
    share.ask("z", False, "z0")
    assert share.withdraw("y0") == []  # waiting: out of the queue
    assert share.withdraw("x0") == ["z0"]  # running: its thread goes to the next
    assert share.finished("z0") == []
    assert share.busy == 0 and share.waiting() == 0 and not share.running


async def test_an_honest_log_in_does_not_wait_for_the_floods_hash_in_flight():
    hasher = Hasher(workers=1, per_key_waiting=4)
    flood_gate = threading.Event()
    try:
        stored = await hasher.hash("mat-khau-dai-1")
        assert not await hasher.verify(stored, "sai", "flood")  # now a suspect
        flood = [asyncio.ensure_future(hasher._run("flood", flood_gate.wait, 30)) for _ in range(3)]
        await asyncio.sleep(0)
        # The flood's first hash holds its thread (its gate is shut); the honest log-in is checked
        # on the reserved one and answered while the flood's hash is still running.
        assert await hasher.verify(stored, "mat-khau-dai-1", "honest")
        assert not any(f.done() for f in flood)
        assert hasher.share.suspects_running == 1
        flood_gate.set()
        await asyncio.gather(*flood)
        assert await hasher.verify(stored, "mat-khau-dai-1", "flood")  # the right password: good standing
        assert not hasher._suspect("flood")
    finally:
        flood_gate.set()
        hasher.close()


async def test_a_caller_that_goes_away_gives_back_its_place():
    hasher = Hasher(workers=1, reserved=0)
    gate = threading.Event()
    try:
        running = asyncio.ensure_future(hasher._run("x", gate.wait, 10))
        await asyncio.sleep(0)
        gone = asyncio.ensure_future(hasher._run("y", gate.wait, 10))
        await asyncio.sleep(0)
        gone.cancel()
        gate.set()
        await running
        assert await hasher.verify(await hasher.hash("mat-khau-dai-1"), "mat-khau-dai-1")
        assert hasher.share.busy == 0 and hasher.share.waiting() == 0
    finally:
        gate.set()
        hasher.close()


async def test_suspects_checks_run_at_the_lowest_cpu_priority():
    import os

    hasher = Hasher(workers=1)

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    try:
        stored = await hasher.hash("mat-khau-dai-1")
        assert not await hasher.verify(stored, "sai", "flood")
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert await hasher._run("honest", nice) == ours
        assert await hasher._run("flood", nice) == 19
    finally:
        hasher.close()


def test_checks_already_waiting_follow_their_key_when_it_becomes_a_suspect():
    share = FairShare(workers=1, reserved=0, per_key_waiting=4)
    share.ask("x", False, "x0")
    share.ask("flood", False, "f0")  # asked while in good standing
    share.ask("flood", False, "f1")
    share.ask("other", True, "s0")
    share.ask("honest", False, "h0")
    assert share.standing("flood", suspect=True) == []  # its first wrong password came back
    assert [share.finished(w)[0] for w in ("x0", "h0", "s0")] == ["h0", "s0", "f0"]  # behind the honest one and the older suspect
    assert share.standing("flood", suspect=False) == []  # the right password: back in good standing
    assert share.lanes[0]["flood"] and not share.lanes[1]


async def test_a_hash_of_older_parameters_verifies_and_is_marked_for_rehash():
    from argon2 import PasswordHasher

    from hotline.security.passwords import ARGON2, Hasher

    hasher = Hasher()
    try:
        old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("mat-khau-dai-1")
        assert await hasher.verify(old, "mat-khau-dai-1") and hasher.needs_rehash(old)
        new = await hasher.hash("mat-khau-dai-1")
        assert f"m={ARGON2['memory_cost']},t={ARGON2['time_cost']},p={ARGON2['parallelism']}" in new
        assert not hasher.needs_rehash(new) and not hasher.needs_rehash("not a hash")
    finally:
        hasher.close()

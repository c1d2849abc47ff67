"""The password-hashing pool serves waiting checks in turn per client address, and addresses whose
last password was wrong after the others: a flood from some addresses waits behind itself, not in
front of another address's log-in, and is turned away past its share instead of filling the queue."""

import asyncio
import threading

import pytest

from hotline.security.passwords import Busy, Hasher


async def test_checks_are_served_in_turn_per_address_and_a_flood_is_turned_away_past_its_share():
    hasher = Hasher(workers=1, max_waiting=64, per_key_waiting=2)
    gate = threading.Event()
    order: list[str] = []

    def work(name: str) -> str:
        gate.wait(10)
        order.append(name)
        return name

    try:
        first = asyncio.ensure_future(hasher._run("flood-a", work, "a0"))  # takes the only thread
        await asyncio.sleep(0)
        waiting = [asyncio.ensure_future(hasher._run(key, work, name))
                   for key, name in [("flood-a", "a1"), ("flood-a", "a2"), ("flood-b", "b1"), ("flood-b", "b2")]]
        await asyncio.sleep(0)
        with pytest.raises(Busy):  # a third waiting check of the same address
            await hasher._run("flood-a", work, "a3")
        honest = asyncio.ensure_future(hasher._run("honest", work, "h1"))
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(first, honest, *waiting)
        # One per address in turn: the honest log-in came after one check of each flooding address.
        assert order == ["a0", "a1", "b1", "h1", "a2", "b2"]
    finally:
        gate.set()
        hasher.close()


async def test_a_caller_that_goes_away_gives_back_its_place():
    hasher = Hasher(workers=1)
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
        assert hasher._running == 0 and not any(hasher._lanes)
    finally:
        gate.set()
        hasher.close()


async def test_addresses_that_gave_a_wrong_password_wait_behind_the_others():
    hasher = Hasher(workers=1, per_key_waiting=4)
    gate = threading.Event()
    order: list[str] = []

    def work(name: str) -> str:
        gate.wait(10)
        order.append(name)
        return name

    try:
        stored = await hasher.hash("mat-khau-dai-1")
        assert not await hasher.verify(stored, "sai", "flood")  # now a suspect
        first = asyncio.ensure_future(hasher._run("other", work, "o0"))
        await asyncio.sleep(0)
        flood = [asyncio.ensure_future(hasher._run("flood", work, f"f{i}")) for i in range(3)]
        await asyncio.sleep(0)
        honest = asyncio.ensure_future(hasher._run("honest", work, "h1"))  # came last, served first
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(first, honest, *flood)
        assert order == ["o0", "h1", "f0", "f1", "f2"]
        assert await hasher.verify(stored, "mat-khau-dai-1", "flood")  # the right password: good standing
        assert not hasher._suspect("flood")
    finally:
        gate.set()
        hasher.close()

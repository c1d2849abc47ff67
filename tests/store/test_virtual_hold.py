"""Virtual hold's state in the store (SQLite and PostgreSQL), with a recording double of the
telephony (the real path runs in tests/integration/test_virtual_hold.py): the place is kept only
for a number the hotline may call back; a placeholder keeps the caller's position, a retry goes to
the front; tries used up or a queue wait run out make a callback request; after a restart every
placeholder is placed again, at the front."""

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hotline.callbacks.service import Callbacks
from hotline.callbacks.virtual_hold import VirtualHolds
from hotline.config.outbound import VirtualHoldPolicy
from hotline.outbound.service import OutboundCalls
from hotline.store.callbacks import CallbackRequest, VirtualHold
from tests.store.support import province

UTC = timezone.utc


class Telephony:
    """Records the placeholders originated."""

    def __init__(self):
        self.originated: list[tuple] = []

    async def originate(self, channel, context, exten, caller_id, variables, timeout_seconds):
        self.originated.append((channel, context, variables))


@pytest.fixture
async def holds(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    profile = dataclasses.replace(p.handling.profile, virtual_hold=VirtualHoldPolicy(
        enabled=True, max_attempts=2, retry_seconds=60))
    outbound = OutboundCalls(sessions, profile, "local", "02773851022")
    tel = Telephony()
    return VirtualHolds(sessions, profile, tel, outbound, Callbacks(sessions, profile, outbound)), tel, sessions


async def test_only_a_number_the_hotline_may_call_keeps_a_place(holds):
    vh, tel, sessions = holds
    assert await vh.keep("+1 202 555 0100", "operator", 2, "1.1") is None
    assert await vh.keep("anonymous", "operator", 2, "1.2") is None
    assert await vh.keep("0912000111", "no_such_queue", 2, "1.3") is None
    assert tel.originated == []
    kept = await vh.keep("84912000111", "operator", 3, "1.4", "0")
    assert kept.caller_number == "0912000111" and kept.position == 3
    [(channel, context, variables)] = tel.originated
    assert channel == f"Local/vh{kept.id}@hotline-vhold-place" and context == "hotline-vhold-call"
    assert variables["HOTLINE_OUT_NUMBER"] == "0912000111" and variables["HOTLINE_OUT_ROUTE"] == "local"
    placed = await vh.placeholder(kept.id, "9.9")
    assert placed["HOTLINE_VHOLD_POSITION"] == "3" and placed["QUEUE_PRIO"] == "0"  # the caller's own place
    assert placed["HOTLINE_QUEUE"] == "operator" and placed["HOTLINE_CITIZEN"] == "0912000111"
    assert await vh.placeholder(999, "9.9") is None


async def test_no_answer_retries_at_the_front_then_becomes_a_callback(holds):
    vh, tel, sessions = holds
    kept = await vh.keep("0912000222", "operator", 4, "2.1")
    now = datetime.now(UTC)
    assert await vh.dialed(kept.id, "NOANSWER", now=now) == "retry"
    assert await vh.scan(now=now + timedelta(seconds=59)) == []  # not before the retry time
    assert await vh.scan(now=now + timedelta(seconds=61)) == [kept.id]
    assert len(tel.originated) == 2
    again = await vh.placeholder(kept.id, "9.8")
    assert again["HOTLINE_VHOLD_POSITION"] == "1" and again["QUEUE_PRIO"] == "10"  # ahead of new callers
    assert await vh.dialed(kept.id, "BUSY") == "callback"  # the second and last try
    async with sessions() as s:
        row = await s.get(VirtualHold, kept.id)
        [req] = list(await s.scalars(select(CallbackRequest).where(CallbackRequest.caller_number == "0912000222")))
    assert (row.status, row.attempts, row.callback_id) == ("callback", 2, req.id)
    assert (req.reason, req.queue, req.linkedid) == ("virtual_hold", "operator", "2.1")
    assert await vh.dialed(kept.id, "ANSWER") == "callback"  # late news changes nothing


async def test_a_queue_wait_run_out_makes_a_callback_and_an_answer_connects(holds):
    vh, tel, sessions = holds
    first = await vh.keep("0912000333", "operator", 1, "3.1")
    await vh.left_queue(first.id, "TIMEOUT")
    second = await vh.keep("0912000444", "operator", 1, "3.2")
    assert await vh.dialed(second.id, "ANSWER") == "connected"
    async with sessions() as s:
        statuses = {r.caller_number: r.status for r in await s.scalars(select(VirtualHold))}
        reasons = [r.reason for r in await s.scalars(select(CallbackRequest))]
    assert statuses == {"0912000333": "callback", "0912000444": "connected"} and reasons == ["virtual_hold"]


async def test_after_a_restart_waiting_places_are_placed_again_at_the_front(holds):
    vh, tel, sessions = holds
    kept = await vh.keep("0912000555", "operator", 5, "4.1")
    assert await vh.recover() == 1
    assert await vh.scan() == [kept.id]
    again = await vh.placeholder(kept.id, "9.7")
    assert again["HOTLINE_VHOLD_POSITION"] == "1" and again["QUEUE_PRIO"] == "10"

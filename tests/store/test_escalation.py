"""Đồng Tháp's deadlines after a transfer slip, on a simulated clock: the focal point misses 8
working hours -> the head (with SMS); the head misses 48 -> overdue, on the provincial office's
list. A restart in between neither loses nor repeats a step; two scans racing escalate once."""

import asyncio
from datetime import datetime, timedelta, timezone

from hotline.store.base import aware
from hotline.ticketing.handling import TicketHandling
from hotline.ticketing.store import TicketStore
from hotline.transfers.records import TransferRecords
from hotline.transfers.slips import send_slip
from tests.store.support import FOCAL_PHONE, HEAD_PHONE, province

UTC = timezone.utc
FRIDAY_3PM = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 15:00 in Vietnam


async def slip_sent(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    ticket = await TicketStore(sessions).draft_for_call("9.1", "0912345678", "infrastructure", "op1", None)
    records = TransferRecords(sessions)
    transfer = await records.start("op1", ticket_id=ticket.id, linkedid="9.1", operator_id="op1", kind="warm",
                                   agency_id=p.agency_id, agency_name="Công ty Điện lực", number="02773851002")
    await records.finish(transfer.id, "no_answer")
    await send_slip(sessions, p.handling, transfer.id, "op1", now=FRIDAY_3PM)
    return p, ticket.id


async def test_focal_point_then_head_miss_their_deadlines(sessions, tmp_path):
    p, ticket_id = await slip_sent(sessions, tmp_path)
    t, sms, _ = await p.ticket(ticket_id)
    # 8 working hours from Friday 15:00: 2 h on Friday, then Monday 23/11 07:00-11:30 and
    # 13:30-15:00 -> Monday 15:00 local.
    assert aware(t.due_at) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert t.handling_stage == "focal_point" and [(m.to_number, m.purpose) for m in sms] == [
        (FOCAL_PHONE, "transfer_slip")]

    # Two working hours before the deadline (Monday 11:00 local), the focal point is reminded, once.
    assert await p.handling.deadlines.scan(datetime(2026, 11, 23, 3, 59, tzinfo=UTC)) == []
    assert len((await p.ticket(ticket_id))[1]) == 1
    for _ in range(2):
        assert await p.handling.deadlines.scan(datetime(2026, 11, 23, 4, 1, tzinfo=UTC)) == []
    t, sms, _ = await p.ticket(ticket_id)
    assert [(m.to_number, m.purpose) for m in sms] == [(FOCAL_PHONE, "transfer_slip"), (FOCAL_PHONE, "reminder")]
    assert "nhắc" in sms[1].text and "15:00 23/11/2026" in sms[1].text and t.handling_stage == "focal_point"

    assert await p.handling.deadlines.scan(datetime(2026, 11, 23, 7, 59, tzinfo=UTC)) == []  # one minute early
    assert await p.handling.deadlines.scan(datetime(2026, 11, 23, 8, 1, tzinfo=UTC)) == [(t.code, "head")]
    t, sms, _ = await p.ticket(ticket_id)
    assert t.handling_stage == "head" and [m.to_number for m in sms] == [FOCAL_PHONE, FOCAL_PHONE, HEAD_PHONE]
    assert "Thủ trưởng" in sms[2].text and t.code in sms[2].text and t.late
    # 48 working hours from the transfer (Friday 15:00), skipping Tuesday 24/11 (Vietnam Culture
    # Day, a public holiday): 2 h Fri + Mon 8 + Wed 8 + Thu 8 + Fri 8 + Mon 30/11 8 + Tue 1/12 6 h
    # -> Tue 1/12 15:00 local.
    assert aware(t.due_at) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    # A restart: a new scheduler finds nothing to repeat, and reminds the head (8 working hours
    # before: Monday 30/11 15:00 local) once.
    restarted = TicketHandling.of(p.settings, sessions, p.handling.profile)
    assert await restarted.deadlines.scan(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == []
    assert len((await p.ticket(ticket_id))[1]) == 3
    assert await restarted.deadlines.scan(datetime(2026, 11, 30, 8, 1, tzinfo=UTC)) == []
    assert await TicketHandling.of(p.settings, sessions, p.handling.profile).deadlines.scan(datetime(2026, 11, 30, 8, 2, tzinfo=UTC)) == []
    assert await restarted.deadlines.scan(datetime(2026, 12, 1, 8, 1, tzinfo=UTC)) == [(t.code, "overdue")]
    assert await restarted.deadlines.scan(datetime(2026, 12, 2, tzinfo=UTC)) == []
    t, sms, events = await p.ticket(ticket_id)
    assert t.status == "overdue" and t.handling_stage == "overdue" and t.remind_at is None
    assert [(m.to_number, m.purpose) for m in sms] == [(FOCAL_PHONE, "transfer_slip"), (FOCAL_PHONE, "reminder"),
                                                       (HEAD_PHONE, "escalation"), (HEAD_PHONE, "reminder")]
    assert events[-5:] == ["transfer_slip", "reminder", "deadline_missed", "reminder", "deadline_missed"]
    assert [(x.code, name) for x, name in await restarted.overdue()] == [(t.code, "Công ty Điện lực")]


async def test_two_scans_racing_escalate_once(sessions, tmp_path):
    p, ticket_id = await slip_sent(sessions, tmp_path)
    late = datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(minutes=1)
    a, b = TicketHandling.of(p.settings, sessions, p.handling.profile), TicketHandling.of(p.settings, sessions, p.handling.profile)
    results = await asyncio.gather(a.deadlines.scan(late), b.deadlines.scan(late))
    assert sorted(len(r) for r in results) == [0, 1]
    _, sms, _ = await p.ticket(ticket_id)
    assert len(sms) == 2  # the slip and one escalation

"""Đồng Tháp's deadlines after a transfer slip, on a simulated clock and a real SQLite store: the
focal point misses 8 working hours -> the head (with SMS); the head misses 48 -> overdue. A
restart in between neither loses nor repeats a step."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.app import load_checked_profile
from hotline.settings import Settings
from hotline.ticketing.db import make_engine, migrate, sessionmaker
from hotline.ticketing.escalation import EscalationScheduler, aware
from hotline.ticketing.models import SmsMessage, Ticket, TicketEvent
from hotline.ticketing.store import TicketStore
from hotline.transfers.records import TransferRecords
from hotline.transfers.slips import send_slip

UTC = timezone.utc
FRIDAY_3PM = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 15:00 in Vietnam


async def slip_sent(tmp_path):
    settings = Settings(home=tmp_path)
    profile = load_checked_profile(settings)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'e.db'}")
    await migrate(engine)
    sessions = sessionmaker(engine)
    agency, _ = await AgencyDirectory(sessions).save(AgencyIn(
        name="Công ty Điện lực Đồng Tháp", level="public_service", phone="02773851002",
        contacts=[{"role": "focal_point", "name": "Lê Văn Dũng", "phone": "0911000003"},
                  {"role": "head", "name": "Phạm Thị Én", "phone": "0911000004"}]))
    ticket = await TicketStore(sessions).draft_for_call("9.1", "0912345678", "infrastructure", "op1", None)
    transfer = await TransferRecords(sessions).start("op1", ticket_id=ticket.id, linkedid="9.1", operator_id="op1",
                                                     kind="warm", agency_id=agency.id, agency_name=agency.name,
                                                     number="02773851002")
    await TransferRecords(sessions).finish(transfer.id, "no_answer")
    await send_slip(sessions, profile, transfer.id, "op1", now=FRIDAY_3PM)
    return engine, sessions, profile, ticket.id


async def state(sessions, ticket_id):
    async with sessions() as s:
        t = await s.get(Ticket, ticket_id)
        sms = list(await s.scalars(select(SmsMessage).order_by(SmsMessage.id)))
        events = [e.action for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                                     .order_by(TicketEvent.id))]
    return t, sms, events


async def test_focal_point_then_head_miss_their_deadlines(tmp_path):
    engine, sessions, profile, ticket_id = await slip_sent(tmp_path)
    t, sms, _ = await state(sessions, ticket_id)
    # 8 working hours from Friday 15:00: 2 h on Friday, then Monday 23/11 07:00-11:30 and
    # 13:30-15:00 -> Monday 15:00 local.
    assert aware(t.due_at) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert t.handling_stage == "focal_point" and [m.purpose for m in sms] == ["transfer_slip"]

    scheduler = EscalationScheduler(sessions, profile)
    assert await scheduler.scan(datetime(2026, 11, 23, 7, 59, tzinfo=UTC)) == []  # one minute early
    assert await scheduler.scan(datetime(2026, 11, 23, 8, 1, tzinfo=UTC)) == [(t.code, "head")]
    t, sms, events = await state(sessions, ticket_id)
    assert t.handling_stage == "head" and [m.to_number for m in sms] == ["0911000003", "0911000004"]
    assert "Thủ trưởng" in sms[1].text and t.code in sms[1].text
    # 48 working hours from the transfer (Friday 15:00), skipping Tuesday 24/11 (a public holiday):
    # 2 h Fri + Mon 8 + Wed 8 + Thu 8 + Fri 8 + Mon 30/11 8 + Tue 1/12 6 h -> Tue 1/12 15:00 local.
    assert aware(t.due_at) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    # A restart: a new scheduler finds nothing to repeat.
    restarted = EscalationScheduler(sessions, profile)
    assert await restarted.scan(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == []
    assert await restarted.scan(datetime(2026, 12, 1, 8, 1, tzinfo=UTC)) == [(t.code, "overdue")]
    assert await restarted.scan(datetime(2026, 12, 2, tzinfo=UTC)) == []
    t, sms, events = await state(sessions, ticket_id)
    assert t.status == "overdue" and t.handling_stage == "overdue" and len(sms) == 2
    assert events[-3:] == ["transfer_slip", "escalated_to_head", "overdue"]
    assert [(x.code, name) for x, name in await restarted.overdue()] == [(t.code, "Công ty Điện lực Đồng Tháp")]
    await engine.dispose()


async def test_two_scans_racing_escalate_once(tmp_path):
    import asyncio

    engine, sessions, profile, ticket_id = await slip_sent(tmp_path)
    late = datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(minutes=1)
    a, b = EscalationScheduler(sessions, profile), EscalationScheduler(sessions, profile)
    results = await asyncio.gather(a.scan(late), b.scan(late))
    assert sorted(len(r) for r in results) == [0, 1]
    _, sms, _ = await state(sessions, ticket_id)
    assert len(sms) == 2  # the slip and one escalation
    await engine.dispose()

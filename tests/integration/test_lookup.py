"""Ticket status look-up by code from the IVR (menu 1 -> 2), against the real store."""

import pytest
from sqlalchemy import select

from hotline.settings import load_settings
from hotline.testing.sipp import CallScript
from hotline.ticketing.codes import luhn_check_digit, new_code
from hotline.store.db import make_engine, sessionmaker
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.store import TicketStore

pytestmark = pytest.mark.integration


async def seed(line, status: str) -> str:
    engine = make_engine(load_settings(line.instance.home).db_url)
    try:
        ticket = await TicketStore(sessionmaker(engine)).create_ticket(status=status, topic="infrastructure")
    finally:
        await engine.dispose()
    return ticket.code


def lookup_call(code: str) -> CallScript:
    # greeting, 1 (procedures), 2 (look-up), the code and #, then listen to the answer
    return CallScript().pause(2000).keys("12", gap_ms=1500).pause(2500).keys(code + "#", gap_ms=700).pause(12000)


async def test_a_seeded_tickets_status_is_said(line):
    code = await seed(line, "in_progress")
    call = await line.call(lookup_call(code))
    assert call.sipp.ok, call.sipp.error_log
    prompts = call.prompts()
    assert "lookup_enter_code" in prompts
    said = prompts[prompts.index("lookup_status_intro"):]
    assert said[1:9] == [f"digit_{d}" for d in code]  # the code read back digit by digit
    assert said[9] == "status_in_progress"
    assert call.var("HOTLINE_TICKET_CODE") == code
    assert call.var("HOTLINE_TICKET_STATUS") == "in_progress"


async def test_an_unknown_code_says_not_found(line):
    code = new_code()
    while code.startswith("2611"):  # not one of the seeded demo codes
        code = new_code()
    call = await line.call(lookup_call(code))
    assert call.sipp.ok, call.sipp.error_log
    assert "lookup_not_found" in call.prompts()
    assert call.var("HOTLINE_TICKET_STATUS") == "not_found"
    assert not call.queues_joined()  # back in the procedures menu, not dropped into a queue


async def test_a_mistyped_code_is_caught_by_the_check_digit(line):
    body = "3141592"
    wrong = body + str((int(luhn_check_digit(body)) + 1) % 10)
    call = await line.call(lookup_call(wrong))
    assert call.sipp.ok, call.sipp.error_log
    assert "lookup_invalid_code" in call.prompts()
    assert call.var("HOTLINE_TICKET_STATUS") == "invalid_code"


async def test_an_overdue_ticket_is_said_reported_only_once_the_office_was_told(line):
    """Đồng Tháp Art. 9.4: the IVR says the matter went to the provincial office only when the
    office was actually told (an SMS or e-mail recorded on the ticket), else only that it is late."""
    code = await seed(line, "overdue")
    said = (await line.call(lookup_call(code))).prompts()
    assert "status_overdue" in said and "status_overdue_reported" not in said
    engine = make_engine(load_settings(line.instance.home).db_url)
    try:
        async with sessionmaker(engine)() as s, s.begin():
            t = await s.scalar(select(Ticket).where(Ticket.code == code))
            add_event(s, t.id, "system", "office_notified", stage="overdue", by=["sms"])
    finally:
        await engine.dispose()
    call = await line.call(lookup_call(code))
    assert call.sipp.ok, call.sipp.error_log
    assert "status_overdue_reported" in call.prompts()
    assert call.var("HOTLINE_TICKET_STATUS") == "overdue_reported"

"""Survey calls on a real Asterisk: when a ticket that came by phone is answered, the citizen's
phone (SIPp behind the citizen route) is called, hears the result, and presses 4: the ticket's
rating is 4 (as if given on the public page) and the report counts it, with no result SMS. A
citizen whose phone is busy gets the result SMS with the look-up link instead."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from hotline.store.callbacks import SurveyCall
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.agency_phone import AgencyPhone
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, session_for, url

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def survey_line(workdir, config_dir):
    (config_dir / "profiles" / "test_survey.yaml").write_text(
        "extends: test_open\nname: Đồng Tháp (test, survey calls)\n"
        "outbound:\n  ring_seconds: 10\n  calling_hours:\n    hours: [[\"00:00\", \"23:59:59\"]]\n"
        "survey:\n  enabled: true\n  delay_minutes: 0\n")
    async with running_line(workdir, "survey", "test_survey", config_dir,
                            extra_settings="deadline_scan_seconds = 1") as ln:
        yield ln


async def answered_phone_ticket(http, line, phone: str, result: str) -> int:
    async with http.post(url(line, "/api/tickets"), json={
            "channel": "phone", "caller_phone": phone, "reporter_name": "Lê Văn Tư", "topic": "infrastructure",
            "address": "Phường 2", "content": "Cống thoát nước bị nghẹt"}) as r:
        assert r.status == 201, await r.text()
        ticket_id = (await r.json())["id"]
    async with http.post(url(line, f"/api/tickets/{ticket_id}/actions/answer_directly"), json={"result": result}) as r:
        assert r.status == 200, await r.text()
    return ticket_id


async def survey_of(store, ticket_id: int, statuses: tuple[str, ...], timeout: float = 60) -> SurveyCall:
    for _ in range(int(timeout * 2)):
        async with store.tickets.sessions() as s:
            call = await s.scalar(select(SurveyCall).where(SurveyCall.ticket_id == ticket_id))
        if call is not None and call.status in statuses and call.ended_at is not None:
            return call
        await asyncio.sleep(0.5)
    raise AssertionError(f"survey of ticket {ticket_id}: {call and call.status}")


async def test_the_citizen_rates_the_answer_by_keypad_or_gets_the_sms(survey_line):
    line = survey_line
    store = Store(line.instance.home)
    port = line.instance.port_base + 6
    http = await session_for(line, "op1", await store.user("op1", "operator", "op1"))
    try:
        # The citizen answers and presses 4 (rather satisfied).
        phone = await AgencyPhone(port, "answer", ring_ms=1000, keys="4", keys_after_ms=4000, timeout=60).start()
        first = await answered_phone_ticket(http, line, "0912555001", "Đã nạo vét cống trên đường Lê Lợi. Cảm ơn ông.")
        call = await survey_of(store, first, ("rated",))
        assert call.rating == 4 and call.number == "0912555001" and not call.sms_sent
        result = await phone.result(timeout=30)
        assert result.ok, result.error_log
        async with store.tickets.sessions() as s:
            ticket = await s.get(Ticket, first)
            history = [(e.action, e.detail) for e in await s.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == first).order_by(TicketEvent.id))]
            result_sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == first,
                                                                       SmsMessage.purpose == "result")))
        assert ticket.rating == 4 and ticket.rated_at is not None
        assert any(a == "rate" and d.get("by") == "survey_call" for a, d in history), history
        assert len(result_sms) == 1  # HCMC Art. 7.4: the SMS on publishing; the call comes in addition
        dial = next(e for e in line.ami.events if e.get("Event") == "DialBegin"
                    and e.get("DialString") == "0912555001@route-local")
        assert dial["CallerIDNum"] == "02771022"  # the line's number
        # The report counts the rating.
        sup = await session_for(line, "giamsat_sv", await store.user("giamsat_sv", "supervisor"))
        async with sup.get(url(line, "/api/reports?kind=month")) as r:
            report = await r.json()
        await sup.close()
        assert any(x["count"] >= 1 and "Hài lòng" == x["name"] for x in report["satisfaction"]), report["satisfaction"]

        # A busy phone: the result goes by SMS, with the look-up link.
        phone = await AgencyPhone(port, "busy", timeout=60).start()
        second = await answered_phone_ticket(http, line, "0912555002", "Đã sửa đèn đường.")
        call = await survey_of(store, second, ("not_reached",))
        assert call.dial_status == "BUSY" and call.sms_sent and call.rating is None
        await phone.result(timeout=30)
        async with store.tickets.sessions() as s:
            [sms] = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == second,
                                                                  SmsMessage.purpose == "result")))
            ticket = await s.get(Ticket, second)
        assert sms.to_number == "0912555002" and f"/p/{ticket.public_secret}" in sms.text and ticket.rating is None
    finally:
        await http.close()
        await store.close()

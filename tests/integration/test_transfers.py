"""Urgent calls reach agencies: the operator (headless Chromium, JsSIP) transfers a SIPp caller to
an agency phone (SIPp behind the `local` route) warm or blind, completes or cancels, and sends the
transfer slip when the agency does not pick up. Asserted on AMI, in the database, and in the page."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from hotline.settings import load_settings
from hotline.config.profile import load_profile
from hotline.ticketing.deadlines import office_calendar
from hotline.store.agencies import Transfer
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.sipp import CallScript
from tests.integration.desktop_support import operator_page, session_for, text, url

pytestmark = pytest.mark.integration

TRANSPORT = {"name": "Sở Giao thông vận tải (thử nghiệm)", "level": "province", "fields": ["infrastructure"],
             "phone": "0277.3851.001", "route": "local",
             "contacts": [{"role": "focal_point", "name": "Nguyễn Văn Bình", "phone": "0911 000 001"},
                          {"role": "head", "name": "Trần Thị Cúc", "phone": "+84911000002"}]}
NO_PHONE = {"name": "Ban chưa có số điện thoại", "level": "commune", "fields": ["general"], "contacts": []}


@pytest.fixture(scope="module")
async def agencies(desktop_line, store):
    """An administrator fills the agency directory through the API."""
    password = await store.user("quantri1", "admin")
    http = await session_for(desktop_line, "quantri1", password)
    ids = {}
    try:
        for key, body in (("transport", TRANSPORT), ("no_phone", NO_PHONE)):
            async with http.post(url(desktop_line, "/api/agencies"), json=body) as r:
                assert r.status == 201, await r.text()
                ids[key] = (await r.json())["id"]
    finally:
        await http.close()
    return ids


def agency_port(line) -> int:
    return line.instance.port_base + 6


async def answered(playwright_session, line, store, script: CallScript, caller: str):
    """op1 logs in, a caller chooses 2 (infrastructure) and op1 answers in the browser."""
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    call_task = asyncio.create_task(line.call(script, caller=caller, timeout=120))
    await page.wait_for_selector("#answer:not([disabled])", timeout=30000)
    await page.click("#answer")
    await page.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                 timeout=10000)
    await page.wait_for_function("document.getElementById('ticket-code').textContent !== ''", timeout=10000)
    linkedid = line.ami.linkedids_of(caller)[-1]
    return ctx, page, call_task, linkedid


async def pick_agency(page, query: str, kind: str, name: str = TRANSPORT["name"]) -> None:
    """Search the directory as the operator types, then click the transfer button of `name`."""
    await page.fill("#agency-search", query)
    await page.wait_for_function("document.querySelectorAll('#agency-results li').length === 1", timeout=5000)
    row = page.locator("#agency-results li", has_text=name)
    await row.locator(f"button.{kind}:not([disabled])").click(timeout=5000)


async def transfer_state(page, fragment: str, timeout: float = 20000) -> None:
    await page.wait_for_function(
        f"document.getElementById('transfer-state').textContent.includes({json.dumps(fragment)})", timeout=timeout)


async def rows(store, model, *where):
    async with store.tickets.sessions() as s:
        return list(await s.scalars(select(model).where(*where)))


def bridges_of(line, linkedid: str) -> dict[str, str]:
    """channel -> the bridge it entered last, for the channels of a call."""
    out = {}
    for e in line.ami.events:
        if e.get("Event") == "BridgeEnter" and e.get("Linkedid") == linkedid:
            out[e["Channel"]] = e["BridgeUniqueid"]
        if e.get("Event") == "BridgeLeave" and e.get("Linkedid") == linkedid:
            out.pop(e["Channel"], None)
    return out


async def assigned_to_transport(store, ticket_id: int, agencies, event: str) -> Ticket:
    """The ticket is in the agency's first step with its deadline, its history names the transfer,
    and the focal point's slip SMS is in the outbox."""
    for _ in range(20):
        ticket = (await rows(store, Ticket, Ticket.id == ticket_id))[0]
        if ticket.agency_id is not None:
            break
        await asyncio.sleep(0.5)
    assert (ticket.draft, ticket.handling_stage, ticket.status) == (False, "focal_point", "in_progress")
    assert ticket.agency_id == agencies["transport"] and ticket.due_at is not None and ticket.transferred_at
    events = await rows(store, TicketEvent, TicketEvent.ticket_id == ticket.id)
    followed = [e for e in events if e.action == event]
    assert len(followed) == 1 and followed[0].detail["agency"] == TRANSPORT["name"]
    assert followed[0].detail["outcome"] == "completed"
    slips = await rows(store, SmsMessage, SmsMessage.ticket_id == ticket.id, SmsMessage.purpose == "transfer_slip")
    assert [m.to_number for m in slips] == ["0911000001"]
    return ticket


async def no_channels_left(line, timeout: float = 15) -> str:
    for _ in range(int(timeout * 2)):
        out = await line.instance.cli("core show channels")
        if "0 active channels" in out:
            return out
        await asyncio.sleep(0.5)
    return out


async def test_warm_transfer_completed_bridges_caller_and_agency_and_frees_the_operator(
        playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300001"
    # The agency answers after 1 s, speaks every 8 s, and hangs up 20 s after answering.
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=1000, hangup_after_ms=20000).start()
    ctx, page, call_task, linkedid = await answered(playwright_session, line, store,
                                                    CallScript(ending="server").pause(2000).keys("2").silence(),
                                                    caller)
    try:
        await pick_agency(page, "giao thong thu nghiem", "warm")  # no diacritics needed
        await transfer_state(page, "Đang trao đổi với cơ quan")
        # The caller waits with music on hold while the operator consults the agency, in
        # another bridge.
        bridges = bridges_of(line, linkedid)
        agency_leg = next(c for c in bridges if c.startswith("PJSIP/route-local-"))
        op_leg = next(c for c in bridges if c.startswith("PJSIP/op1-"))
        caller_leg = next(c for c in bridges if c.startswith("PJSIP/trunk-"))
        assert bridges[caller_leg] != bridges[op_leg]
        assert [c for c, b in bridges.items() if b == bridges[caller_leg]] == [caller_leg]
        moh = [e for e in line.ami.by_linkedid[linkedid] if e.get("Event") == "MusicOnHoldStart"
               and e["Channel"] == caller_leg]
        assert len(moh) >= 2  # in the queue, then on hold during the consultation
        await asyncio.sleep(2)
        # A double click on "complete": exactly one succeeds, the other gets a clear error.
        results = await page.evaluate("""async (id) => Promise.all([1, 2].map(() =>
            fetch(`/api/transfers/${id}/complete`, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                     body: '{}'}).then(async (r) => [r.status, await r.json()])))""",
                                      await page.evaluate("Transfer.current.id"))
        statuses = sorted(r[0] for r in results)
        assert statuses == [200, 409], results
        await transfer_state(page, "Đã chuyển")
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Đã chuyển cuộc gọi'",
                                     timeout=10000)
        await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=10000)
        # Caller and agency now share a bridge; the operator's leg is gone and op1 is free.
        for _ in range(20):  # the consultation's Local channel optimises itself away
            bridges = bridges_of(line, linkedid)
            if bridges.get(caller_leg) and bridges.get(caller_leg) == bridges.get(agency_leg):
                break
            await asyncio.sleep(0.25)
        assert bridges.get(caller_leg) and bridges.get(caller_leg) == bridges.get(agency_leg), bridges
        assert "PJSIP/op1-" not in await line.instance.cli("core show channels concise")
        await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                     timeout=15000)
        # The agency hangs up; the caller gets the hotline's BYE.
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
        assert (await phone.result()).ok
        assert "0 active channels" in await no_channels_left(line)
        # Queue statistics: the operator's talk time ends at the transfer.
        complete = [e for e in call.of("AgentComplete") if e.get("MemberName") == "op1"]
        assert complete and complete[-1]["Reason"] == "transfer"
        up = next(e for e in call.of("Newstate") if e.get("ChannelStateDesc") == "Up" and e["Uniqueid"] == linkedid)
        end = next(e for e in call.of("Hangup") if e["Uniqueid"] == linkedid)
        call_seconds = float(end["Timestamp"]) - float(up["Timestamp"])
        assert int(complete[-1]["TalkTime"]) < call_seconds - 10
        # The ticket records the transfer, as it happened.
        ticket = (await rows(store, Ticket, Ticket.linkedid == linkedid))[0]
        transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
        assert [(t.kind, t.outcome, t.agency_name, t.number, t.operator_id) for t in transfers] == [
            ("warm", "completed", TRANSPORT["name"], "02773851001", "op1")]
        assert transfers[0].ticket_id == ticket.id and transfers[0].answered_at and transfers[0].ended_at
        history = [e.action for e in await rows(store, TicketEvent, TicketEvent.ticket_id == ticket.id)]
        assert history == ["transfer_started", "transfer_consulting", "transfer_completed"]
        assert ticket.caller_phone == caller  # the caller's identity stays on the call's ticket
        # The operator files the ticket after the call: it goes to the agency the call went to,
        # with the focal point's deadline and the slip SMS, so the answer is still owed (Art. 9.2).
        assert ticket.draft
        await page.fill("textarea[name=content]", "Cột đèn giao thông đổ chắn ngang đường, đã chuyển Sở")
        await page.click("#submit-ticket")
        await page.wait_for_function("document.getElementById('ticket-saved').textContent === 'Đã gửi phiếu'",
                                     timeout=10000)
        await assigned_to_transport(store, ticket.id, agencies, "transfer_followed")
        # The recording covers the whole call, and ends with the agency speaking to the caller.
        recording = Path(ticket.recording_path)
        audio = AudioSegment.from_file(recording)
        # (Within a tenth: a starved machine's Asterisk writes a little less than the wall time.)
        assert abs(audio.duration_seconds - call_seconds) < max(1.0, call_seconds / 10), (audio.duration_seconds,
                                                                                          call_seconds)
        assert audio[-3000:].dBFS > -40, audio[-3000:].dBFS
    finally:
        await ctx.close()
        await phone.stop()


async def op_bridged_with_caller(line, linkedid: str) -> bool:
    for _ in range(20):
        bridges = bridges_of(line, linkedid)
        caller_leg = next((c for c in bridges if c.startswith("PJSIP/trunk-")), None)
        op_leg = next((c for c in bridges if c.startswith("PJSIP/op1-")), None)
        if caller_leg and op_leg and bridges[caller_leg] == bridges[op_leg]:
            return True
        await asyncio.sleep(0.25)
    return False


async def test_warm_transfer_cancelled_gives_the_caller_back(playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300002"
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=500).start()  # waits for our BYE
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    try:
        await pick_agency(page, "GIAO THÔNG", "warm")
        await transfer_state(page, "Đang trao đổi với cơ quan")
        assert not await op_bridged_with_caller(line, linkedid)
        await page.click("#transfer-cancel")
        await transfer_state(page, "Đã hủy, quay lại người gọi")
        assert (await phone.result(timeout=15)).ok  # the agency got our BYE
        assert await op_bridged_with_caller(line, linkedid)  # operator and caller talk again
        assert await text(page, "#call-state") == "Đang nói chuyện"
        await page.click("#hangup")
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
        transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
        assert [(t.kind, t.outcome) for t in transfers] == [("warm", "cancelled")]
        complete = [e for e in call.of("AgentComplete") if e.get("MemberName") == "op1"]
        assert complete and complete[-1]["Reason"] != "transfer"  # the talk time stays the operator's
        assert "0 active channels" in await no_channels_left(line)
    finally:
        await ctx.close()
        await phone.stop()


@pytest.mark.parametrize("mode,outcome,text_shown", [("noanswer", "no_answer", "Cơ quan không nghe máy"),
                                                      ("busy", "busy", "Máy cơ quan bận")])
async def test_agency_not_picking_up_gives_the_caller_back_and_the_slip_goes_out(
        playwright_session, desktop_line, store, agencies, mode, outcome, text_shown):
    line = desktop_line
    caller = "09123000" + ("03" if mode == "busy" else "04")
    phone = await AgencyPhone(agency_port(line), mode).start()
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    try:
        await pick_agency(page, "giao thong", "warm")
        await transfer_state(page, text_shown, timeout=30000)  # ring time 8 s in the test profile
        assert await op_bridged_with_caller(line, linkedid)
        assert (await phone.result(timeout=15)).ok
        # One click sends the slip; a second one is refused.
        await page.click("#transfer-slip")
        await transfer_state(page, "đã gửi phiếu chuyển")
        transfer = (await rows(store, Transfer, Transfer.linkedid == linkedid))[0]
        again = await page.evaluate("""async (id) => { const r = await fetch(`/api/transfers/${id}/slip`,
            {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
            return [r.status, (await r.json()).error]; }""", transfer.id)
        assert again[0] == 409 and "đã được gửi" in again[1]
        transfer = (await rows(store, Transfer, Transfer.linkedid == linkedid))[0]
        assert transfer.outcome == outcome and transfer.slip_sent_at is not None
        # The ticket goes to the agency's focal point with Đồng Tháp's 8 working hours.
        ticket = (await rows(store, Ticket, Ticket.linkedid == linkedid))[0]
        assert ticket.agency_id == agencies["transport"] and ticket.status == "in_progress"
        profile = load_profile(load_settings(line.instance.home).config_dir, "test_open")
        office = office_calendar(profile.calendar)
        due = ticket.due_at.replace(tzinfo=ticket.due_at.tzinfo or __import__("datetime").timezone.utc)
        sent = transfer.slip_sent_at.replace(tzinfo=due.tzinfo)
        assert abs(office.working_hours_between(sent, due) - 8) < 0.01
        assert office.is_working_day(due.astimezone(office.tz).date())
        # The SMS is in the durable outbox, handed to the (log) gateway.
        sms = await rows(store, SmsMessage, SmsMessage.ticket_id == ticket.id)
        assert [(m.to_number, m.purpose) for m in sms] == [("0911000001", "transfer_slip")]
        assert ticket.code in sms[0].text and "Sở Giao thông" in sms[0].text
        for _ in range(20):
            if (await rows(store, SmsMessage, SmsMessage.id == sms[0].id))[0].status == "sent":
                break
            await asyncio.sleep(0.25)
        assert (await rows(store, SmsMessage, SmsMessage.id == sms[0].id))[0].status == "sent"
        history = [e.action for e in await rows(store, TicketEvent, TicketEvent.ticket_id == ticket.id)]
        assert history == ["transfer_started", f"transfer_{outcome}", "transfer_slip"]
        await page.click("#hangup")
        assert (await call_task).sipp.ok
        assert "0 active channels" in await no_channels_left(line)
    finally:
        await ctx.close()
        await phone.stop()


async def test_the_caller_hanging_up_during_the_consultation_cleans_up_every_leg(
        playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300005"
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=500).start()
    # The caller gives up 16 s after the call is answered.
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript().pause(2000).keys("2").silence().pause(16000), caller)
    try:
        await pick_agency(page, "giao thong", "warm")
        await transfer_state(page, "Đang trao đổi với cơ quan")
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
        await transfer_state(page, "Người gọi đã gác máy")
        assert (await phone.result(timeout=15)).ok  # the agency leg was hung up
        assert "0 active channels" in await no_channels_left(line)
        await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=10000)
        ticket = (await rows(store, Ticket, Ticket.linkedid == linkedid))[0]
        history = [e.action for e in await rows(store, TicketEvent, TicketEvent.ticket_id == ticket.id)]
        assert history[-1] == "transfer_caller_hung_up"
        await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                     timeout=15000)
    finally:
        await ctx.close()
        await phone.stop()


async def test_blind_transfer_sends_the_caller_to_the_agency(playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300006"
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=1000, hangup_after_ms=8000).start()
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    try:
        await page.fill("textarea[name=content]", "Ngập sâu tại ngã tư, cần Sở xử lý gấp")
        await page.click("#submit-ticket")
        await page.wait_for_function("document.getElementById('ticket-saved').textContent === 'Đã gửi phiếu'",
                                     timeout=10000)
        await pick_agency(page, "giao thong", "blind")
        await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=10000)  # operator freed
        await transfer_state(page, "Đã chuyển")
        bridges = bridges_of(line, linkedid)
        caller_leg = next(c for c in bridges if c.startswith("PJSIP/trunk-"))
        agency_leg = next(c for c in bridges if c.startswith("PJSIP/route-local-"))
        assert bridges[caller_leg] == bridges[agency_leg]
        call = await call_task  # the agency hangs up after 8 s; the caller gets the BYE
        assert call.sipp.ok, call.sipp.error_log
        assert (await phone.result(timeout=15)).ok
        transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
        assert [(t.kind, t.outcome, t.number) for t in transfers] == [("blind", "completed", "02773851001")]
        assert "0 active channels" in await no_channels_left(line)
        # The ticket was filed before the transfer: the completion itself assigns it to the agency.
        await assigned_to_transport(store, transfers[0].ticket_id, agencies, "transfer_followed")
    finally:
        await ctx.close()
        await phone.stop()


async def test_transfer_back_to_a_queue(playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300007"
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript().pause(2000).keys("2").silence().pause(14000), caller)
    try:
        await page.select_option("#requeue-queue", "procedures")
        await page.click("#requeue")
        await transfer_state(page, "Đã chuyển")
        joined = await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin" and e.get("Linkedid") == linkedid
                                         and e.get("Queue") == "procedures", timeout=10)
        assert joined is not None
        call = await call_task
        assert call.sipp.ok
        transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
        assert [(t.kind, t.outcome, t.queue) for t in transfers] == [("queue", "completed", "procedures")]
    finally:
        await ctx.close()
    assert "0 active channels" in await no_channels_left(line)


async def test_bad_transfer_requests_get_clear_errors_and_leave_no_channel(
        playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300008"
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)

    async def post(path, body):
        return await page.evaluate("""async ([path, body]) => { const r = await fetch(path, {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
            return [r.status, (await r.json()).error || ""]; }""", [path, body])

    try:
        base = f"/api/calls/{linkedid}/transfers"
        status, message = await post(base, {"kind": "warm", "agency_id": 999999})
        assert status == 404 and "Không có cơ quan" in message
        status, message = await post(base, {"kind": "warm", "agency_id": agencies["no_phone"]})
        assert status == 409 and "chưa có số điện thoại" in message
        status, message = await post(base, {"kind": "blind", "agency_id": agencies["no_phone"], "target": "focal_point"})
        assert status == 409 and "cán bộ đầu mối" in message
        status, message = await post(base, {"kind": "queue", "queue": "nope"})
        assert status == 404
        status, message = await post(base, {"kind": "teleport", "agency_id": agencies["transport"]})
        assert status == 400 and "Kiểu chuyển" in message
        status, _ = await post("/api/calls/not-my-call/transfers", {"kind": "warm", "agency_id": agencies["transport"]})
        assert status == 409
        status, _ = await post("/api/transfers/999999/complete", {})
        assert status == 409
        status, _ = await post("/api/transfers/abc/cancel", {})
        assert status == 404
        # The call is untouched: still operator and caller.
        assert await op_bridged_with_caller(line, linkedid)
        assert await rows(store, Transfer, Transfer.linkedid == linkedid) == []
        await page.click("#hangup")
        assert (await call_task).sipp.ok
        assert "0 active channels" in await no_channels_left(line)
    finally:
        await ctx.close()


async def test_only_administrators_edit_the_directory_and_bad_numbers_are_refused(desktop_line, store, agencies):
    op_password = await store.user("op7", "operator", "op2")
    http = await session_for(desktop_line, "op7", op_password)
    try:
        async with http.post(url(desktop_line, "/api/agencies"), json=NO_PHONE) as r:
            assert r.status == 403
        async with http.get(url(desktop_line, "/api/agencies?q=giao")) as r:
            listed = await r.json()
            assert [a["name"] for a in listed] == [TRANSPORT["name"]]
            assert all("phone" not in c for c in listed[0]["contacts"])  # personal numbers: admins only
    finally:
        await http.close()
    admin = await session_for(desktop_line, "quantri1", await store.user("quantri1", "admin"))
    try:
        hostile = {**TRANSPORT, "name": "Cơ quan thử", "phone": "0277,1)Dial(PJSIP/evil"}
        async with admin.post(url(desktop_line, "/api/agencies"), json=hostile) as r:
            assert r.status == 400 and "Số điện thoại" in (await r.json())["error"]
        async with admin.post(url(desktop_line, "/api/agencies"), json={**TRANSPORT, "route": "nowhere"}) as r:
            assert r.status == 400 and "Tuyến gọi" in (await r.json())["error"]
        async with admin.post(url(desktop_line, "/api/agencies"), json=TRANSPORT) as r:
            assert r.status == 409  # same name twice
        async with admin.get(url(desktop_line, f"/api/agencies/{agencies['transport']}")) as r:
            body = await r.json()
            assert body["phone"] == "02773851001"
            assert [c["phone"] for c in body["contacts"]] == ["0911000001", "0911000002"]
    finally:
        await admin.close()


async def test_the_operators_browser_closing_mid_consultation_leaves_no_stuck_channel(
        playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300009"
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=500, hangup_after_ms=55000).start()
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    closed = False
    try:
        await pick_agency(page, "giao thong", "warm")
        await transfer_state(page, "Đang trao đổi với cơ quan")
        await ctx.close()  # the browser goes away without a word (no BYE)
        closed = True
        # The dead leg is hung up once its audio stops (operator_rtp_timeout, 30 s); the agency had
        # answered, so Asterisk completes the transfer: the caller is not left on hold forever.
        done = await line.ami.wait_for(lambda e: e.get("Event") == "AttendedTransfer"
                                       and e.get("OrigTransfererLinkedid") == linkedid, timeout=50)
        assert done is not None and done["Result"] == "Success"
        for _ in range(40):
            transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
            if transfers[0].outcome != "consulting":
                break
            await asyncio.sleep(0.25)
        assert transfers[0].outcome == "completed"
        call = await call_task  # the agency hangs up; the caller gets the BYE
        assert call.sipp.ok, call.sipp.error_log
        assert (await phone.result(timeout=20)).ok
        assert "0 active channels" in await no_channels_left(line)
    finally:
        if not closed:
            await ctx.close()
        await phone.stop()


async def test_missed_deadlines_escalate_in_the_running_hotline_and_reach_the_overdue_list(
        desktop_line, store, agencies):
    """A slip whose focal-point deadline has passed (as after a weekend) is escalated to the head
    with an SMS by the running hotline's scheduler; once the head's passes it is overdue and on
    the supervisors' list."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    ticket = await store.tickets.create_ticket(status="in_progress", topic="infrastructure", caller_phone="0912399999",
                                               content="Cột điện đổ", agency_id=agencies["transport"],
                                               handling_stage="focal_point", transferred_at=now - timedelta(days=30),
                                               due_at=now - timedelta(minutes=1))
    for _ in range(40):
        t = (await rows(store, Ticket, Ticket.id == ticket.id))[0]
        if t.handling_stage != "focal_point":
            break
        await asyncio.sleep(0.25)
    # Counted from a transfer 30 days ago, the head's 48 working hours are over too: overdue next.
    for _ in range(40):
        t = (await rows(store, Ticket, Ticket.id == ticket.id))[0]
        if t.handling_stage == "overdue":
            break
        await asyncio.sleep(0.25)
    assert t.handling_stage == "overdue" and t.status == "overdue"
    sms = await rows(store, SmsMessage, SmsMessage.ticket_id == ticket.id)
    assert [(m.to_number, m.purpose) for m in sms] == [("0911000002", "escalation")]  # the head, once
    history = [e.action for e in await rows(store, TicketEvent, TicketEvent.ticket_id == ticket.id)]
    assert history == ["deadline_missed", "deadline_missed"]  # focal point -> head -> overdue
    http = await session_for(desktop_line, "gs-overdue", await store.user("gs-overdue", "supervisor"))
    try:
        async with http.get(url(desktop_line, "/api/supervisor/overdue")) as r:
            listed = await r.json()
        assert any(x["code"] == ticket.code and x["agency_name"] == TRANSPORT["name"] for x in listed)
    finally:
        await http.close()


async def test_the_agency_hanging_up_during_the_consultation_gives_the_caller_back(
        playwright_session, desktop_line, store, agencies):
    line = desktop_line
    caller = "0912300010"
    phone = await AgencyPhone(agency_port(line), "answer", ring_ms=500, hangup_after_ms=4000).start()
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    try:
        await pick_agency(page, "giao thong", "warm")
        await transfer_state(page, "Cơ quan đã gác máy")
        assert (await phone.result(timeout=15)).ok
        assert await op_bridged_with_caller(line, linkedid)
        assert await text(page, "#call-state") == "Đang nói chuyện"
        await page.click("#hangup")
        assert (await call_task).sipp.ok
        transfers = await rows(store, Transfer, Transfer.linkedid == linkedid)
        assert [(t.kind, t.outcome) for t in transfers] == [("warm", "agency_hung_up")]
        assert "0 active channels" in await no_channels_left(line)
    finally:
        await ctx.close()
        await phone.stop()


async def test_an_unreachable_agency_gives_the_caller_back(playwright_session, desktop_line, store, agencies):
    """No phone answers at the route's address at all."""
    line = desktop_line
    caller = "0912300011"
    ctx, page, call_task, linkedid = await answered(
        playwright_session, line, store, CallScript(ending="server").pause(2000).keys("2").silence(), caller)
    try:
        await pick_agency(page, "giao thong", "warm")
        await page.wait_for_function("['Không liên lạc được cơ quan', 'Cơ quan không nghe máy'].some(s => "
                                     "document.getElementById('transfer-state').textContent.includes(s))", timeout=45000)
        assert await op_bridged_with_caller(line, linkedid)
        assert not await page.is_hidden("#transfer-slip")  # a slip can follow
        await page.click("#hangup")
        assert (await call_task).sipp.ok
        assert "0 active channels" in await no_channels_left(line)
    finally:
        await ctx.close()


async def test_the_agency_of_the_tickets_commune_comes_first_in_the_transfer_list(
        playwright_session, desktop_line, store, agencies):
    """The operator types the caller's old address without diacritics ("phuong 1 my tho", a ward of
    the former Tiền Giang), picks the commune it became, and the commune's People's Committee,
    serving Phường Mỹ Tho and handling the ticket's field, heads the transfer list with the reason."""
    line = desktop_line
    committee = {"name": "UBND phường Mỹ Tho (thử nghiệm)", "level": "commune", "fields": ["infrastructure"],
                 "phone": "02733851010", "communes": [28261], "contacts": []}  # 28261: Phường Mỹ Tho, Đồng Tháp
    admin = await session_for(line, "quantri1", await store.user("quantri1", "admin"))
    try:
        async with admin.post(url(line, "/api/agencies"), json=committee) as r:
            assert r.status == 201, await r.text()
    finally:
        await admin.close()
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        await page.select_option("#topic-select", "infrastructure")
        await page.wait_for_function("document.querySelector('#agency-results li') !== null", timeout=5000)
        first = "document.querySelector('#agency-results li').textContent"
        assert "Mỹ Tho" not in await page.evaluate(first)  # no commune yet: the directory's order
        await page.fill("#ticket-form input[name=address]", "số 5 Lê Lợi, phuong 1 my tho")
        choice = page.locator(".address-choices li", has_text="Phường Mỹ Tho").first
        await choice.wait_for(timeout=5000)
        assert "Tiền Giang" in await choice.text_content()  # found by its old name
        await choice.click()
        assert await page.input_value("#ticket-form input[name=commune_code]") == "28261"
        assert await page.input_value("#ticket-form input[name=address]") == "số 5 Lê Lợi, phuong 1 my tho"
        await page.wait_for_function(f"{first}.includes({json.dumps(committee['name'])})", timeout=5000)
        assert "Gợi ý: Phụ trách Phường Mỹ Tho và lĩnh vực này" in await page.evaluate(first)
    finally:
        await ctx.close()

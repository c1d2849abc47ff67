"""We call them back: a caller asks for a callback after hours (SIPp, real Asterisk, closed
calendar); the next morning (the same hotline restarted with an open calendar) an operator sees
the request in the browser, takes it, calls from the softphone, a citizen's phone (SIPp behind the
route) answers, they hear each other, the outcome is stored and the recording is catalogued with
the ticket of the call. The softphone alone cannot call anyone the desktop did not ask for."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from hotline.settings import load_settings
from hotline.store.callbacks import CallbackAttempt, CallbackRequest, OutboundCall
from hotline.store.recordings import Recording
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.browser import launch, log_in
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, audio_heard, base_url, operator_page, web_report_in_worklist

pytestmark = pytest.mark.integration

CALLER = "0912777001"
WAITED = "0912777002"
SETTINGS = "deadline_scan_seconds = 1\n[recordings]\nstable_seconds = 1\nscan_seconds = 2\n"


@pytest.fixture(scope="module")
def callback_profiles(config_dir):
    """Closed at night; open the next morning, calls to citizens allowed at any hour (the tests
    run at any time of day)."""
    (config_dir / "profiles" / "test_callbacks.yaml").write_text(
        "extends: test_short_wait\nname: Đồng Tháp (test, callbacks)\n"
        "outbound:\n  calling_hours:\n    hours: [[\"00:00\", \"23:59:59\"]]\n")
    return config_dir


async def rows(store, model, *where):
    async with store.tickets.sessions() as s:
        return list(await s.scalars(select(model).where(*where)))


def loudness(path) -> float:
    return AudioSegment.from_wav(path).dBFS


async def test_after_hours_request_called_back_the_next_morning(workdir, callback_profiles, playwright_session):
    # Night: the line is closed; the caller presses 1 to be called back.
    async with running_line(workdir, "callbacks", "test_closed", callback_profiles, extra_settings=SETTINGS) as night:
        home, base = night.instance.home, night.instance.port_base
        call = await night.call(CallScript(ending="server").pause(3000).keys("1").pause(1000), caller=CALLER)
        assert call.sipp.ok, call.sipp.error_log
        assert call.prompts()[-2:] == ["callback_registered", "goodbye"]

    # Morning: the same hotline (same database) opens.
    async with running_line(workdir, "callbacks", "test_callbacks", callback_profiles, extra_settings=SETTINGS,
                            base=base) as line:
        store = Store(home)
        phone = None
        ctx = None
        ctx2 = None
        try:
            [req] = await rows(store, CallbackRequest, CallbackRequest.caller_number == CALLER)
            assert req.reason == "after_hours" and req.status == "open"
            # Before any operator is in: a caller waits the queue's 30 s and is promised a callback.
            waited = await line.call(CallScript(ending="server").pause(2000).keys("0").silence(), caller=WAITED,
                                     timeout=120)
            assert waited.sipp.ok and waited.var("QUEUESTATUS") == "TIMEOUT", waited.sipp.error_log
            [timed_out] = await rows(store, CallbackRequest, CallbackRequest.caller_number == WAITED)
            assert (timed_out.reason, timed_out.queue) == ("queue_timeout", "operator")

            ctx, page = await operator_page(playwright_session, line, store, "op1")
            ctx2, page2 = await operator_page(playwright_session, line, store, "op2")
            # Both operators click "take" on the same request at once: one gets it.
            await page2.locator(f"#callbacks-table tr[data-id='{timed_out.id}'] button.cb-take").wait_for(timeout=30000)
            take = """(id) => fetch(`/api/callbacks/${id}/take`, {method: 'POST', headers: {'Content-Type':
                'application/json'}, body: '{}'}).then(async (r) => [r.status, (await r.json()).code])"""
            results = await asyncio.gather(page.evaluate(take, timed_out.id), page2.evaluate(take, timed_out.id))
            assert sorted(r[0] for r in results) == [200, 409] and ["callback_taken"] in [r[1:] for r in results]
            [timed_out] = await rows(store, CallbackRequest, CallbackRequest.id == timed_out.id)
            assert timed_out.status == "taken" and timed_out.taken_by in ("op1", "op2")
            loser = page2 if timed_out.taken_by == "op1" else page
            await loser.wait_for_function(  # the other desktop shows who took it (pushed, not polled)
                f"document.querySelector(\"#callbacks-table tr[data-id='{timed_out.id}']\").textContent"
                f".includes('{timed_out.taken_by} đang gọi')", timeout=10000)
            await ctx2.close()
            ctx2 = None

            # Past its deadline, the request is escalated: the supervisors' page marks it at once.
            ctx2 = await launch(playwright_session)
            sup = await log_in(ctx2, base_url(line), "giamsat_cb", await store.user("giamsat_cb", "supervisor"))
            late = sup.locator(f"#callbacks tr[data-id='{timed_out.id}']")
            await late.wait_for(timeout=10000)
            assert await late.get_attribute("class") == ""
            async with store.tickets.sessions() as s, s.begin():
                (await s.get(CallbackRequest, timed_out.id)).due_at = datetime.now(timezone.utc) - timedelta(minutes=1)
            await sup.wait_for_selector(f"#callbacks tr.overdue[data-id='{timed_out.id}']", timeout=10000)
            [timed_out] = await rows(store, CallbackRequest, CallbackRequest.id == timed_out.id)
            assert timed_out.escalated_at is not None
            await ctx2.close()
            ctx2 = None

            row = page.locator(f"#callbacks-table tr[data-id='{req.id}']")
            await row.wait_for(timeout=10000)
            assert CALLER in await row.inner_text()
            await row.locator("button.cb-take").click()
            await row.locator("button.cb-call").wait_for(timeout=10000)

            # The citizen's phone (behind the route) answers after 1 s, speaks, hangs up after 12 s.
            phone = await AgencyPhone(base + 6, "answer", ring_ms=1000, hangup_after_ms=12000).start()
            await row.locator("button.cb-call").click()
            await page.wait_for_function(
                "document.getElementById('call-state').textContent === 'Đang nói chuyện'", timeout=20000)
            assert CALLER in await page.text_content("#bar-caller")
            # The citizen is heard.
            await audio_heard(page)
            result = await phone.result(timeout=60)
            assert result.ok, result.error_log
            phone = None
            await page.wait_for_function(
                "document.getElementById('call-state').textContent === 'Cuộc gọi đã kết thúc'", timeout=15000)

            # The call went to the citizen's number through the route, showing the line's number
            # (its row follows Asterisk's events, which a loaded machine delivers after the page's).
            for _ in range(100):
                [out] = await rows(store, OutboundCall, OutboundCall.callback_id == req.id)
                if out.status != "dialing":
                    break
                await asyncio.sleep(0.2)
            assert out.status == "answered" and out.operator_id == "op1" and out.number == CALLER
            dial = await line.ami.wait_for(lambda e: e.get("Event") == "DialBegin" and e.get("Linkedid") == out.linkedid)
            assert dial["DialString"] == f"{CALLER}@route-local"
            assert dial["CallerIDNum"] == "02771022"

            # The operator records the outcome.
            await row.locator("select.cb-outcome").select_option("reached")
            await row.locator("button.cb-record").click()
            await row.wait_for(state="detached", timeout=10000)  # handled: out of the list
            [req] = await rows(store, CallbackRequest, CallbackRequest.id == req.id)
            assert req.status == "done" and req.outcome == "reached" and req.handled_at and req.handled_by == "op1"
            [attempt] = await rows(store, CallbackAttempt, CallbackAttempt.request_id == req.id)
            assert attempt.outbound_call_id == out.id

            # The ticket written during the call is the request's, and the recording is catalogued
            # with it: both voices on their own legs.
            [ticket] = await rows(store, Ticket, Ticket.linkedid == out.linkedid)
            assert req.ticket_id == ticket.id and ticket.caller_phone == CALLER and ticket.operator_id == "op1"
            for _ in range(60):
                recs = await rows(store, Recording, Recording.linkedid == out.linkedid)
                if recs:
                    break
                await asyncio.sleep(0.5)
            [rec] = recs
            assert rec.caller_phone == CALLER and ",op1," in rec.operators and rec.status == "ok"
            assert out.linkedid in ticket.recording_path
            root = load_settings(home).recordings_dir
            assert loudness(root / rec.legs["caller"]["path"]) > -45  # the citizen spoke
            assert loudness(root / rec.legs["operator"]["path"]) > -45  # the browser's audio reached the call

            # Click-to-call from the work list: a report that came by the web, with the citizen's number.
            reported = await web_report_in_worklist(page, {
                "caller_phone": "0912 777 003", "reporter_name": "Phạm Văn Đức", "topic": "infrastructure",
                "content": "Nắp cống bị vỡ trước trường học"})
            phone = await AgencyPhone(base + 6, "answer", ring_ms=1000, hangup_after_ms=6000).start()
            await page.click("#w-call")
            await page.wait_for_function(
                "document.getElementById('call-state').textContent === 'Đang nói chuyện'", timeout=20000)
            assert (await phone.result(timeout=40)).ok
            phone = None
            await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=15000)
            [call] = await rows(store, OutboundCall, OutboundCall.ticket_id == reported["id"])
            assert (call.purpose, call.status, call.number, call.operator_id) == ("ticket", "answered", "0912777003",
                                                                                  "op1")
            history = await rows(store, TicketEvent, TicketEvent.ticket_id == reported["id"])
            assert ("outbound_call", call.linkedid) in [(e.action, (e.detail or {}).get("linkedid")) for e in history]
            for _ in range(60):
                recs = await rows(store, Recording, Recording.linkedid == call.linkedid)
                if recs:
                    break
                await asyncio.sleep(0.5)
            assert recs and recs[0].caller_phone == "0912777003" and ",op1," in recs[0].operators

            # The softphone alone reaches no one: a number, or a target never issued, is refused
            # (a phone that would answer waits behind the route; nothing is dialled to it).
            phone = await AgencyPhone(base + 6, "answer", calls=2, timeout=20).start()
            mark = len(line.ami.events)
            for target in ("0912345678", "out-0123456789abcdef0123456789abcdef", f"out-{out.token}"):
                cause = await page.evaluate("""(target) => new Promise((resolve) => {
                    const s = window.hotlinePhone.ua().call(target, {mediaConstraints: {audio: true, video: false}});
                    s.on('failed', (e) => resolve(e.cause)); s.on('confirmed', () => resolve('answered')); })""",
                                            target)
                assert cause != "answered", target
            assert not [e for e in line.ami.events[mark:] if e.get("Event") == "DialBegin"]
            await phone.stop()
            phone = None
        finally:
            if phone:
                await phone.stop()
            for c in (ctx, ctx2):
                if c:
                    await c.close()
            await store.close()

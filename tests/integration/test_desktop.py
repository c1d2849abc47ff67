"""Operators answer in the browser: headless Chromium with the JsSIP softphone, real Asterisk,
SIPp callers, the screen pop over the WebSocket, and the ticket draft in the real database."""

import asyncio

import pytest

from hotline.testing.browser import launch, log_in
from hotline.testing.sipp import PCAP_DIR, CallScript
from tests.integration.desktop_support import audio_heard, base_url, operator_page, pause, session_for, text, url

pytestmark = pytest.mark.integration


async def test_an_operator_answers_a_call_in_the_browser(playwright_session, desktop_line, store):
    line = desktop_line
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        assert "op1/" in await line.instance.cli("pjsip show contacts")  # the softphone registered
        assert "op1 (PJSIP/op1)" in await line.instance.cli("queue show infrastructure")  # a queue member

        caller = "0912000111"
        # An earlier report the agency asked this citizen to complete (Art. 14.4)
        previous = await store.tickets.create_ticket(status="in_progress", handling_stage="completing",
                                                     topic="infrastructure", caller_phone=caller,
                                                     content="Cột điện nghiêng ở phường 1")
        script = (CallScript().pause(2000).keys("2").pause(6000).audio(PCAP_DIR / "g711a.pcap").pause(9000))
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=90))

        # The pop arrives while the phone is still ringing: caller, topic, IVR path, history.
        await page.wait_for_function(f"document.getElementById('pop-caller').textContent === '{caller}'",
                                     timeout=30000)
        assert await page.get_attribute("#pop", "class") == "ringing"
        await page.wait_for_selector("#answer:not([disabled])", timeout=10000)
        assert await text(page, "#pop-topic") == "Sự cố hạ tầng kỹ thuật"
        assert await text(page, "#pop-path") == "2"
        assert previous.code in await text(page, "#pop-history")

        await page.click("#answer")
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                     timeout=10000)
        # The draft ticket exists as soon as the call is answered, linked to the call.
        await page.wait_for_function("document.getElementById('ticket-code').textContent !== ''", timeout=10000)
        linkedid = line.ami.linkedids_of(caller)[-1]
        draft = await store.tickets.ticket_for_call(linkedid)
        assert draft is not None and draft.draft and draft.operator_id == "op1"
        assert draft.caller_phone == caller and draft.topic == "infrastructure"
        assert linkedid in (draft.recording_path or "")
        assert draft.code in await text(page, "#ticket-code")

        # The operator writes while talking: the form saves into the draft.
        await page.fill("input[name=reporter_name]", "Nguyễn Văn Á")
        await page.fill("textarea[name=content]", "Đèn đường hỏng trên đường Lý Thường Kiệt")
        await page.wait_for_function("document.getElementById('ticket-saved').textContent === 'Đã lưu nháp'",
                                     timeout=10000)
        saved = await store.tickets.ticket_for_call(linkedid)
        assert saved.reporter_name == "Nguyễn Văn Á" and "Lý Thường Kiệt" in saved.content

        # The citizen gave the missing details on this call: the operator opens the earlier report
        # from the pop and records them (the step the citizen held).
        await page.click(f"#pop-history li[data-code='{previous.code}'] button.open-previous")
        await page.wait_for_function(f"document.getElementById('w-code').textContent === '{previous.code}'",
                                     timeout=10000)
        assert "clarified" in await page.eval_on_selector_all("#w-action option", "os => os.map(o => o.value)")

        # Audio flows to the browser.
        await audio_heard(page)

        call = await call_task  # the caller hangs up
        assert call.sipp.ok, call.sipp.error_log
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Cuộc gọi đã kết thúc'",
                                     timeout=10000)
        await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                     timeout=15000)  # after the wrap-up time

        # The call is in the statistics a supervisor's report shows (from Asterisk's queue_log).
        password = await store.user("giamsat_calls", "supervisor")
        async with await session_for(line, "giamsat_calls", password) as http:
            async with http.get(url(line, "/api/reports?kind=week")) as r:
                assert r.status == 200, await r.text()
                calls = (await r.json())["calls"]
        assert calls["totals"]["answered"] >= 1
        assert "Sự cố hạ tầng kỹ thuật" in [q["name"] for q in calls["by_queue"]]
        row = await store.queued_call(linkedid)
        assert (row.queue, row.caller, row.outcome, row.agent) == ("infrastructure", caller, "answered", "op1")
        assert row.wait_seconds is not None and row.talk_seconds > 5
    finally:
        await ctx.close()


async def test_with_two_operators_the_pop_goes_only_to_the_one_whose_phone_rings(playwright_session, desktop_line,
                                                                                 store):
    line = desktop_line
    ctx1, page1 = await operator_page(playwright_session, line, store, "op1")
    ctx2, page2 = await operator_page(playwright_session, line, store, "op2")
    try:
        caller = "0912000222"
        call_task = asyncio.create_task(line.call(CallScript().pause(2000).keys("3").pause(12000), caller=caller))
        ringing = None
        for _ in range(60):
            shown = [await text(p, "#pop-caller") == caller for p in (page1, page2)]
            if any(shown):
                ringing = shown
                break
            await asyncio.sleep(0.25)
        assert ringing in ([True, False], [False, True]), ringing  # exactly one pop
        rung, other = (page1, page2) if ringing[0] else (page2, page1)
        await rung.wait_for_selector("#answer:not([disabled])", timeout=10000)
        assert await other.is_disabled("#answer")  # the other phone is not ringing
        await rung.click("#answer")
        await rung.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                     timeout=10000)
        assert await text(other, "#pop-caller") == "—"
        assert (await call_task).sipp.ok
    finally:
        await ctx1.close()
        await ctx2.close()


async def test_reloading_the_page_mid_call_keeps_the_call_context(playwright_session, desktop_line, store):
    line = desktop_line
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        caller = "0912000333"
        call_task = asyncio.create_task(line.call(CallScript().pause(2000).keys("4").pause(25000), caller=caller))
        await page.wait_for_selector("#answer:not([disabled])", timeout=30000)
        await page.click("#answer")
        await page.wait_for_function("document.getElementById('ticket-code').textContent !== ''", timeout=10000)
        code = await text(page, "#ticket-code")
        await page.fill("textarea[name=content]", "Hỏi về chính sách ưu đãi đầu tư")
        await page.wait_for_function("document.getElementById('ticket-saved').textContent === 'Đã lưu nháp'",
                                     timeout=10000)
        await page.reload()  # the browser reconnects: the call's context and the draft come back
        await page.wait_for_function(f"document.getElementById('pop-caller').textContent === '{caller}'",
                                     timeout=10000)
        assert await text(page, "#ticket-code") == code
        assert await page.input_value("textarea[name=content]") == "Hỏi về chính sách ưu đãi đầu tư"
        assert await text(page, "#pop-topic") == "Đầu tư, khu công nghiệp, du lịch"
        await call_task
    finally:
        await ctx.close()


async def test_the_supervisor_sees_queues_and_agents_live(playwright_session, desktop_line, store):
    line = desktop_line
    op_ctx, op_page = await operator_page(playwright_session, line, store, "op2")
    sup_ctx = await launch(playwright_session)
    try:
        await pause(op_page, "training")
        sup = await log_in(sup_ctx, base_url(line), "gs-live", await store.user("gs-live", "supervisor"))
        assert sup.url.endswith("/supervisor")
        await sup.wait_for_function(
            "[...document.querySelectorAll('#agents tbody tr')].some(r => r.textContent.includes('op2') && "
            "r.textContent.includes('Tạm nghỉ') && r.textContent.includes('Đào tạo'))", timeout=10000)
        caller = "0912000444"
        call_task = asyncio.create_task(line.call(CallScript().pause(2000).keys("2").pause(9000), caller=caller))
        await sup.wait_for_function(
            "[...document.querySelectorAll('#calls tbody tr')].some(r => r.textContent.includes('" + caller + "'))",
            timeout=15000)
        await sup.wait_for_function(
            "[...document.querySelectorAll('#queues tbody tr')].some(r => r.cells[0].textContent === 'Sự cố hạ tầng kỹ thuật'"
            " && r.cells[1].textContent !== '0')", timeout=15000)
        await call_task
        await op_page.click("#unpause")
        await sup.wait_for_function(
            "[...document.querySelectorAll('#agents tbody tr')].some(r => r.textContent.includes('op2') && "
            "r.textContent.includes('Sẵn sàng'))", timeout=10000)
    finally:
        await op_ctx.close()
        await sup_ctx.close()


async def test_a_supervisor_listens_to_a_call_from_the_browser(playwright_session, desktop_line, store):
    line = desktop_line
    op_ctx, op_page = await operator_page(playwright_session, line, store, "op1")
    sup_ctx = await launch(playwright_session)
    try:
        sup = await log_in(sup_ctx, base_url(line), "gs-listen", await store.user("gs-listen", "supervisor", "sup1"))
        await sup.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                    timeout=20000)
        caller = "0912000555"
        script = CallScript().pause(2000).keys("2").pause(4000)
        for _ in range(4):
            script.audio(PCAP_DIR / "g711a.pcap").pause(7000)
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=90))
        await op_page.wait_for_selector("#answer:not([disabled])", timeout=30000)
        await op_page.click("#answer")
        row = f"#calls tbody tr:has-text('{caller}'):has-text('Đang nói chuyện')"
        await sup.wait_for_selector(f"{row} button:has-text('Nghe')", timeout=15000)
        await sup.click(f"{row} button:has-text('Nghe')")
        await sup.wait_for_function("document.getElementById('spy-state').textContent === 'Đang nghe cuộc gọi'",
                                    timeout=15000)
        spy = await line.ami.wait_for(lambda e: e.get("Event") == "ChanSpyStart"
                                      and e.get("SpyeeChannel", "").startswith("PJSIP/op1-"), timeout=5)
        assert spy is not None and spy["SpyerChannel"].startswith("PJSIP/sup1-")
        # The supervisor hears the call.
        await audio_heard(sup)
        assert "Đang nói chuyện" == await text(op_page, "#call-state")  # the operator's call goes on
        await sup.click("#spy-stop")
        await sup.wait_for_function("document.getElementById('spy-state').textContent === ''", timeout=10000)
        assert (await call_task).sipp.ok
    finally:
        await op_ctx.close()
        await sup_ctx.close()


async def test_the_operator_sees_the_queue_strip(playwright_session, desktop_line, store):
    ctx, page = await operator_page(playwright_session, desktop_line, store, "op2")
    try:
        await page.select_option("#pause-reason", "meal")
        await page.click("#pause")  # paused: the caller waits in the queue
        call_task = asyncio.create_task(desktop_line.call(CallScript().pause(2000).keys("3").pause(9000)))
        await page.wait_for_function(
            "document.getElementById('queue-strip').textContent.includes('Kinh tế - xã hội, dịch vụ công: 1 đang chờ')", timeout=20000)
        assert "Tổng đài viên (chung): 0 đang chờ" in await text(page, "#queue-strip")  # every queue, callers or not
        assert "0912" not in await text(page, "#queue-strip")  # no caller data in the strip
        await call_task
        await page.click("#unpause")
    finally:
        await ctx.close()


async def test_the_call_bar_answers_with_f8_hangs_up_with_f9_and_counts_the_call_time(playwright_session,
                                                                                      desktop_line, store):
    line = desktop_line
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        await page.set_viewport_size({"width": 1366, "height": 768})
        caller = "0912000777"
        script = CallScript(ending="server").pause(2000).keys("2").silence()  # until the operator hangs up
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=90))
        await page.wait_for_function("document.getElementById('call-bar').dataset.phase === 'ringing'", timeout=30000)
        await page.wait_for_selector("#answer:not([disabled])", timeout=10000)
        assert await text(page, "#bar-caller") == caller
        await page.focus("textarea[name=content]")  # typing in the ticket form: the keys still work
        await page.keyboard.press("F8")
        await page.wait_for_function("document.getElementById('call-bar').dataset.phase === 'talking'", timeout=10000)
        await page.wait_for_function("document.getElementById('call-timer').textContent >= '0:02'", timeout=10000)
        # Everything an operator uses during a call is on one 1366×768 screen, without scrolling the page.
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert await page.evaluate("document.documentElement.scrollHeight <= innerHeight + 2")
        for selector in ("#answer", "#hangup", "#pop-caller", "textarea[name=content]", "#agency-search"):
            box = await page.locator(selector).bounding_box()
            assert box and box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, selector
        await page.keyboard.press("F9")
        await page.wait_for_function("document.getElementById('call-bar').dataset.phase === 'ended'", timeout=10000)
        assert await text(page, "#call-state") == "Cuộc gọi đã kết thúc"
        call = await call_task  # the hotline hung up on the caller
        assert call.sipp.ok, call.sipp.error_log
    finally:
        await ctx.close()


async def test_the_wallboard_shows_waiting_callers_by_queue_name_and_agents_by_state(playwright_session,
                                                                                    desktop_line, store):
    line = desktop_line
    ctx = await launch(playwright_session)
    try:
        board = await log_in(ctx, base_url(line), "tv-phong", await store.user("tv-phong", "supervisor"))
        await board.goto(base_url(line) + "/wallboard")
        await board.set_viewport_size({"width": 1920, "height": 1080})
        await board.wait_for_function("document.getElementById('wb-level').textContent !== '—' || "
                                      "document.getElementById('wb-answered').textContent.includes('/')",
                                      timeout=10000)
        caller = "0912000888"  # nobody is logged in to the investment queue's phones: the caller waits
        call_task = asyncio.create_task(line.call(CallScript().pause(2000).keys("4").pause(12000), caller=caller))
        await board.wait_for_function(
            "[...document.querySelectorAll('#wb-queues tbody tr')].some(r => "
            "r.cells[0].textContent === 'Đầu tư, khu công nghiệp, du lịch' && r.cells[1].textContent === '1')",
            timeout=20000)
        assert int(await text(board, "#wb-waiting")) >= 1
        await board.wait_for_function("document.getElementById('wb-longest').textContent >= '0:02'", timeout=10000)
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
        await board.wait_for_function(
            "[...document.querySelectorAll('#wb-queues tbody tr')].some(r => "
            "r.cells[0].textContent === 'Đầu tư, khu công nghiệp, du lịch' && r.cells[1].textContent === '0')",
            timeout=20000)
        assert "investment" not in await text(board, "#wb-queues")  # names, not ids
    finally:
        await ctx.close()

"""Operators answer in the browser: headless Chromium with the JsSIP softphone, real Asterisk,
SIPp callers, the screen pop over the WebSocket, and the ticket draft in the real database."""

import asyncio

import pytest

from hotline.testing.browser import launch, log_in
from hotline.testing.sipp import PCAP_DIR, CallScript
from tests.integration.desktop_support import Store

pytestmark = pytest.mark.integration


def base_url(line) -> str:
    return f"http://127.0.0.1:{line.instance.port_base + 4}"


@pytest.fixture(scope="module")
async def store(desktop_line):
    s = Store(desktop_line.instance.home)
    yield s
    await s.close()


async def operator_page(playwright_session, line, store, op: str):
    password = await store.user(op, "operator", op)
    ctx = await launch(playwright_session)
    page = await log_in(ctx, base_url(line), op, password)
    await page.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                 timeout=20000)
    await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                 timeout=20000)
    return ctx, page


async def text(page, selector):
    return (await page.text_content(selector)).strip()


async def test_an_operator_answers_a_call_in_the_browser(playwright_session, desktop_line, store):
    line = desktop_line
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        assert "op1/" in await line.instance.cli("pjsip show contacts")  # the softphone registered
        assert "op1 (PJSIP/op1)" in await line.instance.cli("queue show infrastructure")  # a queue member

        caller = "0912000111"
        previous = await store.tickets.create_ticket(status="answered", topic="infrastructure",
                                                     caller_phone=caller, content="Cột điện nghiêng ở phường 1")
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

        # Audio flows to the browser.
        await asyncio.sleep(5)
        assert await page.evaluate("window.hotlinePhone.bytesReceived()") > 1000

        call = await call_task  # the caller hangs up
        assert call.sipp.ok, call.sipp.error_log
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Cuộc gọi đã kết thúc'",
                                     timeout=10000)
        await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                     timeout=15000)  # after the wrap-up time
    finally:
        await ctx.close()

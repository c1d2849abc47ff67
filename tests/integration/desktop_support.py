"""Shared by the desktop tests: users with known passwords, a logged-in browser per operator."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.testing.browser import launch, log_in
from hotline.settings import load_settings
from hotline.store.db import make_engine, sessionmaker
from hotline.store.calls import QueuedCallRow
from hotline.ticketing.store import TicketStore


class Store:
    """Direct access to the instance's database, as an administrator's tool would have."""

    def __init__(self, home):
        self.engine = make_engine(load_settings(home).db_url)
        self.accounts = Accounts(sessionmaker(self.engine))
        self.tickets = TicketStore(sessionmaker(self.engine))

    async def user(self, username: str, role: str, operator_id: str | None = None) -> str:
        password = f"pw-{username}-Ab1!"
        if not await self.accounts.user_exists(username):
            await self.accounts.create_user(username, f"Người dùng {username}", role, password, operator_id)
        return password

    async def queued_call(self, callid: str):
        async with sessionmaker(self.engine)() as s:
            return await s.scalar(select(QueuedCallRow).where(QueuedCallRow.callid == callid))

    async def close(self):
        await self.engine.dispose()


def base_url(line) -> str:
    return f"http://127.0.0.1:{line.instance.port_base + 4}"


async def operator_page(playwright_session, line, store, op: str):
    password = await store.user(op, "operator", op)
    ctx = await launch(playwright_session)
    page = await log_in(ctx, base_url(line), op, password)
    assert page.url.endswith("/operator"), (page.url, await page.content())
    await page.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                 timeout=20000)
    await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                 timeout=20000)
    return ctx, page


async def answer_call(page) -> None:
    """The operator answers the ringing call: the button is enabled, clicked, and the call bar
    says they are talking."""
    await page.wait_for_selector("#answer:not([disabled])", timeout=10000)
    await page.click("#answer")
    await page.wait_for_function(
        "document.getElementById('call-state').textContent === 'Đang nói chuyện'", timeout=10000)


async def text(page, selector):
    return (await page.text_content(selector)).strip()


def url(line, path):
    return f"http://127.0.0.1:{line.instance.port_base + 4}{path}"


async def session_for(line, username, password) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.post(url(line, "/api/login"), json={"username": username, "password": password}) as r:
        assert r.status == 200, await r.text()
    return http


async def until_popped(page, caller: str, call_task: asyncio.Task, timeout_ms: int = 30000, line=None) -> None:
    """Wait for the caller's pop on the desktop; if the call ends first (or the wait times out),
    fail with what the call went through (prompts heard, queues joined, the queue's AMI events,
    SIPp's errors, and with `line` the queues as Asterisk shows them), so that a failure says where
    the call went instead of only that no pop came."""
    pop = asyncio.ensure_future(page.wait_for_function(
        f"document.getElementById('pop-caller').textContent === '{caller}'", timeout=timeout_ms))
    await asyncio.wait({pop, call_task}, return_when=asyncio.FIRST_COMPLETED)
    if pop.done() and pop.exception() is None:
        return
    if not call_task.done():
        await asyncio.wait({call_task}, timeout=120)
    pop.cancel()
    record = call_task.result() if call_task.done() and not call_task.exception() else None
    queue_events = [(e.get("Event"), e.get("Interface") or e.get("MemberName") or e.get("Queue"))
                    for e in (record.events if record else [])
                    if e.get("Event", "").startswith(("Agent", "QueueCaller", "QueueMember"))]
    what = (f"prompts {record.prompts()}, queues {record.queues_joined()}, queue events {queue_events}, "
            f"sipp ok={record.sipp.ok} {record.sipp.error_log[-2000:]}" if record else f"call task: {call_task}")
    shown = await page.text_content("#pop-caller")
    queues = await line.instance.cli("queue show") if line is not None else ""
    raise AssertionError(f"no pop for {caller} (desktop shows {shown!r}); the call: {what}; Asterisk: {queues}")


async def web_report_in_worklist(page, body: dict) -> dict:
    """The operator files a report that came by the web (`body`: the ticket's fields) and opens it
    in the work list, where its click-to-call button is; returns the created ticket."""
    status, reported = await page.evaluate("""(body) => fetch('/api/tickets', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
        .then(async (r) => [r.status, await r.json()])""", {"channel": "web", **body})
    assert status == 201, reported
    await page.click("#work-refresh")
    await page.locator(f"#work-table tr[data-code='{reported['code']}'] button").click()
    await page.wait_for_function(f"document.getElementById('w-code').textContent === '{reported['code']}'")
    return reported


async def pause(page, reason: str) -> None:
    """The operator pauses with a reason (a code of /api/pause-reasons); her state says so."""
    await page.select_option("#pause-reason", reason)
    await page.click("#pause")
    await page.wait_for_function(
        "document.getElementById('agent-state').textContent.startsWith('Tạm nghỉ')", timeout=10000)


async def audio_heard(page, timeout: float = 15) -> int:
    """Wait until the page's softphone has received more than 1,000 bytes of audio (its WebRTC
    statistics, read every quarter second); the bytes received, or AssertionError at the deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (received := await page.evaluate("window.hotlinePhone.bytesReceived()")) <= 1000:
        assert asyncio.get_running_loop().time() < deadline, f"no audio reached the browser: {received} bytes"
        await asyncio.sleep(0.25)
    return received

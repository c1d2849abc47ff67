"""Every API route and the WebSocket need a valid session and the right role."""

import asyncio

import aiohttp
import pytest

from hotline.testing.browser import launch
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration

# Every route's 401/403 is checked by walking the application's router: tests/store/test_route_walk.py.


async def test_without_a_session_the_websocket_is_refused(desktop_line):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await http.ws_connect(url(desktop_line, "/ws"))
        assert err.value.status == 401


async def test_wrong_password_and_forged_cookie_are_refused(desktop_line, store):
    await store.user("op9", "operator", "op1")
    async with aiohttp.ClientSession() as http:
        async with http.post(url(desktop_line, "/api/login"), json={"username": "op9", "password": "wrong"}) as r:
            assert r.status == 401
            assert "Sai tên đăng nhập" in (await r.json())["error"]
        async with http.post(url(desktop_line, "/api/login"), data="username=op9") as r:
            assert r.status == 415
    forged = {"hl_session": "forged-token-value"}
    async with aiohttp.ClientSession(cookies=forged) as http:
        async with http.get(url(desktop_line, "/api/me")) as r:
            assert r.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(url(desktop_line, "/ws"))


async def test_a_log_in_sent_before_its_script_runs_never_puts_the_password_in_an_address(
        playwright_session, desktop_line, store):
    """A slow network (or a password manager that submits at once): the form is there before
    login.js. Enter then does nothing (no GET of /login?password=...), and the log-in works once
    the script has come."""
    password = await store.user("gs-login", "supervisor")  # no softphone: nothing registers meanwhile
    held, release = asyncio.Event(), asyncio.Event()

    async def slow_script(route):
        held.set()
        await release.wait()
        await route.continue_()

    ctx = await launch(playwright_session)
    try:
        page = await ctx.new_page()
        await page.route("**/static/login.js", slow_script)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        # (A module script holds DOMContentLoaded back; the form is usable before it.)
        await page.goto(f"{base_url(desktop_line)}/login", wait_until="commit")
        await held.wait()
        await page.wait_for_selector("#login-button", state="attached")
        await page.fill("#username", "gs-login")
        await page.fill("#password", password)
        assert await page.is_disabled("#login-button")
        await page.press("#password", "Enter")
        await page.evaluate("1")  # a round trip: what Enter would have started has started
        assert page.url.endswith("/login") and not [u for u in requests if password in u or "password=" in u]
        release.set()
        await page.wait_for_function("!document.getElementById('login-button').disabled")
        await page.click("#login-button")
        await page.wait_for_url(lambda u: u.endswith("/supervisor"))
        assert not [u for u in requests if password in u or "password=" in u], requests
    finally:
        release.set()
        await ctx.close()


async def test_an_operator_cannot_use_supervisor_endpoints(desktop_line, store):
    password = await store.user("op8", "operator", "op2")
    http = await session_for(desktop_line, "op8", password)
    try:
        async with http.get(url(desktop_line, "/api/supervisor/state")) as r:
            assert r.status == 403
        async with http.post(url(desktop_line, "/api/supervisor/listen"), json={"linkedid": "x", "mode": "listen"}) as r:
            assert r.status == 403
        async with http.get(url(desktop_line, "/api/system/loop-lag")) as r:
            assert r.status == 403
        async with http.get(url(desktop_line, "/api/me")) as r:
            assert (await r.json())["role"] == "operator"
        async with http.post(url(desktop_line, "/api/agent/pause"), json={"reason": "<script>"}) as r:
            assert r.status == 400  # only the listed reason codes
    finally:
        await http.close()


async def test_a_supervisor_without_a_phone_gets_no_credentials_but_sees_the_state(desktop_line, store):
    password = await store.user("gs1", "supervisor")
    http = await session_for(desktop_line, "gs1", password)
    try:
        async with http.get(url(desktop_line, "/api/sip-credentials")) as r:
            assert r.status == 409  # no softphone assigned to this supervisor
        async with http.get(url(desktop_line, "/api/supervisor/state")) as r:
            assert r.status == 200 and set(await r.json()) == {"calls", "agents", "queues"}
        async with http.get(url(desktop_line, "/api/system/loop-lag")) as r:
            lag = await r.json()  # the node's loop has been ticking since it started
            assert r.status == 200 and lag["last_minute"]["samples"] > 0 and sum(lag["histogram"]["counts"]) > 0
        async with http.get(url(desktop_line, "/api/openapi.json")) as r:
            doc = await r.json()
            assert doc["openapi"].startswith("3.") and "/api/tickets/{id}" in doc["paths"]
        ws = await http.ws_connect(url(desktop_line, "/ws"), origin=url(desktop_line, ""))
        hello = await ws.receive_json(timeout=5)
        assert hello["v"] == 1 and hello["type"] == "hello" and "snapshot" in hello["data"]
        stats = await ws.receive_json(timeout=5)
        assert stats["type"] == "queue.stats"
        await ws.close()
    finally:
        await http.close()


async def test_an_expired_session_closes_the_websocket(desktop_line, store):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from hotline.store.accounts import WebSession

    password = await store.user("gs2", "supervisor")
    http = await session_for(desktop_line, "gs2", password)
    try:
        ws = await http.ws_connect(url(desktop_line, "/ws"), origin=url(desktop_line, ""))
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        async with store.accounts.sessions() as s, s.begin():  # the session runs out
            await s.execute(update(WebSession).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        await ws.send_str("ping")
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                break
        assert ws.close_code == 4401
        async with http.get(url(desktop_line, "/api/me")) as r:
            assert r.status == 401
    finally:
        await http.close()


async def test_hostile_ticket_fields_are_refused_or_stored_safely(desktop_line, store):
    ticket = await store.tickets.create_ticket(status="received", operator_id="op2", draft=True)
    password = await store.user("op7", "operator", "op2")
    http = await session_for(desktop_line, "op7", password)
    try:
        async with http.put(url(desktop_line, f"/api/tickets/{ticket.id}"), json={"content": "x" * 300_000}) as r:
            assert r.status == 413
        async with http.put(url(desktop_line, f"/api/tickets/{ticket.id}"), json={"content": "x" * 20_001}) as r:
            assert r.status == 400 and "Nội dung" in (await r.json())["error"]
        async with http.put(url(desktop_line, f"/api/tickets/{ticket.id}"), json={"caller_phone": "'; DROP TABLE"}) as r:
            assert r.status == 400 and "Số điện thoại" in (await r.json())["error"]
        async with http.put(url(desktop_line, f"/api/tickets/{ticket.id}"), json={"is_admin": True}) as r:
            assert r.status == 400
        decomposed = "Nguye\u0302\u0303n <script>alert(1)</script> 🙂"
        async with http.put(url(desktop_line, f"/api/tickets/{ticket.id}"), json={"reporter_name": decomposed}) as r:
            assert r.status == 200
            assert (await r.json())["reporter_name"] == "Nguyễn <script>alert(1)</script> 🙂"  # NFC, verbatim
        async with http.put(url(desktop_line, "/api/tickets/999999"), json={}) as r:
            assert r.status == 404
        other = await store.tickets.create_ticket(status="received", operator_id="op1", draft=True)
        async with http.put(url(desktop_line, f"/api/tickets/{other.id}"), json={"content": "x"}) as r:
            assert r.status == 403  # not this operator's call
    finally:
        await http.close()


async def _pushes_until(ws, wanted, timeout: float = 15) -> list[dict]:
    """The socket's messages up to and including the first for which `wanted` is true."""
    seen = []
    while True:
        msg = await ws.receive_json(timeout=timeout)
        seen.append(msg)
        if wanted(msg):
            return seen


async def test_pushes_about_a_state_secret_conversation_reach_only_its_readers(desktop_line, store):
    """The hub follows the tickets' rule: an operator (not among the profile's state-secret
    readers) gets no push about a conversation linked to a state-secret ticket, not even the one
    she has; a supervisor gets them; the same operator gets those of an ordinary one."""
    from hotline.store.conversations import Conversation

    secret_ticket = await store.tickets.create_ticket(status="received", draft=True, state_secret=True)
    plain_ticket = await store.tickets.create_ticket(status="received", draft=True)
    async with store.tickets.sessions() as s, s.begin():
        convs = [Conversation(channel="email", citizen_address=f"dan{i}@example.vn", address_kind="email",
                              subject="Phản ánh", ticket_id=t.id) for i, t in enumerate((secret_ticket, plain_ticket))]
        s.add_all(convs)
    secret, plain = (c.id for c in convs)
    op = await session_for(desktop_line, "op-mat", await store.user("op-mat", "operator", "op2"))
    sup = await session_for(desktop_line, "gs-mat", await store.user("gs-mat", "supervisor"))
    try:
        op_ws = await op.ws_connect(url(desktop_line, "/ws"), origin=url(desktop_line, ""))
        sup_ws = await sup.ws_connect(url(desktop_line, "/ws"), origin=url(desktop_line, ""))

        def about(cid, kind):
            return lambda m: m["type"] == kind and m["data"].get("id") == cid

        # The secret one cannot be given to her, nor answered by her; the supervisor closes it
        # (an inbox change he is told of).
        async with sup.post(url(desktop_line, f"/api/conversations/{secret}/assign"), json={"operator_id": "op2"}) as r:
            assert r.status == 422 and (await r.json())["code"] == "state_secret"
        async with op.post(url(desktop_line, f"/api/conversations/{secret}/reply"), json={"text": "Đã nhận."}) as r:
            assert r.status == 404, await r.text()
        async with sup.post(url(desktop_line, f"/api/conversations/{secret}/close"), json={}) as r:
            assert r.status == 200, await r.text()
        await _pushes_until(sup_ws, about(secret, "conversations.changed"))
        # The ordinary one, after: its pushes reach her, so anything about the secret one sent to
        # her would have come before them.
        async with sup.post(url(desktop_line, f"/api/conversations/{plain}/assign"), json={"operator_id": "op2"}) as r:
            assert r.status == 200, await r.text()
        async with op.post(url(desktop_line, f"/api/conversations/{plain}/reply"), json={"text": "Đã nhận."}) as r:
            assert r.status == 201, await r.text()
        seen = await _pushes_until(op_ws, about(plain, "conversation.activity"))
        assert any(about(plain, "conversations.changed")(m) for m in seen), seen
        assert not [m for m in seen if m["type"].startswith("conversation") and m["data"].get("id") == secret], seen
        await _pushes_until(sup_ws, about(plain, "conversation.activity"))
        await op_ws.close()
        await sup_ws.close()
        for cid in (plain,):  # the instance's other tests find op2 with nothing open
            async with sup.post(url(desktop_line, f"/api/conversations/{cid}/close"), json={}) as r:
                assert r.status == 200, await r.text()
    finally:
        await op.close()
        await sup.close()

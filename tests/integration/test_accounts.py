"""Safe on a public network: SIP identity by source address, accounts administered for real,
sessions that end at once, and guessing slowed down. Real Asterisk, SIP requests over UDP and
WebSocket, SIPp callers, headless Chromium."""

import asyncio

import aiohttp
import pytest

from hotline.testing import sip_probe
from hotline.testing.browser import launch, log_in
from hotline.testing.sipp import PCAP_DIR, CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, session_for, until_popped, url
from tests.integration.test_lookup import lookup_call, seed

pytestmark = pytest.mark.integration

SETTINGS = """[security]
login_window_seconds = 5
login_failures_per_account = 5
session_check_seconds = 1
ivr_lookups_per_caller = 1
"""


@pytest.fixture(scope="module")
async def acc_line(workdir, config_dir):
    async with running_line(workdir, "accounts", "test_open", config_dir, extra_settings=SETTINGS) as ln:
        yield ln


@pytest.fixture(scope="module")
async def acc_store(acc_line):
    s = Store(acc_line.instance.home)
    yield s
    await s.close()


@pytest.mark.parametrize("from_user", ["trunk", "route-local", "0912345678"])
async def test_sip_from_an_unknown_address_is_refused(acc_line, from_user):
    """Whatever the From user names (the trunk, an agency route, a caller), a request from an
    address that is not the trunk's is refused and opens no channel."""
    status = await sip_probe.over_udp("INVITE", from_user, acc_line.instance.sip_target, source="127.0.0.2",
                                      target_user="1022")
    assert status == 403
    await asyncio.sleep(0.5)
    assert "0 active channels" in await acc_line.instance.cli("core show channels")
    # The same request from the trunk's address is let in (and hung up by the probe's silence).
    assert await sip_probe.over_udp("OPTIONS", from_user, acc_line.instance.sip_target, source="127.0.0.1") != 403


async def test_softphones_register_only_over_the_websocket_and_only_while_the_account_is_enabled(acc_line, acc_store):
    line = acc_line
    password = await acc_store.user("op_sip", "operator", "op2")
    admin_pw = await acc_store.user("admin_sip", "admin")
    async with await session_for(line, "op_sip", password) as http:
        async with http.get(url(line, "/api/sip-credentials")) as r:
            assert r.status == 200
            creds = await r.json()
        # The same credentials over UDP (the trunk's transport) are refused, from any address
        # (Asterisk answers an endpoint ACL failure with a challenge that no password passes).
        for source in ("127.0.0.1", "127.0.0.2"):
            assert await sip_probe.over_udp("REGISTER", "op2", line.instance.sip_target, source=source,
                                            password=creds["password"]) in (401, 403)
        assert "op2/" not in await line.instance.cli("pjsip show contacts")
        # Over the WebSocket they register; a wrong password does not.
        assert await sip_probe.over_websocket(creds["ws_url"], "op2", creds["password"]) == 200
        assert await sip_probe.over_websocket(creds["ws_url"], "op2", creds["password"] + "x") in (401, 403)
        # A new desktop session gets a new password: the old one is useless at once.
        async with http.get(url(line, "/api/sip-credentials")) as r:
            fresh = (await r.json())["password"]
        assert fresh != creds["password"]
        assert await sip_probe.over_websocket(creds["ws_url"], "op2", creds["password"]) in (401, 403)
        assert await sip_probe.over_websocket(creds["ws_url"], "op2", fresh) == 200
        user_id = await acc_store.accounts.user_id("op_sip")
        async with await session_for(line, "admin_sip", admin_pw) as admin:
            async with admin.post(url(line, f"/api/users/{user_id}/disable"), json={}) as r:
                assert r.status == 200, await r.text()
        assert await sip_probe.over_websocket(creds["ws_url"], "op2", fresh) in (401, 403)
        async with http.get(url(line, "/api/me")) as r:
            assert r.status == 401  # and the desktop session ended with it


async def test_admin_creates_an_operator_who_changes_the_password_answers_and_is_disabled(
        playwright_session, acc_line, acc_store):
    line = acc_line
    admin_pw = await acc_store.user("admin_web", "admin")
    admin_ctx = await launch(playwright_session)
    op_ctx = None
    try:
        admin = await log_in(admin_ctx, base_url(line), "admin_web", admin_pw)
        await admin.wait_for_selector("#users tbody tr")
        form = "#user-form"
        await admin.fill(f"{form} input[name=username]", "tdv_moi")
        await admin.fill(f"{form} input[name=full_name]", "Trần Văn Mới")
        await admin.select_option(f"{form} select[name=role]", "operator")
        await admin.select_option(f"{form} select[name=operator_id]", "op1")
        await admin.click("#user-save")
        await admin.wait_for_function("document.getElementById('user-message').textContent.includes('tdv_moi')")
        message = await admin.text_content("#user-message")
        temporary = message.split(": ", 1)[1].split(" ", 1)[0]
        assert await admin.text_content("#users tr[data-username=tdv_moi] td:nth-child(6)") == "Chờ đổi mật khẩu"

        # The operator logs in with the one-time password and must change it first.
        op_ctx = await launch(playwright_session)
        op = await log_in(op_ctx, base_url(line), "tdv_moi", temporary)
        await op.wait_for_url("**/password")
        async with await session_for(line, "tdv_moi", temporary) as http:  # nothing else is open meanwhile
            async with http.get(url(line, "/api/sip-credentials")) as r:
                assert r.status == 403 and (await r.json())["code"] == "password_change_required"
        await op.fill("#current-password", temporary)
        await op.fill("#new-password", "tdv_moi-123")  # contains the user name: refused
        await op.fill("#new-password-2", "tdv_moi-123")
        await op.click("#password-save")
        await op.wait_for_function("document.getElementById('password-error').textContent.includes('tên đăng nhập')")
        await op.fill("#new-password", "Sông Tiền chảy qua 2026")
        await op.fill("#new-password-2", "Sông Tiền chảy qua 2026")
        await op.click("#password-save")
        await op.wait_for_url("**/operator")
        await op.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'", timeout=20000)
        await op.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'", timeout=20000)

        # A citizen calls; the new operator answers in the browser.
        caller = "0913555777"
        # The caller waits up to 20 s in the queue before the audio (the operator answers meanwhile).
        script = CallScript().pause(2000).keys("2").pause(20000).audio(PCAP_DIR / "g711a.pcap").pause(4000)
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=90))
        await until_popped(op, caller, call_task, line=line)
        await op.wait_for_selector("#answer:not([disabled])", timeout=10000)
        await op.click("#answer")
        await op.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                   timeout=10000)
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
        await op.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                   timeout=20000)
        assert "op1 (PJSIP/op1)" in await line.instance.cli("queue show operator")

        # The administrator disables the account: the server closes the operator's socket at once,
        # and the softphone leaves the queues.
        await admin.reload()
        await admin.wait_for_selector("#users tr[data-username=tdv_moi]")
        admin.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await admin.click("#users tr[data-username=tdv_moi] button:has-text('Khóa')")
        await op.wait_for_url("**/login", timeout=20000)  # pushed by the server, not at the next request
        for _ in range(20):
            if "op1 (PJSIP/op1)" not in await line.instance.cli("queue show operator"):
                break
            await asyncio.sleep(0.25)
        assert "op1 (PJSIP/op1)" not in await line.instance.cli("queue show operator")
        assert "op1 (PJSIP/op1)" not in await line.instance.cli("queue show infrastructure")
        # It cannot log in any more.
        http = aiohttp.ClientSession()
        async with http.post(url(line, "/api/login"), json={"username": "tdv_moi",
                                                            "password": "Sông Tiền chảy qua 2026"}) as r:
            assert r.status == 401
        await http.close()
    finally:
        await admin_ctx.close()
        if op_ctx:
            await op_ctx.close()


async def test_password_guessing_gets_429_and_the_owner_still_gets_in_after_the_window(acc_line, acc_store):
    line = acc_line
    password = await acc_store.user("sup_guess", "supervisor")
    statuses = []
    retry_after = []
    async with aiohttp.ClientSession() as http:
        for i in range(60):
            async with http.post(url(line, "/api/login"), json={"username": "sup_guess", "password": f"sai-{i}"}) as r:
                statuses.append(r.status)
                if r.status == 429:
                    retry_after.append(int(r.headers["Retry-After"]))
        assert statuses.count(401) == 5 and statuses.count(429) == 55
        assert all(1 <= s <= 5 for s in retry_after)
        # Even the right password waits while the window is full...
        async with http.post(url(line, "/api/login"), json={"username": "sup_guess", "password": password}) as r:
            assert r.status == 429
        await asyncio.sleep(max(retry_after[-1], 1) + 0.5)
        async with http.post(url(line, "/api/login"), json={"username": "sup_guess", "password": password}) as r:
            assert r.status == 200
    # Counted in the database: the last wrong passwords, not the refused attempts; reset by success.
    users = {u["username"]: u for u in await acc_store.accounts.list_users()}
    assert users["sup_guess"]["failed_logins"] == 0 and users["sup_guess"]["last_login_at"] is not None


async def test_websocket_from_another_site_is_refused(acc_line, acc_store):
    password = await acc_store.user("sup_origin", "supervisor")
    async with await session_for(acc_line, "sup_origin", password) as http:
        for origin, expected in (("http://evil.example", 403), (None, 403)):
            headers = {"Origin": origin} if origin else {}
            try:
                async with http.ws_connect(url(acc_line, "/ws"), headers=headers):
                    got = 101
            except aiohttp.WSServerHandshakeError as exc:
                got = exc.status
            assert got == expected
        own = url(acc_line, "")
        async with http.ws_connect(url(acc_line, "/ws"), headers={"Origin": own}) as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["type"] == "hello"
            # Logging out elsewhere (another tab) closes this socket without it speaking.
            async with http.post(url(acc_line, "/api/logout"), json={}) as r:
                assert r.status == 200
            async with asyncio.timeout(30):  # a socket left open would read queue.stats forever
                while (msg := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                    pass  # queue.stats keep coming until the socket is closed
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            # Normally with 4401 (the page goes to the login); a connection cut before the close
            # frame arrives reads as 1006, and then the page's reconnection is refused (401).
            assert ws.close_code in (4401, aiohttp.WSCloseCode.ABNORMAL_CLOSURE)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url(acc_line, "/ws"), headers={"Origin": own})
        assert refused.value.status == 401


async def test_a_huge_anonymous_body_is_refused_before_it_is_read(acc_line):
    """40 MB announced to the login, the public look-up or the web chat's start: 413 after the
    headers alone; a body without a length (chunked): 411, unread."""
    port = acc_line.instance.port_base + 4
    for path, ctype in (("/api/login", "application/json"), ("/tra-cuu", "application/x-www-form-urlencoded"),
                        ("/phan-anh", "multipart/form-data; boundary=x"), ("/api/chat", "application/json")):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        size = 40 * 1024 * 1024 if path != "/phan-anh" else 400 * 1024 * 1024
        writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode() + b"x" * 1000)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert status_line.split()[1] == b"413", (path, status_line)
    for path in ("/api/login", "/api/chat", "/webhooks/facebook"):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                     f"Transfer-Encoding: chunked\r\n\r\n10000\r\n".encode() + b"x" * 1000)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert status_line.split()[1] == b"411", (path, status_line)


async def test_the_ivr_look_up_is_limited_per_calling_number(acc_line):
    """A caller guessing codes by phone: past the limit (1 here) the IVR reads no status, whatever
    the code; another number is not affected."""
    code = await seed(acc_line, "in_progress")
    first = await acc_line.call(lookup_call(code), caller="0913777001")
    assert first.sipp.ok, first.sipp.error_log
    assert first.var("HOTLINE_TICKET_STATUS") == "in_progress"
    again = await acc_line.call(lookup_call(code), caller="0913777001")
    assert again.sipp.ok, again.sipp.error_log
    # A record holds the events of every call from its number: both calls here, in order.
    assert len(acc_line.ami.linkedids_of("0913777001")) == 2
    assert "lookup_too_many" in again.prompts() and again.prompts().count("status_in_progress") == 1
    assert again.var("HOTLINE_TICKET_STATUS") == "limited"
    other = await acc_line.call(lookup_call(code), caller="0913777002")
    assert other.var("HOTLINE_TICKET_STATUS") == "in_progress"

"""Staff sign-in on a public network: a second factor (TOTP) for administrators, enrolled and used in
real Chromium, with one-use recovery codes and an administrator's reset; and over HTTP, the
session rules around it: no session before the code, a few codes per password, cross-site
requests with a session cookie refused, IPv6 clients counted by /64, a password flood from some
addresses that does not shut out others, one-time passwords that expire, idle sessions that end,
and a locked account answered like an unknown name."""

import asyncio
import re
import time
from datetime import timedelta

import aiohttp
import pyotp
import pytest
from sqlalchemy import select, update

from hotline.store.accounts import User, WebSession
from hotline.store.base import aware, utcnow
from hotline.store.db import sessionmaker
from hotline.testing.browser import launch
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, url

pytestmark = pytest.mark.integration

SETTINGS = """[security]
two_factor_roles = ["admin"]
trusted_proxies = ["127.0.0.1"]
lookups_per_address = 3
lockout_after = 3
idle_minutes = 2
temporary_password_hours = 1
session_check_seconds = 1
"""


@pytest.fixture(scope="module")
async def tf_line(workdir, config_dir):
    async with running_line(workdir, "twofactor", "test_open", config_dir, extra_settings=SETTINGS) as ln:
        yield ln


@pytest.fixture(scope="module")
async def tf_store(tf_line):
    s = Store(tf_line.instance.home)
    yield s
    await s.close()


def client(address: str) -> aiohttp.ClientSession:
    """An HTTP client seen by the hotline (behind its trusted proxy, 127.0.0.1) as `address`."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"X-Forwarded-For": address})


def next_code(secret: str) -> str:
    """The code of the next time step (accepted: a phone's clock may run a little ahead), which no
    earlier sign-in of this test used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def login(http, line, username, password) -> tuple[int, dict]:
    async with http.post(url(line, "/api/login"), json={"username": username, "password": password}) as r:
        return r.status, await r.json()


async def give_code(http, line, code) -> tuple[int, dict]:
    async with http.post(url(line, "/api/login/code"), json={"code": code}) as r:
        return r.status, await r.json()


async def enrol_over_http(http, line, username, password) -> tuple[str, list[str]]:
    """An administrator's first sign-in: the password, a new secret, its first code."""
    status, body = await login(http, line, username, password)
    assert (status, body["second_factor"]) == (200, "enrol"), body
    async with http.post(url(line, "/api/login/enrol")) as r:
        assert r.status == 200
        shown = await r.json()
    assert shown["uri"].startswith("otpauth://totp/") and shown["qr_svg"].lstrip().startswith("<svg")
    status, body = await give_code(http, line, pyotp.TOTP(shown["secret"]).now())
    assert status == 200, body
    assert len(body["recovery_codes"]) == 10
    return shown["secret"], body["recovery_codes"]


async def test_an_administrator_enrols_signs_in_with_a_code_and_a_recovery_code_and_resets_another(
        tf_line, tf_store, playwright_session):
    line = tf_line
    password = await tf_store.user("qt_totp", "admin")
    other_pw = await tf_store.user("qt_other", "admin")
    async with client("10.1.0.1") as http:  # another administrator, enrolled over HTTP
        other_secret, other_codes = await enrol_over_http(http, line, "qt_other", other_pw)

    ctx = await launch(playwright_session)
    try:
        # First sign-in: the password, then the enrolment (QR code and secret), then the codes once.
        page = await ctx.new_page()
        await page.goto(f"{base_url(line)}/login")
        await page.fill("#username", "qt_totp")
        await page.fill("#password", password)
        await page.click("#login-button")
        await page.wait_for_selector("#enrol-qr img", timeout=10000)
        secret = (await page.text_content("#enrol-secret")).strip()
        assert await page.evaluate("fetch('/api/me').then((r) => r.status)") == 401  # no session yet
        await page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
        await page.click("#code-button")
        await page.wait_for_function("document.getElementById('code-error').textContent.includes('không đúng')")
        await page.fill("#code", pyotp.TOTP(secret).now())
        await page.click("#code-button")
        await page.wait_for_selector("#recovery-codes li")
        codes = await page.eval_on_selector_all("#recovery-codes li", "(els) => els.map((e) => e.textContent)")
        assert len(codes) == 10 and len(set(codes)) == 10
        await page.click("#recovery-done")
        await page.wait_for_url(re.compile(r"/admin$"))
        await ctx.clear_cookies()
        # (A new page: the admin page, its session gone, goes to the log-in page by itself.)
        await page.close()
        page = await ctx.new_page()

        # Next sign-in: the code from the app.
        await page.goto(f"{base_url(line)}/login")
        await page.fill("#username", "qt_totp")
        await page.fill("#password", password)
        await page.click("#login-button")
        await page.wait_for_selector("#code-form:not([hidden])")
        assert await page.is_hidden("#enrol")
        await page.fill("#code", next_code(secret))
        await page.click("#code-button")
        await page.wait_for_url(re.compile(r"/admin$"))
        await ctx.clear_cookies()

        # Without the phone: a recovery code, once.
        for attempt in ("first", "again"):
            await page.close()
            page = await ctx.new_page()
            await page.goto(f"{base_url(line)}/login")
            await page.fill("#username", "qt_totp")
            await page.fill("#password", password)
            await page.click("#login-button")
            await page.wait_for_selector("#code-form:not([hidden])")
            await page.fill("#code", codes[0].upper())
            await page.click("#code-button")
            if attempt == "first":
                await page.wait_for_url(re.compile(r"/admin$"))
            else:
                await page.wait_for_function(
                    "document.getElementById('code-error').textContent.includes('đã dùng')")
                await page.fill("#code", codes[1])
                await page.click("#code-button")
                await page.wait_for_url(re.compile(r"/admin$"))

        # The administrator resets the other's second factor on the accounts page.
        page.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
        row = page.locator("#users tr[data-username='qt_other']")
        assert "Hoạt động (xác thực hai bước)" in await row.text_content()
        await row.locator("button", has_text="Đặt lại xác thực hai bước").click()
        await page.wait_for_function(
            "document.getElementById('user-message').textContent.includes('Đã đặt lại xác thực hai bước')")
        # Its row no longer says it has a second factor (status and button gone).
        await page.wait_for_function("!document.querySelector(\"#users tr[data-username='qt_other']\")"
                                     ".textContent.includes('xác thực hai bước')")
    finally:
        await ctx.close()

    async with client("10.1.0.2") as http:
        # The reset account enrols again; its old secret and recovery codes are gone.
        status, body = await login(http, line, "qt_other", other_pw)
        assert (status, body["second_factor"]) == (200, "enrol")
        assert (await give_code(http, line, other_codes[2]))[0] == 401
        assert (await give_code(http, line, next_code(other_secret)))[0] == 401


async def test_no_session_before_the_code_and_only_a_few_codes_per_password(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("qt_guess", "admin")
    async with client("10.2.0.1") as http:
        secret, _ = await enrol_over_http(http, line, "qt_guess", password)
        http.cookie_jar.clear()
        status, body = await login(http, line, "qt_guess", password)
        assert (status, body["second_factor"]) == (200, "code")
        async with http.get(url(line, "/api/me")) as r:
            assert r.status == 401  # the password alone opens nothing
        async with http.get(url(line, "/api/users")) as r:
            assert r.status == 401
        right = next_code(secret)
        valid = {pyotp.TOTP(secret).at(time.time() + 30 * k) for k in range(-2, 4)}
        wrong = [c for c in ("123456", "234567", "345678", "456789", "567890", "678901", "789012")
                 if c not in valid][:5]
        for code in wrong:
            status, body = await give_code(http, line, code)
            assert (status, body["code"]) == (401, "wrong_code")
        # Five wrong codes used this password up: even the right code now needs the password again.
        status, body = await give_code(http, line, right)
        assert (status, body["code"]) == (401, "login_expired")
        async with http.get(url(line, "/api/me")) as r:
            assert r.status == 401
        status, body = await login(http, line, "qt_guess", password)
        assert status == 200 and (await give_code(http, line, right))[0] == 200
        # The same code is not accepted twice.
        http.cookie_jar.clear()
        await login(http, line, "qt_guess", password)
        assert (await give_code(http, line, right))[0] == 401


async def test_state_changing_requests_with_a_session_cookie_from_another_site_are_refused(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("gs_csrf", "supervisor")
    own = base_url(line)
    async with client("10.3.0.1") as http:
        assert (await login(http, line, "gs_csrf", password))[0] == 200
        body = {"current_password": "sai-mat-khau-1", "new_password": "mat-khau-moi-dai-1"}
        for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                        {"Sec-Fetch-Site": "cross-site", "Origin": own}, {"Sec-Fetch-Site": "same-site"}):
            async with http.post(url(line, "/api/password"), json=body, headers=headers) as r:
                assert r.status == 403, headers
                assert (await r.json())["code"] == "cross_site"
            async with http.post(url(line, "/api/logout"), headers=headers) as r:
                assert r.status == 403
        # This site's own pages (as browsers name them) get through to the handler.
        for headers in ({"Origin": own}, {"Sec-Fetch-Site": "same-origin", "Origin": own}):
            async with http.post(url(line, "/api/password"), json=body, headers=headers) as r:
                assert r.status == 403 and (await r.json())["code"] != "cross_site"  # wrong current password
        async with http.get(url(line, "/api/me"), headers={"Origin": "https://evil.example"}) as r:
            assert r.status == 200  # reading is not changing (and answers no other site: no CORS)
    # Without a cookie, another site's request is not this rule's business (webhooks, public forms).
    async with client("10.3.0.2") as http:
        async with http.post(url(line, "/api/login"), json={"username": "gs_csrf", "password": "sai"},
                             headers={"Origin": "https://evil.example"}) as r:
            assert r.status == 401


async def test_an_ipv6_client_is_counted_by_its_slash_64(tf_line):
    line = tf_line
    statuses = []
    for address in ("2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:ffff::3", "2001:db8:7:1::4",
                    "2001:db8:7:2::1"):
        async with client(address) as http:
            async with http.post(url(line, "/tra-cuu"), data={"code": "ZZZZZZ", "phone": "0912345678"}) as r:
                statuses.append(r.status)
    # Three look-ups per address (no such ticket: 422): the fourth address of the same /64 is
    # refused, another /64 is not.
    assert statuses == [422, 422, 422, 429, 422], statuses


async def test_a_password_flood_from_some_addresses_does_not_shut_out_another(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("gs_flood", "supervisor")
    started, done = asyncio.Event(), asyncio.Event()
    flood_statuses: list[int] = []

    async def flood(address: str) -> None:
        async with client(address) as http:
            async def one(i: int) -> None:
                while not done.is_set():
                    status, _ = await login(http, line, f"khong-co-{address}-{i}", "sai-mat-khau")
                    flood_statuses.append(status)
                    started.set()
            await asyncio.gather(*(one(i) for i in range(8)))

    floods = [asyncio.ensure_future(flood(f"10.4.0.{n}")) for n in range(1, 5)]
    try:
        await asyncio.wait_for(started.wait(), 30)
        async with client("10.4.1.1") as http:
            for _ in range(3):
                status, body = await login(http, line, "gs_flood", password)
                assert status == 200, body  # not turned away while the flood goes on
                http.cookie_jar.clear()
    finally:
        done.set()
        await asyncio.gather(*floods)
    assert 429 in flood_statuses and 401 in flood_statuses  # the flood waits behind itself


async def test_a_one_time_password_expires(tf_line, tf_store):
    line = tf_line
    engine_sessions = sessionmaker(tf_store.engine)
    await tf_store.user("gs_once", "supervisor")
    user_id = await tf_store.accounts.user_id("gs_once")
    temporary = await tf_store.accounts.reset_password(user_id)
    async with engine_sessions() as s, s.begin():  # handed over two hours ago (the setting: one hour)
        await s.execute(update(User).where(User.id == user_id).values(
            password_changed_at=utcnow() - timedelta(hours=2)))
    async with client("10.5.0.1") as http:
        status, body = await login(http, line, "gs_once", temporary)
        assert (status, body["code"]) == (401, "temporary_password_expired")
        assert "hết hạn" in body["error"]
    fresh = await tf_store.accounts.reset_password(user_id)
    async with client("10.5.0.2") as http:
        status, body = await login(http, line, "gs_once", fresh)
        assert status == 200 and body["must_change_password"] is True


async def test_an_idle_session_ends_and_activity_renews_it(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("gs_idle", "supervisor")
    sessions = sessionmaker(tf_store.engine)
    async with client("10.6.0.1") as http:
        assert (await login(http, line, "gs_idle", password))[0] == 200
        async with sessions() as s:
            row = await s.scalar(select(WebSession).join(User, User.id == WebSession.user_id)
                                 .where(User.username == "gs_idle"))
        created = aware(row.created_at)
        assert timedelta(seconds=100) < aware(row.expires_at) - created <= timedelta(minutes=2)  # idle_minutes
        # 90 seconds pass without a request: 30 left. A request then gives the full two minutes again.
        async with sessions() as s, s.begin():
            await s.execute(update(WebSession).where(WebSession.token_hash == row.token_hash).values(
                created_at=created - timedelta(seconds=90), expires_at=utcnow() + timedelta(seconds=30)))
        async with http.get(url(line, "/api/me")) as r:
            assert r.status == 200
        async with sessions() as s:
            renewed = await s.scalar(select(WebSession.expires_at).where(WebSession.token_hash == row.token_hash))
        assert aware(renewed) - utcnow() > timedelta(seconds=100)
        ws = await http.ws_connect(url(line, "/ws"), origin=base_url(line))
        # Then the idle time runs out: the session ends, its socket closes.
        async with sessions() as s, s.begin():
            await s.execute(update(WebSession).where(WebSession.token_hash == row.token_hash).values(
                expires_at=utcnow() - timedelta(seconds=1)))
        while not ws.closed:
            msg = await ws.receive(timeout=15)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                break
        async with http.get(url(line, "/api/me")) as r:
            assert r.status == 401


async def test_a_locked_account_gets_the_same_answer_as_an_unknown_name(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("gs_locked", "supervisor")
    async with client("10.7.0.1") as http:
        for i in range(3):  # lockout_after = 3
            assert (await login(http, line, "gs_locked", f"sai-{i}"))[0] == 401
    users = {u["username"]: u for u in await tf_store.accounts.list_users()}
    assert users["gs_locked"]["locked_until"] is not None
    async with client("10.7.0.2") as http:
        locked = await login(http, line, "gs_locked", password)  # even the right password
        unknown = await login(http, line, "khong_ai_ca", password)
        wrong = await login(http, line, "gs_flood", "sai-mat-khau-nua")
    assert locked == unknown == wrong == (401, {"error": "Sai tên đăng nhập hoặc mật khẩu",
                                                "code": "unauthenticated"})


async def test_a_supervisor_adds_a_second_factor_of_her_own_and_is_asked_for_it_from_then_on(tf_line, tf_store):
    line = tf_line
    password = await tf_store.user("gs_own", "supervisor")
    async with client("10.8.0.1") as http:
        assert (await login(http, line, "gs_own", password))[0] == 200  # supervisors: not required
        async with http.get(url(line, "/api/two-factor")) as r:
            assert await r.json() == {"enrolled": False, "required": False}
        async with http.post(url(line, "/api/two-factor/enrol"), json={}) as r:
            assert r.status == 200
            secret = (await r.json())["secret"]
        valid = {pyotp.TOTP(secret).at(time.time() + 30 * k) for k in range(-2, 3)}
        async with http.post(url(line, "/api/two-factor/confirm"),
                             json={"code": next(c for c in ("111111", "222222", "333333") if c not in valid)}) as r:
            assert (r.status, (await r.json())["code"]) == (422, "wrong_code")
        async with http.post(url(line, "/api/two-factor/confirm"), json={"code": pyotp.TOTP(secret).now()}) as r:
            assert r.status == 200 and len((await r.json())["recovery_codes"]) == 10
        async with http.get(url(line, "/api/two-factor")) as r:
            assert (await r.json())["enrolled"] is True
        async with http.post(url(line, "/api/two-factor/enrol"), json={}) as r:
            assert r.status == 409  # one at a time: a new one only after an administrator's reset
    async with client("10.8.0.2") as http:
        status, body = await login(http, line, "gs_own", password)
        assert (status, body["second_factor"]) == (200, "code")
        assert (await give_code(http, line, next_code(secret)))[0] == 200

"""Application status look-up from the IVR (menu 1 -> 3) against a real HTTP server started here
that plays the province's one-stop system (the contract in docs/interfaces.md): a status spoken
with its due date, an unknown receipt number, and a system that is slow or down (the caller hears
that it is unavailable and stays in the menu, never dead air)."""

import asyncio
import os

import pytest
from aiohttp import web

from hotline.applications.http_source import HttpSource
from hotline.applications.status import Unavailable
from hotline.settings import Applications

from hotline.testing.ports import free_server_port
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line

pytestmark = pytest.mark.integration

TOKEN = "mot-cua-test-token"
KNOWN = {"18222611200001": {"code": "H18.22-261120-0001", "status": "in_progress",
                            "procedure": "Cấp giấy phép xây dựng", "agency": "UBND TP Cao Lãnh",
                            "received_on": "2026-11-20", "due_on": "2026-12-24"},
         "18222611210003": {"code": "H18.22-261121-0003", "status": "ready", "procedure": "Đăng ký kinh doanh",
                            "agency": "Sở Kế hoạch và Đầu tư", "received_on": "2026-11-21", "due_on": "2026-11-28"}}
SLOW = "18222611309999"
MALFORMED = "99"  # codes the system refuses as malformed (400) start with this


class OneStop:
    """The one-stop system's API as its contract says: bearer token, 200 with the status, 404."""

    def __init__(self):
        self.port = free_server_port()
        self.asked: list[str] = []
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        self.asked.append(code)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "unauthorised"}, status=401)
        if code == SLOW:
            await asyncio.sleep(30)
        if code.startswith(MALFORMED):
            return web.json_response({"error": "malformed receipt number"}, status=400)
        if code not in KNOWN:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(KNOWN[code])

    async def start(self) -> "OneStop":
        app = web.Application()
        app.router.add_get("/api/applications/{code}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture(scope="module")
async def onestop():
    server = await OneStop().start()
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def app_line(workdir, config_dir, onestop):
    os.environ["HOTLINE_TEST_ONESTOP_TOKEN"] = TOKEN  # the child process reads it
    settings = (f'[applications]\nsource = "http"\nurl = "http://127.0.0.1:{onestop.port}/api"\n'
                'token_env = "HOTLINE_TEST_ONESTOP_TOKEN"\ntimeout_seconds = 1\nretries = 1\n'
                'breaker_failures = 3\nbreaker_seconds = 600\n')
    async with running_line(workdir, "applications", "test_open", config_dir, extra_settings=settings) as ln:
        yield ln


def lookup_call(code: str) -> CallScript:
    # greeting, 1 (procedures), 3 (application look-up), the receipt number's digits and #
    return CallScript().pause(2000).keys("13", gap_ms=1500).pause(3000).keys(code + "#", gap_ms=400).pause(14000)


async def test_the_status_and_due_date_are_said(app_line, onestop):
    call = await app_line.call(lookup_call("18222611200001"))
    assert call.sipp.ok, call.sipp.error_log
    prompts = call.prompts()
    assert "application_enter_code" in prompts
    said = prompts[prompts.index("application_status_intro"):]
    # "Hồ sơ của quý vị đang được giải quyết. Ngày hẹn trả kết quả là ngày hai mươi tư tháng mười hai."
    assert said[:9] == ["application_status_intro", "application_in_progress", "application_due_intro",
                        "digit_2", "number_tens", "number_four_after_tens", "date_month", "number_ten", "digit_2"]
    assert call.var("HOTLINE_APPLICATION_STATUS") == "in_progress"
    assert "18222611200001" in onestop.asked
    assert not call.queues_joined()  # back in the menu


async def test_a_ready_application_says_where_to_collect_it(app_line):
    call = await app_line.call(lookup_call("18222611210003"))
    prompts = call.prompts()
    assert prompts[prompts.index("application_status_intro") + 1] == "application_ready"
    assert "application_due_intro" not in prompts  # the result is there: no due date to say


async def test_an_unknown_receipt_number_says_not_found(app_line):
    call = await app_line.call(lookup_call("11112222333344"))
    assert call.sipp.ok, call.sipp.error_log
    assert "application_not_found" in call.prompts()
    assert call.var("HOTLINE_APPLICATION_STATUS") == "not_found"


async def test_a_slow_or_dead_system_is_said_to_be_unavailable(app_line, onestop):
    call = await app_line.call(lookup_call(SLOW))  # 2 tries of 1 s each, then the caller is told
    assert call.sipp.ok, call.sipp.error_log
    assert "application_unavailable" in call.prompts()
    assert call.var("HOTLINE_APPLICATION_STATUS") == "unavailable"
    await onestop.stop()  # the system is down: connection refused
    call = await app_line.call(lookup_call("18222611200001"))
    assert call.sipp.ok, call.sipp.error_log
    prompts = call.prompts()
    assert "application_unavailable" in prompts and "application_status_intro" not in prompts
    # The caller stays in the menu: the procedures prompt plays again after the notice.
    assert prompts[prompts.index("application_unavailable") + 1:][:1] == ["procedures_menu"]
    await onestop.start()


async def test_codes_the_system_refuses_never_open_the_breaker_but_a_wrong_token_does(onestop, monkeypatch):
    """A caller keying malformed numbers again and again (400 each time) is told there is no such
    application and cannot make the line call the system down for everyone; a wrong token (401)
    is the system's answer about us, and opens the breaker after `breaker_failures` look-ups."""
    monkeypatch.setenv("HOTLINE_TEST_ONESTOP_TOKEN", TOKEN)
    settings = Applications(source="http", url=f"http://127.0.0.1:{onestop.port}/api",
                            token_env="HOTLINE_TEST_ONESTOP_TOKEN", timeout_seconds=2, retries=1,
                            breaker_failures=3, breaker_seconds=600)
    source = HttpSource(settings)
    try:
        for attempt in range(settings.breaker_failures + 2):
            assert await source.find(f"{MALFORMED}{attempt:012d}") is None
        assert not source.breaker.is_open
        found = await source.find("18222611200001")
        assert found is not None and found.status == "in_progress"
        monkeypatch.setenv("HOTLINE_TEST_ONESTOP_TOKEN", "not-the-token")
        for _ in range(settings.breaker_failures):
            with pytest.raises(Unavailable):
                await source.find("18222611200001")
        assert source.breaker.is_open
        asked = len(onestop.asked)
        with pytest.raises(Unavailable):  # answered at once, the system not asked
            await source.find("18222611200001")
        assert len(onestop.asked) == asked
    finally:
        await source.close()

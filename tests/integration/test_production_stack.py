"""The production images and the single-node compose stack (docker/): built from a local Debian
base, started with PostgreSQL, the TLS proxy and the SIP edge (Kamailio), then a SIPp caller goes
through the edge and the IVR to an
operator whose browser reaches the desktop over https and registers its softphone over wss. Then a
backup is taken, the stack wiped, and the backup restored into a fresh stack: the ticket, the
accounts and the recording are back."""

from __future__ import annotations

import asyncio
import os
import shutil
import tomllib
from pathlib import Path

import aiohttp
import pytest

from hotline.testing.browser import launch, log_in
from hotline.testing.containers import DockerEngine, Stack, ensure_base_image
from hotline.testing.instance import AmiObserver
from hotline.testing.ports import free_hotline_base, free_server_port
from hotline.testing.sipp import CallScript
from tests.integration.conftest import Line

OP_PASSWORD = "Tổng-đài-viên-1-Ab!"
SUP_PASSWORD = "Giám-sát-viên-Ab1!"


class NodeView:
    """What the AMI observer and the SIPp caller need of a node: its ports and its secrets (in
    the home folder the stack mounts)."""

    def __init__(self, home: Path, port_base: int):
        self.home = home
        self.port_base = port_base
        self.sip_target = f"127.0.0.1:{port_base}"
        self.ami_port = port_base + 1

    def credentials(self) -> dict:
        return tomllib.loads((self.home / "secrets.toml").read_text())


@pytest.fixture(scope="module")
def stack(workdir, config_dir):
    engine = DockerEngine(workdir)
    engine.start()
    ensure_base_image(workdir)
    base = free_hotline_base()
    s = Stack(f"hlt{os.getpid()}", workdir / "stack", base, free_server_port(), free_server_port(), config_dir,
              "test_open")
    try:
        s.build()
        s.compose("up", "-d")
        s.wait_healthy("postgres", "hotline", "proxy", "edge")
        yield s
    finally:
        try:
            s.down(volumes=True)
        finally:
            engine.close()


async def https_session(stack: Stack, username: str, password: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False), cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.post(f"{stack.base_url}/api/login", json={"username": username, "password": password}) as r:
        assert r.status == 200, await r.text()
    return http


async def recording_of(stack: Stack, http: aiohttp.ClientSession, linkedid: str, timeout: float = 120) -> dict:
    for _ in range(int(timeout)):
        async with http.get(f"{stack.base_url}/api/recordings") as r:
            assert r.status == 200, await r.text()
            found = [e for e in await r.json() if e["linkedid"] == linkedid]
        if found:
            return found[0]
        await asyncio.sleep(1)
    raise AssertionError(f"recording of {linkedid} not catalogued:\n{stack.logs('hotline')}")


async def test_the_stack_answers_over_https_and_wss_and_comes_back_from_a_backup(stack, playwright_session):
    # The first accounts of a production installation come from the command line.
    stack.node("user", "add", "op1", "--role", "operator", "--name", "Tổng đài viên 1", "--phone", "op1",
               "--password-stdin", stdin=OP_PASSWORD + "\n")
    stack.node("user", "add", "giamsat", "--role", "supervisor", "--name", "Giám sát viên",
               "--password-stdin", stdin=SUP_PASSWORD + "\n")
    node = NodeView(stack.home, stack.port_base)
    ami = AmiObserver(node)
    await ami.connect()
    line = Line(node, ami)
    caller = "0912777001"
    ctx = await launch(playwright_session, ignore_https_errors=True)
    try:
        page = await log_in(ctx, stack.base_url, "op1", OP_PASSWORD)
        assert page.url.startswith("https://")
        # The softphone registers through the proxy's wss://.../sip.
        await page.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                     timeout=30000)
        await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                     timeout=20000)
        script = CallScript().pause(1500).keys("2").silence().pause(8000)
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=90,
                                                  via=f"127.0.0.1:{stack.edge_port}"))
        await page.wait_for_selector("#answer:not([disabled])", timeout=40000)
        # The pop shows the caller's number (its event and the ringing race on a loaded machine:
        # the pop while the phone still rings is tests/integration/test_desktop.py's).
        await page.wait_for_function(f"document.body.textContent.includes('{caller}')", timeout=15000)
        await page.click("#answer")
        call = await call_task
        assert call.sipp.ok, call.sipp.error_log
    finally:
        await ctx.close()
        ami.close()
    assert call.prompts(), "the caller heard the IVR"
    assert call.queues_joined(), "the caller landed in a queue"
    operator_legs = [e for e in call.of("Newchannel") if e["Channel"].startswith("PJSIP/op1-")]
    assert operator_legs, "the browser's softphone was rung"
    assert any(e.get("ChannelStateDesc") == "Up" and e["Channel"].startswith("PJSIP/op1-")
               for e in call.of("Newstate")), "and it answered"
    linkedid = call.of("Newchannel")[0]["Linkedid"]

    sup = await https_session(stack, "giamsat", SUP_PASSWORD)
    try:
        entry = await recording_of(stack, sup, linkedid)
        assert entry["status"] == "ok" and entry["caller_phone"] == caller, entry
        async with sup.get(f"{stack.base_url}/api/recordings/{entry['id']}/audio") as r:
            assert r.status == 200
            audio = await r.read()
    finally:
        await sup.close()
    assert len(audio) > 1000
    code = stack.node("ticket", "add", "--phone", caller, "--topic", "procedures",
                      "--content", "Hỏi thủ tục cấp giấy phép xây dựng").strip().splitlines()[-1]

    # Backup, wipe everything (database volume, home folder), restore into a fresh stack.
    stack.node("backup", "/backups/hotline.tar")
    assert (stack.backups / "hotline.tar").stat().st_size > len(audio)
    stack.down(volumes=True)
    shutil.rmtree(stack.home)
    Stack.prepare(stack.home)
    stack.compose("up", "-d", "postgres")
    stack.wait_healthy("postgres")
    stack.compose("run", "--rm", "--no-deps", "hotline", "restore", "/backups/hotline.tar")
    stack.compose("up", "-d")
    stack.wait_healthy("hotline", "proxy")

    assert code in stack.node("ticket", "show", code)
    sup = await https_session(stack, "giamsat", SUP_PASSWORD)
    try:
        async with sup.get(f"{stack.base_url}/api/recordings") as r:
            again = [e for e in await r.json() if e["linkedid"] == linkedid]
        assert again and again[0]["caller_phone"] == caller, again
        async with sup.get(f"{stack.base_url}/api/recordings/{again[0]['id']}/audio") as r:
            assert r.status == 200 and await r.read() == audio
    finally:
        await sup.close()
    op = await https_session(stack, "op1", OP_PASSWORD)
    await op.close()

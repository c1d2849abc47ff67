"""Two hotline nodes on one PostgreSQL behind the SIP edge (Kamailio: dispatcher, and registrar
of the operators' softphones; #20 item 3). The operator works in Chromium, her softphone
registered on the edge: a call on the active node rings her through the edge; she pauses, and
the standby's queues follow. When the active node dies (kill -9 of its application and its
Asterisk) every new call, placed at a steady rate from the moment of the kill, is answered by
the standby; the shared jobs (deadline scan, SMS outbox) move to the standby; her phone stays
registered, the standby already has her in its queues, still paused; her desktop reconnects to it
by itself and shows the report and the callback request made before the kill; back from the
pause she takes a call there. When the dead node comes back, new calls return to it and ring her softphone
through the edge without her doing anything (the pop comes from the node that has the call: her
desktop, reloaded from it, shows it). Then an upgrade of that node without dropping its call
(#34 item 4): `hotline drain` on it while she talks with a caller there; the next call goes to the
standby, her call goes on (its audio still reaches her) to its clean end, a caller who was waiting
in that node's queue is put through to her when she comes back from her pause, then the node stops
and the command exits 0."""

from __future__ import annotations

import asyncio
import random
import sys
from types import SimpleNamespace
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from hotline.edge.probe import options_status
from hotline.nodes.draining import DRAINED_EXIT
from hotline.store.callbacks import CallbackRequest
from hotline.store.db import make_engine, sessionmaker
from hotline.store.leases import JobLease, NodeHeartbeat
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.browser import launch, log_in
from hotline.testing.edge import EdgeInstance
from hotline.testing.postgres import TempPostgres
from hotline.testing.sipp import CallScript
from hotline.testing.web_proxy import WebProxy
from tests.integration.conftest import running_line
from tests.integration.desktop_support import (Store, answer_call, audio_heard, pause, until_popped,
                                               web_report_in_worklist)

pytestmark = pytest.mark.integration

SHARED_JOBS = ("deadline scan", "sms outbox")


def caller_number() -> str:
    return "0913" + "".join(random.choices("0123456789", k=6))


async def holders(url: str) -> dict[str, int]:
    """The process id holding each shared job's lease (holder: host:pid:tail)."""
    engine = make_engine(url)
    try:
        async with sessionmaker(engine)() as s:
            rows = list(await s.scalars(select(JobLease).where(JobLease.name.in_(SHARED_JOBS))))
    finally:
        await engine.dispose()
    return {r.name: int(r.holder.split(":")[-2]) for r in rows}


async def registered_on_edge(url: str) -> list[str]:
    """The operators whose softphones the edge has a location for (its table in the database)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return sorted((await conn.execute(text("SELECT username FROM sip_locations"))).scalars())
    finally:
        await engine.dispose()


async def until_member(line, op: str, paused: bool, timeout: float = 20) -> str:
    """Wait until the node's Asterisk has `op` in its queue, paused or not; its `queue show`."""
    shown = ""
    for _ in range(int(timeout * 2)):
        shown = await line.instance.cli("queue show")
        rows = [r for r in shown.splitlines() if f"(PJSIP/{op})" in r]
        if rows and all(("paused" in r) == paused for r in rows):
            return shown
        await asyncio.sleep(0.5)
    raise AssertionError(f"{op} not {'paused' if paused else 'available'} in the queues: {shown}")


async def operator_answers(page, line, via: str) -> None:
    """A call through the edge to `line` rings the operator's softphone; she answers."""
    caller = caller_number()
    talk = asyncio.create_task(line.call(CallScript().pause(2000).keys("2").silence().pause(10000),
                                         caller=caller, via=via, timeout=90))
    await until_popped(page, caller, talk, line=line)
    await answer_call(page)
    answered = await talk
    assert answered.sipp.ok, answered.sipp.error_log
    assert any(e.get("ChannelStateDesc") == "Up" and e["Channel"].startswith("PJSIP/op1-")
               for e in answered.of("Newstate")), "the operator's softphone answered on this node"


async def options_reply(sip_target: str, user: str = "") -> int:
    """The status a node's SIP stack gives an OPTIONS (for `user`'s extension, as the edge's probe
    asks for `alive`; 0: no reply)."""
    host, _, port = sip_target.rpartition(":")
    return await asyncio.to_thread(options_status, SimpleNamespace(listen_address=(host, int(port))), 2, user)


async def audio_heard_beyond(page, bytes_before: int, timeout: float = 15) -> bool:
    """The softphone's received audio grows past `bytes_before` (its WebRTC statistics)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await page.evaluate("window.hotlinePhone.bytesReceived()") <= bytes_before + 1000:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.25)
    return True


async def heartbeats(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with sessionmaker(engine)() as s:
            return list(await s.scalars(select(NodeHeartbeat.holder)))
    finally:
        await engine.dispose()


def answered_here(record, other) -> bool:
    """The call reached this node's queue, and the other node never saw the caller."""
    return record.sipp.ok and bool(record.queues_joined()) and not other.ami.linkedids_of(record.caller)


@pytest.fixture
def edge_profiles(config_dir):
    """Always open, and calls to citizens allowed at any hour (the test runs at any time of day)."""
    (config_dir / "profiles" / "test_edge.yaml").write_text(
        "extends: test_open\nname: Đồng Tháp (test, two nodes)\n"
        "outbound:\n  calling_hours:\n    hours: [[\"00:00\", \"23:59:59\"]]\n")
    return config_dir


async def test_new_calls_go_to_the_standby_when_the_active_node_dies(workdir, edge_profiles, playwright_session):
    pg = TempPostgres().start()
    ctx = store = None
    try:
        url = await pg.create_database("edge")
        edge = EdgeInstance(workdir / "edge", database_url=url)
        proxy = WebProxy(workdir / "proxy", f"127.0.0.1:{edge.ws_port}")
        # Every node: the same database, the edge as the softphones' registrar (their WebSocket
        # through the proxy), and the priority the edge gives it.
        common = (f'database_url = "{url}"\ndeadline_scan_seconds = 1\nsip_edge = "{edge.sip_target}"\n'
                  f'ws_public_url = "{proxy.ws_url}"\n')
        async with running_line(workdir, "node-a", "test_edge", edge_profiles,
                                extra_settings=common + "node_priority = 10\n") as a, \
                running_line(workdir, "node-b", "test_edge", edge_profiles,
                             extra_settings=common + "node_priority = 5\n") as b:
            edge.nodes = [("a", a.instance.sip_target, 10), ("b", b.instance.sip_target, 5)]
            await edge.start()
            proxy.web_upstreams = [f"127.0.0.1:{line.instance.port_base + 4}" for line in (a, b)]
            await proxy.start()
            store = Store(a.instance.home)
            # The operator uses the desktops' one address (the proxy), whichever node serves it.
            ctx = await launch(playwright_session, ignore_https_errors=True)
            page = await log_in(ctx, proxy.base_url, "op1", await store.user("op1", "operator", "op1"))
            await page.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                         timeout=20000)
            await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                         timeout=20000)
            try:
                # Her softphone registered on the edge, not on a node; both nodes have her in
                # their queues; a call on the active node rings her through the edge.
                assert await registered_on_edge(url) == ["op1"], edge.log[-2000:]
                await until_member(b, "op1", paused=False)
                await operator_answers(page, a, edge.sip_target)
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent === 'Sẵn sàng'", timeout=20000)

                await pause(page, "training")
                assert "training" in await until_member(b, "op1", paused=True)
                script = CallScript().pause(2000).keys("2").pause(8000)
                # Before: the active node takes the calls and serves the desktops; each shared job
                # runs on one node.
                first = await a.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)
                assert answered_here(first, b), (first.queues_joined(), first.prompts(), first.sipp.output[-1500:])
                before = await holders(url)
                assert set(before) == set(SHARED_JOBS)
                assert set(before.values()) <= {a.instance.proc.pid, b.instance.proc.pid}
                # A report filed on the active node and a callback request waiting there.
                filed = await web_report_in_worklist(page, {
                    "caller_phone": "0912 777 005", "reporter_name": "Trần Văn Nam", "topic": "infrastructure",
                    "content": "Ống nước vỡ ở chợ phường 1"})
                async with store.tickets.sessions() as s, s.begin():
                    waiting = CallbackRequest(caller_number="0912777006", reason="queue_timeout", queue="operator",
                                              status="open", next_attempt_at=datetime.now(timezone.utc))
                    s.add(waiting)

                a.instance.kill_node()
                await a.instance.proc.wait()
                # From the kill on, a new call every second: none is lost, the standby answers them.
                calls = []
                for _ in range(6):
                    calls.append(asyncio.create_task(
                        b.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)))
                    await asyncio.sleep(1)
                for record in await asyncio.gather(*calls):
                    assert answered_here(record, a), (record.caller, record.sipp.error_log, edge.log[-2000:])
                assert "marked down" in edge.log  # the first call after the kill waited for no reply, then moved

                # The shared jobs move to the surviving node once the dead node's leases run out.
                after = {}
                for _ in range(60):
                    after = await holders(url)
                    if set(after.values()) == {b.instance.proc.pid}:
                        break
                    await asyncio.sleep(1)
                assert after == {job: b.instance.proc.pid for job in SHARED_JOBS}

                # Her phone is still registered on the edge, and the standby has had her in its
                # queues all along, paused as she chose on the dead node. Her desktop reconnects by
                # itself, through the proxy, to the standby (the session is in the database).
                assert await registered_on_edge(url) == ["op1"]
                await page.wait_for_function("document.getElementById('notice').hidden", timeout=30000)
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent.startsWith('Tạm nghỉ')", timeout=15000)
                # The report and the callback request are there, now served by the standby.
                shown = await page.evaluate("(id) => fetch(`/api/tickets/${id}`).then((r) => r.json())", filed["id"])
                assert shown["code"] == filed["code"], shown
                await page.locator(f"#callbacks-table tr[data-id='{waiting.id}']").wait_for(timeout=35000)
                await page.click("#unpause")
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent === 'Sẵn sàng'", timeout=10000)
                await operator_answers(page, b, edge.sip_target)
                await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=20000)

                # She calls a citizen back from the standby: her softphone's call goes through the
                # edge, which names her to the node; the node's dialplan places it as hers.
                await web_report_in_worklist(page, {
                    "caller_phone": "0912 777 004", "reporter_name": "Lê Thị Hoa", "topic": "infrastructure",
                    "content": "Đèn đường hỏng trên đường Nguyễn Huệ"})
                phone = await AgencyPhone(b.instance.port_base + 6, "answer", ring_ms=1000, hangup_after_ms=5000).start()
                await page.click("#w-call")
                await page.wait_for_function(
                    "document.getElementById('call-state').textContent === 'Đang nói chuyện'", timeout=20000)
                assert (await phone.result(timeout=40)).ok
                dial = await b.ami.wait_for(lambda e: e.get("Event") == "DialBegin"
                                            and e.get("DialString") == "0912777004@route-local")
                assert dial["Channel"].startswith("PJSIP/op1-"), dial
                await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=20000)

                # The node comes back (a new Asterisk, the same database): it puts her back in its
                # queues from the database, calls return to it and ring her softphone through the edge.
                await a.instance.start()
                await until_member(a, "op1", paused=False)
                back = None
                for _ in range(10):
                    await asyncio.sleep(1.5)
                    back = await a.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)
                    if back.queues_joined():
                        break
                assert back is not None and answered_here(back, b), edge.log[-2000:]
                assert any(e.get("Interface") == "PJSIP/op1" for e in back.of("AgentCalled")), back.events
                # Her desktop follows by itself (the standby hands the desktops back to the node of
                # higher priority): the next call on that node pops on it, and she answers.
                await operator_answers(page, a, edge.sip_target)
                assert page.url.startswith(proxy.base_url), page.url

                # Upgrading that node without dropping its call: she talks with a caller on it (and
                # pauses for after the call, so nothing else rings her), and `hotline drain` runs there.
                assert await options_reply(a.instance.sip_target, "alive") == 200
                staying_caller = caller_number()
                staying = asyncio.create_task(a.call(CallScript(ending="server").pause(2000).keys("2").silence(),
                                                     caller=staying_caller, via=edge.sip_target, timeout=120))
                await until_popped(page, staying_caller, staying, line=a)
                await answer_call(page)
                await page.select_option("#pause-reason", "training")
                await page.click("#pause")
                await until_member(b, "op1", paused=True)
                await audio_heard(page)
                # Another caller waits in the node's queue meanwhile (she is busy, and paused after).
                waiting_caller = caller_number()
                queued = asyncio.create_task(a.call(CallScript(ending="server").pause(2000).keys("2").silence(),
                                                    caller=waiting_caller, via=edge.sip_target, timeout=180))
                assert await a.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin"
                                            and e.get("CallerIDNum") == waiting_caller, timeout=30)
                drain = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "hotline.cli", "--home", str(a.instance.home), "drain", "--wait", "150",
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
                # The node refuses what is new (the edge's probe no longer finds its extension), so
                # the next call goes to the standby; the calls on the node are still up meanwhile.
                for _ in range(60):
                    if await options_reply(a.instance.sip_target, "alive") == 404:
                        break
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError(f"the draining node still takes calls: {edge.log[-2000:]}")
                # (Until the edge's next probe, it may still offer a call to the node, which refuses
                # it before answer with 503: the edge gives it to the standby at once.)
                moved = await b.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)
                assert moved.sipp.ok and moved.queues_joined(), (moved.sipp.error_log, edge.log[-2000:])
                assert not [e for e in a.ami.events if e.get("Event") == "QueueCallerJoin"
                            and e.get("CallerIDNum") == moved.caller], "the draining node kept a new call"
                assert not [e for e in a.ami.events if e.get("Event") == "Hangup"
                            and e.get("CallerIDNum") == staying_caller], "the call on the draining node is up"
                assert drain.returncode is None
                heard = await page.evaluate("window.hotlinePhone.bytesReceived()")
                assert await audio_heard_beyond(page, heard), "the caller's audio still reaches her"
                # The call on the draining node goes on until she ends it (a clean BYE to the caller);
                # then the node stops by itself, leaves the nodes' heartbeats, and the command says so.
                await page.click("#hangup")
                kept = await staying
                assert kept.sipp.ok and kept.queues_joined(), kept.sipp.error_log
                await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=20000)
                # The caller who waited in the draining node's queue is put through: back from her
                # pause, the node rings her softphone (a new channel on a draining node); she answers.
                assert drain.returncode is None
                await page.click("#unpause")
                await until_popped(page, waiting_caller, queued, line=a)
                await answer_call(page)
                await audio_heard(page)
                await page.click("#hangup")
                put_through = await queued
                assert put_through.sipp.ok, put_through.sipp.error_log
                assert any(e.get("ChannelStateDesc") == "Up" and e["Channel"].startswith("PJSIP/op1-")
                           for e in put_through.of("Newstate")), "the draining node put the waiting caller through"
                await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=20000)
                out, _ = await asyncio.wait_for(drain.communicate(), 120)
                assert drain.returncode == 0, out.decode()
                assert "3 channel(s) up" in out.decode() and "node stopped" in out.decode(), out.decode()
                assert await asyncio.wait_for(a.instance.proc.wait(), 30) == DRAINED_EXIT
                assert not [h for h in await heartbeats(url) if h.split(":")[-2] == str(a.instance.proc.pid)]
            finally:
                await proxy.stop()
                await edge.stop()
    finally:
        if ctx is not None:
            await ctx.close()
        if store is not None:
            await store.close()
        pg.stop()

"""Two hotline nodes on one PostgreSQL behind the SIP edge (Kamailio's dispatcher, #20 item 3).
Calls from the trunk go to the active node, where an operator works in Chromium and has paused;
when that node dies (kill -9 of its application and its Asterisk) every new call, placed at a
steady rate from the moment of the kill, is answered by the standby; the shared jobs (deadline
scan, SMS outbox) move to the standby; the operator opens the standby's desktop, still logged in
and still paused, and once back from the pause takes a call there; when the dead node comes back,
new calls return to it."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from hotline.store.db import make_engine, sessionmaker
from hotline.store.leases import JobLease
from hotline.testing.edge import EdgeInstance
from hotline.testing.postgres import TempPostgres
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, answer_call, base_url, operator_page, until_popped

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


def answered_here(record, other) -> bool:
    """The call reached this node's queue, and the other node never saw the caller."""
    return record.sipp.ok and bool(record.queues_joined()) and not other.ami.linkedids_of(record.caller)


async def test_new_calls_go_to_the_standby_when_the_active_node_dies(workdir, config_dir, playwright_session):
    pg = TempPostgres().start()
    ctx = store = None
    try:
        url = await pg.create_database("edge")
        settings = f'database_url = "{url}"\ndeadline_scan_seconds = 1\n'
        async with running_line(workdir, "node-a", "test_open", config_dir, extra_settings=settings) as a, \
                running_line(workdir, "node-b", "test_open", config_dir, extra_settings=settings) as b:
            edge = EdgeInstance(workdir / "edge", [("a", a.instance.sip_target, 10), ("b", b.instance.sip_target, 5)])
            await edge.start()
            store = Store(a.instance.home)
            ctx, page = await operator_page(playwright_session, a, store, "op1")
            try:
                await page.select_option("#pause-reason", "training")
                await page.click("#pause")
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent.startsWith('Tạm nghỉ')", timeout=10000)
                script = CallScript().pause(2000).keys("2").pause(8000)
                # Before: the active node takes the calls; each shared job runs on one node.
                first = await a.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)
                assert answered_here(first, b), (first.queues_joined(), first.prompts(), first.sipp.output[-1500:])
                before = await holders(url)
                assert set(before) == set(SHARED_JOBS)
                assert set(before.values()) <= {a.instance.proc.pid, b.instance.proc.pid}

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

                # The operator opens the standby's desktop: the session is in the database, the
                # softphone registers there, and the pause chosen on the dead node still holds.
                await page.goto(base_url(b) + "/")
                await page.wait_for_function("document.getElementById('sip-status').textContent === 'Đã đăng ký'",
                                             timeout=30000)
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent.startsWith('Tạm nghỉ')", timeout=15000)
                await page.click("#unpause")
                await page.wait_for_function(
                    "document.getElementById('agent-state').textContent === 'Sẵn sàng'", timeout=10000)
                caller = caller_number()
                talk = asyncio.create_task(b.call(CallScript().pause(2000).keys("2").silence().pause(10000),
                                                  caller=caller, via=edge.sip_target, timeout=90))
                await until_popped(page, caller, talk, line=b)
                await answer_call(page)
                answered = await talk
                assert answered.sipp.ok, answered.sipp.error_log
                assert any(e.get("ChannelStateDesc") == "Up" and e["Channel"].startswith("PJSIP/op1-")
                           for e in answered.of("Newstate")), "the operator's softphone on the standby answered"

                # The node comes back (a new Asterisk, the same database): calls return to it.
                await a.instance.start()
                back = None
                for _ in range(10):
                    await asyncio.sleep(1.5)
                    back = await a.call(script, caller=caller_number(), via=edge.sip_target, timeout=60)
                    if back.queues_joined():
                        break
                assert back is not None and answered_here(back, b), edge.log[-2000:]
            finally:
                await edge.stop()
    finally:
        if ctx is not None:
            await ctx.close()
        if store is not None:
            await store.close()
        pg.stop()

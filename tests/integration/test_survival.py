"""The application may die; the calls may not (#20 item 4). A browser operator is talking to a
SIPp caller when the application is killed (kill -9): the call goes on; a new caller during the
outage reaches the operator queue through the dialplan's fallback and waits; the restarted
application adopts the running Asterisk, the desktop reconnects by itself, and the operator takes
the waiting call with its pop; both calls are recorded and catalogued."""

import asyncio

import pytest
from sqlalchemy import select

from hotline.store.recordings import Recording
from hotline.testing.sipp import PCAP_DIR, CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, answer_call, operator_page, until_popped

pytestmark = pytest.mark.integration

TALKING, WAITING = "0912000701", "0912000702"


async def test_calls_outlive_a_killed_application(playwright_session, workdir, config_dir):
    async with running_line(workdir, "survive", "test_open", config_dir,
                            extra_settings="[recordings]\nscan_seconds = 2\nstable_seconds = 1\n") as line:
        store = Store(line.instance.home)
        ctx, page = await operator_page(playwright_session, line, store, "op1")
        try:
            talk = CallScript().pause(2000).keys("2").pause(4000).audio(PCAP_DIR / "g711a.pcap").pause(30000)
            talking = asyncio.create_task(line.call(talk, caller=TALKING, timeout=150))
            await until_popped(page, TALKING, talking, line=line)
            await answer_call(page)
            bridged = len(line.ami.events)

            line.instance.kill()  # kill -9: no clean stop of anything
            await line.instance.proc.wait()
            waiting = asyncio.create_task(line.call(CallScript().pause(75000), caller=WAITING, timeout=150))
            joined = await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin"
                                             and e.get("CallerIDNum") == WAITING, timeout=30)
            assert joined is not None and joined["Queue"] == "operator"  # the fallback: no IVR to answer
            assert TALKING in await line.instance.cli("core show channels concise")  # still talking
            assert not [e for e in line.ami.events[bridged:] if e.get("Event") == "Hangup"
                        and e.get("CallerIDNum") == TALKING]

            await line.instance.start()  # adopts the running Asterisk
            assert "adopting the Asterisk" in (line.instance.home / "run.out").read_text()
            first = await talking
            assert first.sipp.ok, first.sipp.error_log  # the caller, not the line, ended it

            # The desktop reconnected by itself; the waiting caller reaches the operator with a pop.
            await until_popped(page, WAITING, waiting, timeout_ms=60000, line=line)
            await answer_call(page)
            second = await waiting
            assert second.sipp.ok, second.sipp.error_log
            assert second.queues_joined() == ["operator"]
            assert second.join_vars()["HOTLINE_EXIT_REASON"] == "ivr_unavailable"

            # Both calls' recordings are catalogued by the restarted application.
            wanted = {first.events[0]["Linkedid"], second.events[0]["Linkedid"]}
            for _ in range(60):
                async with store.tickets.sessions() as s:
                    found = set(await s.scalars(select(Recording.linkedid).where(Recording.linkedid.in_(wanted))))
                if found == wanted:
                    break
                await asyncio.sleep(1)
            assert found == wanted
        finally:
            await ctx.close()
            await store.close()


async def test_a_restart_keeps_a_queued_call(workdir, config_dir):
    """An upgrade stops the application cleanly (SIGTERM) while a caller waits in a queue: Asterisk
    is left running for the call, which keeps waiting, and the next start adopts it."""
    async with running_line(workdir, "restart", "test_open", config_dir) as line:
        caller = "0912000703"
        queued = asyncio.create_task(line.call(CallScript().pause(2000).keys("0").pause(40000), caller=caller,
                                               timeout=120))
        assert await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin"
                                       and e.get("CallerIDNum") == caller, timeout=30) is not None
        seen = len(line.ami.events)
        line.instance.proc.terminate()  # a clean stop, as a service manager's restart does
        await line.instance.proc.wait()
        assert "keeps running" in (line.instance.home / "run.out").read_text()
        assert "operator has 1 calls" in await line.instance.cli("queue show operator")  # still waiting
        await line.instance.start()
        call = await queued
        assert call.sipp.ok, call.sipp.error_log  # never hung up by the line
        # it left the queue only when the caller hung up, at the end of the script
        left = [e for e in line.ami.events[seen:] if e.get("Event") == "QueueCallerAbandon"
                and e.get("CallerIDNum") == caller]
        assert len(left) == 1
        assert call.queues_joined() == ["operator"]

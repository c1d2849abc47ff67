"""After Asterisk dies and comes back, the CTI reconnects by itself and its model (queue waiting
counts, agent states) is right again within seconds."""

import asyncio
import os
import signal
import time

import pytest

from hotline.testing.sipp import CallScript
from tests.integration.desktop_support import Store
from tests.integration.desktop_support import session_for, url

pytestmark = pytest.mark.integration


async def state(http, line) -> dict:
    async with http.get(url(line, "/api/supervisor/state")) as r:
        assert r.status == 200
        return await r.json()


async def wait_state(http, line, predicate, timeout=20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        s = await state(http, line)
        if predicate(s) or time.monotonic() > deadline:
            return s
        await asyncio.sleep(0.5)


def waiting(s, queue="infrastructure") -> int:
    return s["queues"].get(queue, {}).get("waiting", 0)


def agent_state(s, agent) -> str | None:
    return next((a["state"] for a in s["agents"] if a["id"] == agent), None)


async def test_the_model_is_rebuilt_after_an_asterisk_crash(resync_line):
    line = resync_line
    store = Store(line.instance.home)
    op_http = await session_for(line, "op2", await store.user("op2", "operator", "op2"))
    sup_http = await session_for(line, "gs", await store.user("gs", "supervisor"))
    try:
        async with op_http.post(url(line, "/api/agent/login"), json={}) as r:
            assert r.status == 200
        async with op_http.post(url(line, "/api/agent/pause"), json={"reason": "meal"}) as r:
            assert r.status == 200
        s = await wait_state(sup_http, line, lambda s: agent_state(s, "op2") == "paused")
        assert agent_state(s, "op2") == "paused"

        call = asyncio.create_task(line.call(CallScript().pause(2000).keys("2").pause(8000)))
        s = await wait_state(sup_http, line, lambda s: waiting(s) == 1)
        assert waiting(s) == 1

        pid_file = line.instance.home / "asterisk" / "run" / "asterisk.pid"
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGKILL)  # Asterisk crashes with a caller in the queue
        await call  # that call is lost with Asterisk

        # The hotline restarts Asterisk; the CTI reconnects, puts op2 back (from the database),
        # paused as it was, and the dead call is gone from the queue.
        s = await wait_state(sup_http, line, lambda s: agent_state(s, "op2") == "paused" and waiting(s) == 0)
        assert agent_state(s, "op2") == "paused" and waiting(s) == 0
        assert "op2 (PJSIP/op2)" in await line.instance.cli("queue show infrastructure")
        assert int(pid_file.read_text()) != pid

        # And it keeps counting: a new caller shows up in the queue.
        call = asyncio.create_task(line.call(CallScript().pause(2000).keys("2").pause(8000)))
        s = await wait_state(sup_http, line, lambda s: waiting(s) == 1)
        assert waiting(s) == 1
        assert (await call).sipp.ok
        s = await wait_state(sup_http, line, lambda s: waiting(s) == 0)
        assert waiting(s) == 0
    finally:
        await op_http.close()
        await sup_http.close()
        await store.close()

"""Shared background jobs run on one node at a time, on both engines: a lease is held by one
node, renewed while it lives, taken by another node when the holder is killed (it stops renewing)
or stops cleanly (it lets go); and two real processes running the same job never both run it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hotline.nodes.leases import JobLeases

NODE = r'''
import asyncio, sys, time
from hotline.background import Periodic
from hotline.store.db import make_engine, sessionmaker
from hotline.nodes.leases import JobLeases

async def main(url, out):
    leases = JobLeases(sessionmaker(make_engine(url)), seconds=1.5)
    leases.start()
    def mark():
        with open(out, "a") as f:
            f.write(f"{time.time()}\n")
    async def scan():
        mark()
    job = Periodic("deadline scan", scan, 0.1, leases)
    job.start()
    open(out + ".started", "w").close()
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], sys.argv[2]))
'''


def url_of(sessions) -> str:
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


async def test_one_holder_renewed_taken_over_when_it_dies_or_lets_go(sessions):
    a, b = JobLeases(sessions, "node-a", seconds=1.5), JobLeases(sessions, "node-b", seconds=1.5)
    assert await a.holds("sms outbox") and not await b.holds("sms outbox")
    assert await b.holds("weekly reports") and not await a.holds("weekly reports")  # each job its own lease
    a.start(), b.start()
    try:
        await asyncio.sleep(2.5)  # beyond the lease's length: renewed by its holder, not taken
        assert await a.holds("sms outbox") and not await b.holds("sms outbox")
        assert (await a.holders())["sms outbox"][0] == "node-a"

        await a._renewing.stop()  # node A hangs or dies: it renews nothing and lets nothing go
        deadline = time.monotonic() + 5
        while not await b.holds("sms outbox") and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await b.holds("sms outbox"), "the standby took the job once the lease ran out"
        assert (await b.holders())["sms outbox"][0] == "node-b"

        c = JobLeases(sessions, "node-c", seconds=1.5)
        c.start()
        assert not await c.holds("weekly reports")
        await b.stop()  # a clean stop lets go at once: taken at C's next round, not after 1.5 s
        deadline = time.monotonic() + 5
        while not await c.holds("weekly reports") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await c.holds("weekly reports") and await c.holds("sms outbox")
        await c.stop()
    finally:
        await a.stop()
        await b.stop()


async def test_two_processes_never_run_the_job_at_once(sessions, tmp_path):
    url = url_of(sessions)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    outs = [tmp_path / "node1.txt", tmp_path / "node2.txt"]
    logs = [tmp_path / "node1.log", tmp_path / "node2.log"]
    nodes = [subprocess.Popen([sys.executable, "-c", NODE, url, str(out)], env=env, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT) for out, log in zip(outs, logs)]

    def passes() -> list[list[str]]:
        return [out.read_text().split() if out.exists() else [] for out in outs]

    try:
        # Both nodes run their job (each asks for the lease before every pass, 0.1 s apart); then
        # the holder's next 20 passes give the other node as many chances to run it too.
        deadline = time.monotonic() + 60
        while not all(Path(f"{out}.started").exists() for out in outs):
            assert time.monotonic() < deadline and all(n.poll() is None for n in nodes), "both nodes started"
            await asyncio.sleep(0.1)
        done = max(map(len, passes())) + 20
        while max(map(len, passes())) < done:
            assert time.monotonic() < deadline, f"the job ran on a node: {list(map(len, passes()))}"
            await asyncio.sleep(0.1)
        ran = passes()
        assert sorted(map(bool, ran)) == [False, True], f"exactly one node ran the job: {list(map(len, ran))}"
        active = 0 if ran[0] else 1
        os.kill(nodes[active].pid, signal.SIGKILL)
        nodes[active].wait()
        killed_at = time.time()
        deadline = time.monotonic() + 30
        while not outs[1 - active].exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        dead, standby = (outs[active].read_text().split(), outs[1 - active].read_text().split()
                         if outs[1 - active].exists() else [])
        assert standby, (f"the standby ran the job after the active node was killed (standby "
                         f"{'running' if nodes[1 - active].poll() is None else 'exited'}; "
                         f"leases {await JobLeases(sessions, 'observer').holders()}; "
                         f"its log: {logs[1 - active].read_text()[-3000:]})")
        assert float(dead[-1]) < killed_at and float(standby[0]) > float(dead[-1]), "never both at once"
    finally:
        for n in nodes:
            n.kill()
            n.wait()

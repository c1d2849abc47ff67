"""Benchmark: WebSocket fan-out of the desktop hub against a bare `websockets` broadcast.

200 supervisor desktops connected to the real desktop server (sessions in SQLite, the Hub, the CTI
model fed with the AMI events of 50 calls a minute, queue.stats pushed every second), and in the
same run a bare `websockets` server broadcasting messages of the same size on the same beat. The
clients run in another process and measure arrival time minus the server's timestamp.

    .venv/bin/python bench/fanout.py [--clients 200] [--seconds 30] [--calls-per-minute 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path

from aiohttp import web
from websockets.asyncio.server import broadcast, serve

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.hub import Hub, message
from hotline.agent_desktop.server import DesktopServer
from hotline.events.bus import EventBus
from hotline.events.types import QueueChanged, Shown
from hotline.cti.model import CtiModel
from hotline.testing.ports import BENCH_HOTLINES, free_port_base

from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.ticketing.store import TicketStore

CLIENTS = Path(__file__).with_name("fanout_clients.py")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def call_events(i: int) -> list[dict]:
    """The AMI events of one queued call that an operator answers and ends."""
    lid = f"bench-{i}.0"
    base = {"Linkedid": lid, "Uniqueid": lid, "CallerIDNum": f"09{i:08d}", "Channel": f"PJSIP/trunk-{i:08x}",
            "ChanVariable": ["HOTLINE_TOPIC=infrastructure", "HOTLINE_IVR_PATH=2"]}
    agent = {"MemberName": f"op{i % 20 + 1}", "Interface": f"PJSIP/op{i % 20 + 1}", "Queue": "infrastructure"}
    return [{"Event": "Newchannel", **base}, {"Event": "QueueCallerJoin", "Queue": "infrastructure", **base},
            {"Event": "AgentCalled", **agent, **base}, {"Event": "AgentConnect", **agent, **base},
            {"Event": "QueueCallerLeave", "Queue": "infrastructure", **base},
            {"Event": "AgentComplete", **agent, **base}, {"Event": "Hangup", **base}]


async def run_clients(url: str, seconds: float, cookies: list[str] | None, n: int) -> list[float]:
    proc = await asyncio.create_subprocess_exec(sys.executable, str(CLIENTS), url, str(seconds),
                                                ",".join(cookies or []), str(n), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])["latencies"]


async def drive_calls(model: CtiModel, bus: EventBus, seconds: float, per_minute: int) -> int:
    """Feed the model as the AMI bridge does: events applied in order, domain events published."""
    n, gap = 0, 60.0 / per_minute
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        for raw in call_events(n):
            for ev in model.apply(raw):
                await bus.publish(ev)
            await asyncio.sleep(0.05)
        n += 1
        await asyncio.sleep(gap)
    return n


async def hub_run(args, port: int) -> list[float]:
    work = Path(tempfile.mkdtemp(prefix="hlf-"))
    engine = make_engine(f"sqlite+aiosqlite:///{work / 'bench.db'}")
    await migrate(engine)
    accounts = Accounts(sessionmaker(engine))
    await accounts.create_user("gs", "Giám sát", "supervisor", "bench-password")
    principal = (await accounts.authenticate("gs", "bench-password")).principal
    cookies = [await accounts.open_session(principal) for _ in range(args.clients)]
    bus, model = EventBus(), CtiModel()
    for i in range(1, 21):  # 20 operators in the queues
        model.apply({"Event": "QueueMemberAdded", "Queue": "infrastructure", "MemberName": f"op{i}",
                     "Interface": f"PJSIP/op{i}", "Status": "1", "Paused": "0"})
    store = TicketStore(sessionmaker(engine))
    hub = Hub(bus, model, store)
    server = DesktopServer(accounts, hub, [])
    runner = web.AppRunner(server.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    hub.start()
    clients = asyncio.create_task(run_clients(f"ws://127.0.0.1:{port}/ws", args.seconds, cookies, args.clients))
    await asyncio.sleep(3)  # let them connect
    await drive_calls(model, bus, args.seconds - 5, args.calls_per_minute)
    latencies = await clients
    await hub.stop()
    await runner.cleanup()
    await engine.dispose()
    return latencies


async def bare_run(args, port: int) -> list[float]:
    """The same beat and message sizes through websockets' own broadcast()."""
    conns = set()

    async def handler(ws):
        conns.add(ws)
        try:
            await ws.wait_closed()
        finally:
            conns.discard(ws)

    model = CtiModel()
    for i in range(1, 21):
        model.apply({"Event": "QueueMemberAdded", "Queue": "infrastructure", "MemberName": f"op{i}",
                     "Interface": f"PJSIP/op{i}", "Status": "1", "Paused": "0"})
    async with serve(handler, "127.0.0.1", port):
        clients = asyncio.create_task(run_clients(f"ws://127.0.0.1:{port}/", args.seconds, None, args.clients))
        await asyncio.sleep(3)
        loop = asyncio.get_running_loop()
        end = loop.time() + args.seconds - 5
        next_call, n = loop.time(), 0
        while loop.time() < end:
            broadcast(conns, message("queue.stats", model.snapshot()))
            if loop.time() >= next_call:
                for raw in call_events(n):
                    for ev in model.apply(raw):
                        if isinstance(ev, Shown) and not isinstance(ev, QueueChanged):
                            broadcast(conns, message(ev.kind, ev.data))
                n += 1
                next_call += 60.0 / args.calls_per_minute
            await asyncio.sleep(1.0)
        return await clients


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--calls-per-minute", type=int, default=50)
    args = p.parse_args()
    port = free_port_base(BENCH_HOTLINES)
    hub = await hub_run(args, port)
    bare = await bare_run(args, port + 1)
    print(f"{args.clients} clients, {args.seconds:.0f} s, {args.calls_per_minute} calls/min, stats every second")
    for label, lat in (("desktop hub", hub), ("bare websockets", bare)):
        print(f"{label:16s} {len(lat):6d} messages  p50 {statistics.median(lat):6.2f} ms  p99 {pct(lat, .99):6.2f} ms"
              f"  max {max(lat):6.2f} ms")
    print(f"ratio hub / bare p99: {pct(hub, .99) / pct(bare, .99):.2f}  (goal <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

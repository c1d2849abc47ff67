"""Benchmark: failover of two hotline nodes behind the SIP edge (Kamailio), and the capacity of
two nodes against one, in the same run on this machine.

Failover: node A (priority 10) and node B (5) share one PostgreSQL behind the edge
(active-standby). SIPp offers calls at --rate calls/s; --before seconds into a round, A is killed
(kill -9 of its application and its Asterisk). The failover time is from the kill to the answer of
the first call on B (Asterisk's event timestamps). New calls lost: calls offered that neither node
answered; calls in progress on A at the kill are lost by design and counted apart. A is then
started again and the edge puts it back before the next round.

Capacity: the offered rate steps up (--capacity-rates) until a step has a failed call or a call
that did not reach the IVR's queue: first one node through the edge, then both nodes (mode
shared, calls in turn) through the edge. On one machine the two nodes share its cores.

    .venv/bin/python bench/failover.py [--kills 10] [--rate 10] [--capacity-rates 10,20,30,40]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.testing.edge import EdgeInstance
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.postgres import TempPostgres
from hotline.testing.sipp import CallScript, run_sipp

SIPP_PORT = 48000


def answers(ami: AmiObserver, since: int) -> list[float]:
    """Asterisk's timestamps of the trunk calls answered (the caller's channel going Up)."""
    return [float(e.get("Timestamp", 0)) for e in ami.events[since:]
            if e.get("Event") == "Newstate" and e.get("ChannelStateDesc") == "Up"
            and e.get("Channel", "").startswith("PJSIP/trunk-")]


def queue_joins(ami: AmiObserver, since: int) -> int:
    return sum(1 for e in ami.events[since:] if e.get("Event") == "QueueCallerJoin")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


async def sipp_calls(target: str, script: CallScript, rate: int, calls: int, timeout: float) -> tuple[int, str]:
    """Offer `calls` calls at `rate` per second; returns how many SIPp created, and its output."""
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    stat = work / "stat.csv"
    result = await run_sipp(script, target, "1022", "0900000000", SIPP_PORT, SIPP_PORT + 2, timeout=timeout,
                            extra=["-r", str(rate), "-m", str(calls), "-l", str(rate * 60),
                                   "-trace_stat", "-stf", str(stat), "-fd", "1", "-recv_timeout", "40000"])
    created = 0
    if stat.exists():
        lines = stat.read_text().splitlines()
        header = lines[0].split(";") if lines else []
        if "TotalCallCreated" in header and len(lines) > 1:
            created = int(lines[-1].split(";")[header.index("TotalCallCreated")])
    shutil.rmtree(work, ignore_errors=True)
    return created, result.error_log or result.output


async def wait_back(edge: EdgeInstance, ups_before: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while edge.log.count("answers its probes again") <= ups_before and time.monotonic() < deadline:
        await asyncio.sleep(0.5)


async def failover_round(a: HotlineInstance, b: HotlineInstance, ami_a: AmiObserver, ami_b: AmiObserver,
                         edge: EdgeInstance, rate: int, before: float, after: float) -> dict:
    since_a, since_b = len(ami_a.events), len(ami_b.events)
    total = int(rate * (before + after))
    script = CallScript().pause(4000)
    offered = asyncio.create_task(sipp_calls(edge.sip_target, script, rate, total, before + after + 90))
    await asyncio.sleep(before)
    killed_at = time.time()
    a.kill_node()
    ami_a.close()  # what it saw is kept; it would only try to reconnect to the dead Asterisk
    await a.proc.wait()
    created, _ = await offered
    on_a = answers(ami_a, since_a)
    on_b = [t for t in answers(ami_b, since_b) if t >= killed_at]
    answered_a_before = sum(1 for t in on_a if t < killed_at)
    in_progress = sum(1 for t in on_a if t >= killed_at - 4.5)  # 4 s calls still talking at the kill
    lost = max(0, created - len(on_a) - len(on_b))
    ups = edge.log.count("answers its probes again")
    await a.start()
    await wait_back(edge, ups)
    return {"failover": (min(on_b) - killed_at) if on_b else float("nan"), "lost": lost,
            "in_progress": in_progress, "created": created, "on_a": answered_a_before, "on_b": len(on_b)}


async def capacity(target: str, amis: list[AmiObserver], rates: list[int], seconds: int, hold: int) -> dict | None:
    best = None
    for rate in rates:
        since = [len(m.events) for m in amis]
        calls = rate * seconds
        script = CallScript().pause(1000).keys("2").pause(hold * 1000)
        created, error = await sipp_calls(target, script, rate, calls, seconds + hold + 90)
        await asyncio.sleep(2)
        joined = sum(queue_joins(m, s) for m, s in zip(amis, since))
        ok = created == calls and joined == calls
        print(f"  {rate:3d} calls/s: offered {created}, reached the queue {joined}  {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            break
        best = {"rate": rate, "calls": calls}
        await asyncio.sleep(hold + 5)
    return best


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--rate", type=int, default=10, help="calls per second during the failover rounds")
    p.add_argument("--before", type=float, default=5, help="seconds of calls before the kill")
    p.add_argument("--after", type=float, default=10, help="seconds of calls after the kill")
    p.add_argument("--capacity-rates", default="20,40,50,60,70,80")
    p.add_argument("--capacity-seconds", type=int, default=10)
    p.add_argument("--hold", type=int, default=8)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = Path(tempfile.mkdtemp(prefix="hlb-", dir="/tmp"))
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "profiles" / "bench.yaml").write_text("extends: dong_thap\nname: benchmark\ncalendar:\n  always_open: true\n")
    pg = TempPostgres().start()
    nodes: list[HotlineInstance] = []
    amis: list[AmiObserver] = []
    edges: list[EdgeInstance] = []
    try:
        url = await pg.create_database("bench")
        base = free_port_base(BENCH_HOTLINES)
        for name in ("a", "b"):
            inst = HotlineInstance(work / f"home-{name}", base, "bench", config, extra_settings=f'database_url = "{url}"')
            await inst.start()
            nodes.append(inst)
            base = free_port_base(base + 20)
        for inst in nodes:
            ami = AmiObserver(inst, events="agent,call")
            await ami.connect()
            amis.append(ami)
        a, b = nodes

        edge = EdgeInstance(work / "edge", [("a", a.sip_target, 10), ("b", b.sip_target, 5)])
        edges.append(edge)
        await edge.start()
        rounds = []
        for i in range(args.kills):
            r = await failover_round(a, b, amis[0], amis[1], edge, args.rate, args.before, args.after)
            rounds.append(r)
            amis[0] = AmiObserver(a, events="agent,call")  # the restarted node's Asterisk: observe it afresh
            await amis[0].connect()
            print(f"kill {i + 1:2d}: first call answered by the standby {1000 * r['failover']:.0f} ms after the kill; "
                  f"offered {r['created']}, new calls lost {r['lost']}, in progress on the dead node {r['in_progress']}",
                  flush=True)
        await edge.stop()

        print("capacity, one node through the edge:")
        one = EdgeInstance(work / "edge-one", [("a", a.sip_target, 10)])
        edges.append(one)
        await one.start()
        single = await capacity(one.sip_target, amis[:1], [int(x) for x in args.capacity_rates.split(",")],
                                args.capacity_seconds, args.hold)
        await one.stop()
        print("capacity, two nodes through the edge (shared):")
        two = EdgeInstance(work / "edge-two", [("a", a.sip_target, 10), ("b", b.sip_target, 10)], mode="shared")
        edges.append(two)
        await two.start()
        double = await capacity(two.sip_target, amis, [int(x) for x in args.capacity_rates.split(",")],
                                args.capacity_seconds, args.hold)
    finally:
        for edge in edges:
            await edge.stop()
        for ami in amis:
            ami.close()
        for inst in nodes:
            await inst.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)

    times = [r["failover"] for r in rounds if r["failover"] == r["failover"]]
    print()
    print(f"failover over {len(rounds)} kills at {args.rate} calls/s: p50 {1000 * percentile(times, 0.5):.0f} ms, "
          f"p99 {1000 * percentile(times, 0.99):.0f} ms; new calls lost per failover: "
          f"{', '.join(str(r['lost']) for r in rounds)}; calls in progress on the dead node (lost by design): "
          f"{', '.join(str(r['in_progress']) for r in rounds)}")
    s1 = single["rate"] if single else 0
    s2 = double["rate"] if double else 0
    print(f"capacity through the IVR to a queue: one node {s1} calls/s, two nodes {s2} calls/s"
          + (f", ratio two / one {s2 / s1:.2f}" if s1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Benchmark: offered load above capacity, with and without virtual hold, in one run.

Two operators (SIPp agents in the queue, each call talked for --talk seconds: a 3-minute call
simulated short) and --callers SIPp callers arriving over --arrival-seconds into the general
queue. A caller gives up after --patience seconds in the queue (the queue's wait limit). With
virtual hold, a caller still waiting --press-after seconds after choosing the queue presses the
key and hangs up; their place is kept, and the citizen's phone (SIPp behind the citizen route)
answers the callback. Figures per run, from Asterisk's own events: abandon rate (callers never
connected to an operator) and average wait (from joining the queue to talking: the operator's
answer, or for a kept place the citizen answering the callback).

    .venv/bin/python bench/virtual_hold.py [--callers 40] [--talk 12] [--patience 60]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.sipp import CallScript, run_sipp

AGENTS = 2


def ts(event: dict) -> float:
    return float(event.get("Timestamp", 0))


def figures(events: list[dict], numbers: list[str]) -> dict:
    """Abandon rate and waits from the AMI events of one run."""
    joined: dict[str, float] = {}
    served: dict[str, float] = {}
    callback_dials: dict[str, str] = {}  # citizen leg uniqueid -> number
    for e in events:
        kind, num = e.get("Event"), e.get("CallerIDNum", "")
        if kind == "QueueCallerJoin" and e.get("Channel", "").startswith("PJSIP/trunk") and num not in joined:
            joined[num] = ts(e)
        elif kind == "AgentConnect" and e.get("Channel", "").startswith("PJSIP/trunk") and num not in served:
            served[num] = ts(e)
        elif kind == "DialBegin" and e.get("DialString", "").endswith("@route-local"):
            callback_dials[e.get("DestUniqueid", "")] = e["DialString"].split("@", 1)[0]
        elif kind == "DialEnd" and e.get("DialStatus") == "ANSWER" and e.get("DestUniqueid") in callback_dials:
            served.setdefault(callback_dials[e["DestUniqueid"]], ts(e))
    waits = [served[n] - joined[n] for n in numbers if n in served and n in joined]
    lost = [n for n in numbers if n not in served]
    return {"callers": len(numbers), "joined": len(joined), "served": len(numbers) - len(lost),
            "abandon_rate": round(100 * len(lost) / len(numbers), 1),
            "avg_wait": round(statistics.mean(waits), 1) if waits else None,
            "max_wait": round(max(waits), 1) if waits else None}


async def one_run(work: Path, config: Path, profile: str, args, virtual_hold: bool) -> dict:
    base = free_port_base(BENCH_HOTLINES)
    agent_ports = [base + 30 + 10 * i for i in range(AGENTS)]  # SIPp's media takes 4 ports
    inst = HotlineInstance(work / f"home-{profile}", base, profile, config,
                           extra_settings=f"bench_agents = {agent_ports}")
    await inst.start()
    ami = AmiObserver(inst)
    await ami.connect()
    phones = [await AgencyPhone(p, "answer", ring_ms=500, hangup_after_ms=args.talk * 1000, calls=0,
                                timeout=3600).start() for p in agent_ports]
    citizens = await AgencyPhone(base + 6, "answer", ring_ms=1000, calls=0, timeout=3600).start()
    try:
        for i in range(AGENTS):
            await ami.manager.send_action({"Action": "QueueAdd", "Queue": "operator", "Interface": f"PJSIP/bench{i + 1}",
                                           "MemberName": f"bench{i + 1}", "StateInterface": f"PJSIP/bench{i + 1}"},
                                          as_list=False)
        numbers = [f"0913{i:06d}" for i in range(args.callers)]
        script = CallScript(ending="server").pause(1500).keys("0")
        script = script.pause(args.press_after * 1000).keys("1").silence() if virtual_hold else script.silence()
        started = time.monotonic()
        calls = []
        for i, number in enumerate(numbers):
            port = 41000 + 20 * i
            calls.append(asyncio.create_task(run_sipp(script, inst.sip_target, "1022", number, port, port + 10,
                                                      timeout=args.patience + 600)))
            await asyncio.sleep(args.arrival_seconds / args.callers)
        await asyncio.gather(*calls)
        # Kept places are called back after the callers hung up: wait until every one is connected
        # or given up, and the operators are idle.
        deadline = time.monotonic() + args.callers * args.talk + 300
        while time.monotonic() < deadline:
            out = await inst.cli("core show channels count")
            if out.strip().startswith("0 active channels"):
                break
            await asyncio.sleep(2)
        result = figures(ami.events, numbers)
        result["seconds"] = round(time.monotonic() - started)
        return result
    finally:
        for p in phones + [citizens]:
            await p.stop()
        ami.close()
        await inst.stop()


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--callers", type=int, default=40)
    p.add_argument("--arrival-seconds", type=float, default=40, help="callers arrive evenly over this time")
    p.add_argument("--talk", type=int, default=12, help="seconds an operator talks (a 3-minute call, short)")
    p.add_argument("--patience", type=int, default=60, help="seconds a caller waits in the queue before giving up")
    p.add_argument("--press-after", type=int, default=30,
                   help="with virtual hold: seconds after choosing the queue a waiting caller presses the key")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="hlv-", dir="/tmp"))
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    queues = (config / "queues" / "dong_thap.yaml").read_text()
    (config / "queues-bench.yaml").write_text(queues.replace(
        "    topic: general\n", f"    topic: general\n    max_wait_seconds: {max(30, args.patience)}\n"))
    common = ("extends: dong_thap\ncalendar:\n  always_open: true\nqueues: queues-bench.yaml\n"
              "outbound:\n  calling_hours:\n    hours: [[\"00:00\", \"23:59:59\"]]\n")
    (config / "profiles" / "bench_vh_off.yaml").write_text(common + "name: without virtual hold\n")
    (config / "profiles" / "bench_vh_on.yaml").write_text(
        common + "name: with virtual hold\nvirtual_hold:\n  enabled: true\n  offer_after_seconds: 10\n"
        "  max_attempts: 2\n  retry_seconds: 20\n")
    try:
        runs = {}
        for label, profile, vh in (("without virtual hold", "bench_vh_off", False),
                                   ("with virtual hold", "bench_vh_on", True)):
            runs[label] = r = await one_run(work, config, profile, args, vh)
            print(f"{label:22s} callers {r['callers']}  served {r['served']}  abandon {r['abandon_rate']}%  "
                  f"avg wait {r['avg_wait']} s  max wait {r['max_wait']} s  ({r['seconds']} s)", flush=True)
        off, on = runs["without virtual hold"], runs["with virtual hold"]
        print(f"\n{args.callers} callers over {args.arrival_seconds:g} s, {AGENTS} operators, {args.talk} s calls, "
              f"patience {args.patience} s")
        print(f"abandon rate: {off['abandon_rate']}% without, {on['abandon_rate']}% with virtual hold")
        if off["avg_wait"] and on["avg_wait"]:
            print(f"average wait to talk: {off['avg_wait']} s without, {on['avg_wait']} s with "
                  f"(ratio {on['avg_wait'] / off['avg_wait']:.2f}; those served without it are the patient few)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

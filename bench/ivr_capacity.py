"""Benchmark: concurrent SIPp callers through the whole path, FastAGI IVR against a plain-dialplan
baseline, on this machine.

Each call: answer -> MixMonitor recording -> menu (key 2 after 1 s) -> infrastructure queue with
music on hold -> the caller hangs up after --hold seconds. The same Asterisk serves both paths:
1022 goes through our FastAGI IVR, 10229 through the same dialplan with the menu done by
Background/WaitExten (rendered only with bench_baseline). For each path the offered rate steps up
until a step has a failed call (SIPp error, or a call that did not join the queue); the figure
is the highest rate, and the concurrency it held, with zero failures.

    .venv/bin/python bench/ivr_capacity.py [--rates 10,20,...] [--hold 10] [--step-seconds 15]
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
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.sipp import CallScript, run_sipp


async def step(inst: HotlineInstance, ami: AmiObserver, number: str, rate: int, seconds: int, hold: int,
               port: int) -> dict:
    calls = rate * seconds
    first_event = len(ami.events)
    log_offset = (inst.home / "log" / "hotline.log").stat().st_size
    script = CallScript().pause(1000).keys("2").pause(hold * 1000)
    started = time.monotonic()
    stats = Path(tempfile.mkdtemp(prefix="bench-"))
    result = await run_sipp(script, inst.sip_target, number, "0900000000", port, port + 2,
                            timeout=seconds + hold + 60,
                            extra=["-r", str(rate), "-m", str(calls), "-l", str(rate * (hold + 20)),
                                   "-trace_stat", "-stf", str(stats / "stat.csv"), "-fd", "1"])
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)
    events = ami.events[first_event:]
    joined = sum(1 for e in events if e.get("Event") == "QueueCallerJoin" and e.get("Queue") == "infrastructure")
    ready = ready_delays(events)
    peak = 0
    stat_file = stats / "stat.csv"
    if stat_file.exists():
        lines = stat_file.read_text().splitlines()
        if lines:
            header = lines[0].split(";")
            if "CurrentCall" in header:
                col = header.index("CurrentCall")
                peak = max((int(r.split(";")[col]) for r in lines[1:] if r.count(";") > col), default=0)
    shutil.rmtree(stats, ignore_errors=True)
    failed = (not result.ok) or joined != calls
    outcomes = ivr_outcomes(inst, log_offset) if number == "1022" else {}
    left = (await inst.cli("core show channels count")).strip().splitlines()
    return {"rate": rate, "calls": calls, "joined": joined, "sipp_ok": result.ok, "peak": peak, "ready": ready, "outcomes": outcomes,
            "elapsed": round(elapsed, 1), "failed": failed, "channels_after": left[0] if left else "",
            "error": (result.error_log or result.output)[-600:] if failed else ""}


def ready_delays(events: list[dict]) -> list[float]:
    """Per call, seconds from the answer to the IVR's first prompt (Asterisk's own timestamps):
    how long the IVR takes to be ready. Keys pressed before it are kept by the key tap."""
    answered: dict[str, float] = {}
    delays: list[float] = []
    for e in events:
        uid = e.get("Uniqueid", "")
        if e.get("Event") == "Newstate" and e.get("ChannelStateDesc") == "Up" and uid not in answered:
            answered[uid] = float(e.get("Timestamp", 0))
        elif (e.get("Event") == "AGIExecStart" and e.get("Command", "").startswith("STREAM FILE")
              and uid in answered):
            delays.append(float(e.get("Timestamp", 0)) - answered.pop(uid))
    return sorted(delays)


def ivr_outcomes(inst: HotlineInstance, offset: int) -> dict[str, int]:
    """How the IVR ended each call of the step, from the hotline's log (`queue infrastructure
    (choice) path=2` when the caller's key counted)."""
    found: dict[str, int] = {}
    with open(inst.home / "log" / "hotline.log", "rb") as f:
        f.seek(offset)
        for line in f.read().decode(errors="replace").splitlines():
            if "hotline.ivr.server: call " in line:
                what = line.split(": ", 2)[-1]
                found[what] = found.get(what, 0) + 1
    return found


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


async def wait_idle(inst: HotlineInstance, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = await inst.cli("core show channels count")
        if out.strip().startswith("0 active channels"):
            return
        await asyncio.sleep(1)


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rates", default="10,20,30,40,50,60,70,80", help="calls per second, in order")
    p.add_argument("--hold", type=int, default=10, help="seconds each caller stays in the queue")
    p.add_argument("--step-seconds", type=int, default=15, help="seconds of arrivals per step")
    args = p.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = Path(tempfile.mkdtemp(prefix="hlb-", dir="/tmp"))
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "profiles" / "bench.yaml").write_text(
        "extends: dong_thap\nname: benchmark\ncalendar:\n  always_open: true\n")
    inst = HotlineInstance(work / "home", free_port_base(BENCH_HOTLINES), "bench", config,
                           extra_settings="bench_baseline = true")
    await inst.start()
    # Capacity steps count queue joins only (event class `agent`): the observer's own load stays
    # small and the same for both paths. How soon the IVR is ready is measured afterwards, in a
    # step of its own that also receives channel and AGI events.
    ami = AmiObserver(inst, events="agent")
    await ami.connect()
    results: dict[str, list[dict]] = {}
    readiness = None
    try:
        for label, number in (("fastagi_ivr", "1022"), ("baseline_dialplan", "10229")):
            results[label] = []
            for rate in rates:
                await wait_idle(inst)
                r = await step(inst, ami, number, rate, args.step_seconds, args.hold, 48000)
                results[label].append(r)
                print(f"{label:18s} {rate:3d} cps  calls {r['calls']:5d}  joined {r['joined']:5d}  "
                      f"peak concurrent {r['peak']:4d}  {'FAILED' if r['failed'] else 'ok'}", flush=True)
                if r["failed"]:
                    print(f"  IVR outcomes: {r['outcomes']}", flush=True)
                    print(f"  {r['error']}", flush=True)
                    break
        sustained = [r["rate"] for r in results["fastagi_ivr"] if not r["failed"]]
        if sustained:
            ami.close()
            ami = AmiObserver(inst, events="agent,call,agi")
            await ami.connect()
            await wait_idle(inst)
            readiness = await step(inst, ami, "1022", sustained[-1], args.step_seconds, args.hold, 48000)
    finally:
        ami.close()
        await inst.stop()
        shutil.rmtree(work, ignore_errors=True)

    def best(label: str) -> dict | None:
        ok = [r for r in results.get(label, []) if not r["failed"]]
        return ok[-1] if ok else None

    ivr, base = best("fastagi_ivr"), best("baseline_dialplan")
    print()
    print(f"hold {args.hold} s, {args.step_seconds} s of arrivals per step, rates {rates}")
    for label, b in (("FastAGI IVR", ivr), ("baseline (dialplan menu)", base)):
        if b:
            print(f"{label:26s} highest sustained: {b['rate']} calls/s, peak {b['peak']} concurrent "
                  f"recorded calls, 0 failed of {b['calls']}")
        else:
            print(f"{label:26s} failed at the first rate")
    if ivr and base:
        print(f"ratio IVR / baseline calls per second: {ivr['rate'] / base['rate']:.2f}")
    if readiness and readiness["ready"]:
        ready = readiness["ready"]
        print(f"IVR ready after the answer at {readiness['rate']} calls/s ({len(ready)} calls, "
              f"{readiness['joined']} of {readiness['calls']} joined): median {1000 * percentile(ready, 0.5):.0f} ms, "
              f"p95 {1000 * percentile(ready, 0.95):.0f} ms, max {1000 * ready[-1]:.0f} ms (Asterisk's Answer() "
              f"waits up to 500 ms for the caller's audio; keys pressed meanwhile are kept)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Benchmark: a burst of callers choosing one queue (issue #31 item 6), as tried from outside.

The Hồ Chí Minh City line (virtual hold on, so the queue announces the place), no operator free:
--callers SIPp callers arrive at --rate a second, each presses the key of one queue and hangs up
--patience seconds after it. Figures from Asterisk's own records: how many callers entered the
queue (AMI QueueCallerJoin), how many joined out of the order of their keys (AMI DTMFEnd), the
delay from the key to the queue (median, max), and how many were counted abandoned in queue_log
(what the report figures count).

    .venv/bin/python bench/queue_place.py [--callers 40] [--rate 8] [--patience 8]
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

from hotline.cti.queue_log import parse_line
from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.sipp import CallScript, run_sipp

KEY, QUEUE = "1", "infrastructure"  # the City's menu: key 1, technical infrastructure


def figures(events: list[dict], numbers: list[str], queue_log: str) -> dict:
    keyed: dict[str, float] = {}
    joined: dict[str, float] = {}
    order: list[str] = []
    callids: dict[str, str] = {}
    for e in events:
        kind, num = e.get("Event"), e.get("CallerIDNum", "")
        if num not in numbers:
            continue
        if kind == "DTMFEnd" and e.get("Direction") == "Received" and num not in keyed:
            keyed[num] = float(e.get("Timestamp", 0))
        elif kind == "QueueCallerJoin" and num not in joined:
            joined[num] = float(e.get("Timestamp", 0))
            callids[e.get("Uniqueid", "")] = num
            order.append(num)
    by_key = sorted(joined, key=lambda n: keyed.get(n, 0))
    overtaken = sum(1 for a, b in zip(order, by_key) if a != b)
    abandoned = set()
    for line in queue_log.splitlines():
        entry = parse_line(line)
        if entry and entry.event == "ABANDON" and entry.callid in callids:
            abandoned.add(callids[entry.callid])
    delays = [joined[n] - keyed[n] for n in joined if n in keyed]
    return {"callers": len(numbers), "pressed": len(keyed), "joined": len(joined),
            "never_joined": len([n for n in keyed if n not in joined]), "out_of_order": overtaken,
            "abandoned_in_queue_log": len(abandoned),
            "median_key_to_queue": round(statistics.median(delays), 2) if delays else None,
            "max_key_to_queue": round(max(delays), 2) if delays else None}


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--callers", type=int, default=40)
    p.add_argument("--rate", type=float, default=8, help="callers arriving per second")
    p.add_argument("--patience", type=int, default=8, help="seconds after the key a caller hangs up")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="hlq-", dir="/tmp"))
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    inst = HotlineInstance(work / "home", free_port_base(BENCH_HOTLINES), "ho_chi_minh", config)
    try:
        await inst.start()
        ami = AmiObserver(inst)
        await ami.connect()
        numbers = [f"0914{i:06d}" for i in range(args.callers)]
        script = CallScript().pause(1500).keys(KEY).silence().pause(args.patience * 1000)
        started = time.monotonic()
        calls = []
        for i, number in enumerate(numbers):
            port = 42000 + 20 * i
            calls.append(asyncio.create_task(run_sipp(script, inst.sip_target, "1022", number, port, port + 10,
                                                      timeout=args.patience + 120)))
            await asyncio.sleep(1 / args.rate)
        await asyncio.gather(*calls)
        await asyncio.sleep(2)  # the last hang-ups reach the queue log
        log = (inst.home / "asterisk" / "log" / "queue_log").read_text(errors="replace")
        r = figures(ami.events, numbers, log)
        ami.close()
        print(f"{r['callers']} callers at {args.rate:g}/s choosing queue {QUEUE}, hanging up {args.patience} s "
              f"after the key, no operator ({round(time.monotonic() - started)} s)")
        print(f"pressed the key {r['pressed']}  entered the queue {r['joined']}  never entered {r['never_joined']}")
        print(f"joined out of key order {r['out_of_order']}  counted abandoned (queue_log) "
              f"{r['abandoned_in_queue_log']}")
        print(f"key to queue: median {r['median_key_to_queue']} s, max {r['max_key_to_queue']} s")
    finally:
        await inst.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

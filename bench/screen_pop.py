"""Benchmark: screen-pop lead and latency with N operators in headless Chromium.

N operators (JsSIP softphones in one headless Chromium) log in to a real hotline; N SIPp callers
choose a topic, each call rings one operator. For each call it prints:
  lead    = time the pop (call.offered over the WebSocket) reaches the page
            - time the SIP INVITE reaches the page's softphone (goal: p99 <= 0 ms)
  latency = time the pop reaches the page - Asterisk's offer event (the queue's pre-dial
            HotlineOffer, else AgentCalled) (goal: p99 < 50 ms)
Both clocks are this machine's wall clock (the page's performance.timeOrigin + now(), and the AMI
event's Timestamp).

    .venv/bin/python bench/screen_pop.py [--operators 20]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml
from playwright.async_api import async_playwright

from hotline.agent_desktop.accounts import Accounts
from hotline.settings import DEFAULT_CONFIG_DIR, load_settings
from hotline.testing.browser import launch_browser, new_context
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.sipp import CallScript, run_sipp
from hotline.store.db import make_engine, migrate, sessionmaker


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--operators", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3, help="waves of N concurrent calls")
    args = p.parse_args()
    n = args.operators

    work = Path(tempfile.mkdtemp(prefix="hlp-", dir="/tmp"))
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    queues = yaml.safe_load((config / "queues" / "dong_thap.yaml").read_text())
    ops = [f"op{i}" for i in range(1, n + 1)]
    queues["operators"] = [{"id": o, "name": f"Tổng đài viên {o}"} for o in ops]
    for q in queues["queues"]:
        q["members"] = ops
        q["strategy"] = "leastrecent"
    (config / "queues" / "dong_thap.yaml").write_text(yaml.safe_dump(queues, allow_unicode=True))
    (config / "profiles" / "bench.yaml").write_text("extends: dong_thap\nname: b\ncalendar:\n  always_open: true\n")
    inst = HotlineInstance(work / "home", free_port_base(BENCH_HOTLINES), "bench", config)
    engine = make_engine(load_settings(inst.home).db_url)
    await migrate(engine)
    accounts = Accounts(sessionmaker(engine))
    for o in ops:
        await accounts.create_user(o, o, "operator", "bench-password", o)
    await engine.dispose()
    await inst.start()
    ami = AmiObserver(inst)
    await ami.connect()
    leads, latencies = [], []
    try:
        async with async_playwright() as pw:
            browser = await launch_browser(pw)
            pages = []
            for o in ops:
                ctx = await new_context(browser)
                page = await ctx.new_page()
                await page.goto(f"http://127.0.0.1:{inst.port_base + 4}/login")
                await page.fill("#username", o)
                await page.fill("#password", "bench-password")
                await page.click("#login-button")
                pages.append(page)
            for page in pages:
                await page.wait_for_function("document.getElementById('agent-state').textContent === 'Sẵn sàng'",
                                             timeout=60000)
            print(f"{n} operators registered and in their queues", flush=True)
            for round_no in range(args.rounds):
                for page in pages:
                    await page.evaluate("window.hotlinePhone.state.timings = []")
                script = CallScript().pause(2000).keys("2").pause(9000)
                result = await run_sipp(script, inst.sip_target, "1022", f"09100000{round_no:02d}", 49000, 49002,
                                        timeout=120, extra=["-r", "10", "-m", str(n), "-l", str(n)])
                await asyncio.sleep(8)  # wrap-up
                # Asterisk's first word that an operator is about to ring: the pre-dial HotlineOffer
                # event, else AgentCalled.
                called = {}
                for e in ami.events:
                    if e.get("Event") == "AgentCalled" or e.get("UserEvent") == "HotlineOffer":
                        called.setdefault(e["Linkedid"], float(e["Timestamp"]))
                for page in pages:
                    timings = await page.evaluate("window.hotlinePhone.state.timings")
                    pops = [t for t in timings if "popAt" in t]
                    invites = [t for t in timings if "inviteAt" in t]
                    for pop, inv in zip(pops, invites):
                        leads.append(pop["popAt"] - inv["inviteAt"])
                    for pop in pops:
                        if pop.get("linkedid") in called:
                            latencies.append(pop["popAt"] - called[pop["linkedid"]] * 1000)
                print(f"round {round_no + 1}: SIPp {'ok' if result.ok else 'FAILED'}, {len(leads)} pops so far",
                      flush=True)
            await browser.close()
    finally:
        ami.close()
        await inst.stop()
        shutil.rmtree(work, ignore_errors=True)
    if not leads:
        print("no pops measured")
        return 1
    print()
    print(f"{len(leads)} calls, {n} operators ringing at once")
    print(f"pop lead (pop - INVITE at the browser), ms: p50 {statistics.median(leads):.1f}  p99 {pct(leads, .99):.1f}"
          f"  max {max(leads):.1f}   goal p99 <= 0")
    print(f"pop latency (browser - Asterisk offer), ms:    p50 {statistics.median(latencies):.1f}  "
          f"p99 {pct(latencies, .99):.1f}  max {max(latencies):.1f}   goal p99 < 50")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Benchmark: how long an honest log-in waits for the password-hashing pool while wrong passwords
flood in from some addresses (real argon2, the hotline's `Hasher`, default parameters).

--flooders addresses each keep --per-flooder checks in flight; one honest address logs in
--honest times, one at a time, during the flood. The same run is made with the pool as the
hotline uses it (in turn per address, wrong-password addresses last) and as it was before (one
queue of 16 for everyone), and prints the honest log-in's time (p50, max; it includes its own
check, whose time alone is printed first), how many honest log-ins were turned away (429), and
how many flood checks were done or turned away.

    .venv/bin/python bench/login_flood.py [--flooders 5] [--per-flooder 8] [--honest 20] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from hotline.security.passwords import Busy, Hasher


async def run(flooders: int, per_flooder: int, honest: int, workers: int, fair: bool) -> dict:
    hasher = Hasher(workers=workers) if fair else Hasher(workers=workers, max_waiting=16, per_key_waiting=16)
    target = await hasher.hash("mat-khau-dung-1")
    done = asyncio.Event()
    counts = {"busy": 0, "checked": 0}

    async def flood(address: str) -> None:
        while not done.is_set():
            try:
                await hasher.verify(target, "sai-mat-khau", address if fair else "")
                counts["checked"] += 1
            except Busy:
                counts["busy"] += 1
                await asyncio.sleep(0.05)  # a client answered 429 comes back at once

    tasks = [asyncio.ensure_future(flood(f"10.0.0.{a}")) for a in range(flooders) for _ in range(per_flooder)]
    await asyncio.sleep(0.5)  # the flood is under way
    waits, refused = [], 0
    for _ in range(honest):
        start = time.perf_counter()
        try:
            assert await hasher.verify(target, "mat-khau-dung-1", "192.0.2.1" if fair else "")
            waits.append(time.perf_counter() - start)
        except Busy:
            refused += 1
    done.set()
    await asyncio.gather(*tasks)
    hasher.close()
    return {"p50": statistics.median(waits) if waits else float("nan"), "max": max(waits, default=float("nan")),
            "refused": refused, **counts}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flooders", type=int, default=5)
    parser.add_argument("--per-flooder", type=int, default=8)
    parser.add_argument("--honest", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    h = Hasher()
    stored, alone = await h.hash("x"), []
    for _ in range(5):
        start = time.perf_counter()
        await h.verify(stored, "x")
        alone.append(time.perf_counter() - start)
    h.close()
    print(f"one argon2 check alone (no flood): p50 {statistics.median(alone):.3f} s")
    for fair in (True, False):
        r = await run(args.flooders, args.per_flooder, args.honest, args.workers, fair)
        name = "per address, wrong last" if fair else "one queue (before)     "
        print(f"{name}: honest log-in wait p50 {r['p50']:.3f} s, max {r['max']:.3f} s, honest refused "
              f"{r['refused']}/{args.honest}; flood checks done {r['checked']}, turned away {r['busy']}")


if __name__ == "__main__":
    asyncio.run(main())

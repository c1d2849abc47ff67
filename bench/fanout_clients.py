"""Client side of bench/fanout.py: N WebSocket clients in one process; each records, for every
message, its arrival time minus the `ts` the server put in it. Prints one JSON line of results."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime

from websockets.asyncio.client import connect


async def client(url: str, cookie: str | None, seconds: float, latencies: list[float]) -> None:
    headers = {"Cookie": f"hl_session={cookie}"} if cookie else None
    origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]  # the desktop checks the page's origin
    async with connect(url, additional_headers=headers, origin=origin, max_size=2**22) as ws:
        deadline = time.time() + seconds
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return
            try:
                raw = await asyncio.wait_for(ws.recv(), remaining)
            except asyncio.TimeoutError:
                return
            now = time.time()
            msg = json.loads(raw)
            if msg.get("type") in ("hello", "pong"):
                continue
            latencies.append((now - datetime.fromisoformat(msg["ts"]).timestamp()) * 1000)


async def main() -> None:
    url, seconds = sys.argv[1], float(sys.argv[2])
    cookies = sys.argv[3].split(",") if len(sys.argv) > 3 and sys.argv[3] else [None] * int(sys.argv[4])
    latencies: list[float] = []
    await asyncio.gather(*(client(url, c, seconds, latencies) for c in cookies))
    print(json.dumps({"latencies": latencies}))


if __name__ == "__main__":
    asyncio.run(main())

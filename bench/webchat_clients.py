"""The clients of bench/webchat.py, in a process of their own: citizens who chat and operators who
answer every message at once. Prints one JSON line: the latencies (ms) citizen → operator and
operator → citizen, measured on this process's clock (the sending and receiving ends are both
here).

    python bench/webchat_clients.py hotline|bare <base http url> <chats> <seconds> <interval> <cookies,...>
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time

import aiohttp

TOPIC = "infrastructure"


class Run:
    def __init__(self, mode: str, base: str, chats: int, seconds: float, interval: float, cookies: list[str]):
        self.mode, self.base, self.chats, self.seconds, self.interval = mode, base, chats, seconds, interval
        self.ws_base = "ws" + base[4:]
        self.cookies = cookies
        self.to_operator: list[float] = []
        self.to_citizen: list[float] = []
        self.errors: dict[str, int] = {}
        self.start_at = 0.0  # messages are sent from then on, once every chat is open

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    # -- operators ---------------------------------------------------------------------------------
    async def operator(self, http: aiohttp.ClientSession, k: int, ready: asyncio.Event, stop: asyncio.Event):
        if self.mode == "hotline":
            headers = {"Origin": self.base, "Cookie": f"hl_session={self.cookies[k]}"}
            ws = await http.ws_connect(f"{self.ws_base}/ws", headers=headers)
        else:
            headers = {}
            ws = await http.ws_connect(f"{self.ws_base}/op/{k}")
        ready.set()
        replies = set()
        try:
            while not stop.is_set():
                try:
                    msg = await asyncio.wait_for(ws.receive(), 1)
                except asyncio.TimeoutError:
                    continue
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                d = json.loads(msg.data)
                m = (d.get("data") or {}).get("message") if d.get("type") == "conversation.activity" else None
                if not m or m.get("direction") != "in" or not m["body"].startswith("bench "):
                    continue
                _, chat, seq, sent = m["body"].split()
                self.to_operator.append((time.time() - float(sent)) * 1000)
                task = asyncio.create_task(self.reply(http, ws, headers, d["data"]["id"], chat, seq))
                replies.add(task)
                task.add_done_callback(replies.discard)
        finally:
            await asyncio.gather(*replies, return_exceptions=True)
            await ws.close()

    async def reply(self, http, ws, headers, conv_id: int, chat: str, seq: str) -> None:
        text = f"reply {chat} {seq} {time.time()}"
        if self.mode == "bare":
            await ws.send_str(json.dumps({"id": conv_id, "text": text}))
            return
        async with http.post(f"{self.base}/api/conversations/{conv_id}/reply", json={"text": text},
                             headers=headers) as r:
            if r.status != 201:
                self.error(f"reply {r.status}")

    # -- citizens ----------------------------------------------------------------------------------
    async def open_chat(self, http: aiohttp.ClientSession, i: int):
        if self.mode == "bare":
            return await http.ws_connect(f"{self.ws_base}/chat/{i}")
        # Each citizen from an address of its own (the proxy in front says which).
        async with http.post(f"{self.base}/api/chat", json={"topic": TOPIC, "text": f"Trò chuyện {i}"},
                             headers={"X-Forwarded-For": f"10.{i // 250}.{i % 250}.7"}) as r:
            data = await r.json()
            if r.status != 201 or data.get("mode") != "chat":
                raise RuntimeError(f"chat {i}: {r.status} {data}")
        ws = await http.ws_connect(f"{self.ws_base}/ws/chat", headers={"Origin": self.base})
        await ws.send_str(json.dumps({"token": data["token"]}))
        return ws

    async def citizen(self, ws, i: int, stop: asyncio.Event) -> None:
        async def read():
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                d = json.loads(msg.data)
                if d.get("type") == "message" and d.get("body", "").startswith("reply "):
                    self.to_citizen.append((time.time() - float(d["body"].split()[3])) * 1000)
                elif d.get("type") == "slow_down":
                    self.error("slow_down")

        reader = asyncio.create_task(read())
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.start_at - loop.time()) + random.uniform(0, self.interval))
        seq = 0
        while not stop.is_set():
            await ws.send_str(json.dumps({"text": f"bench {i} {seq} {time.time()}"}))
            seq += 1
            await asyncio.sleep(self.interval)
        await asyncio.sleep(2)  # the last answers
        reader.cancel()
        await ws.close()

    async def main(self) -> dict:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            stop = asyncio.Event()
            operators = max(1, len(self.cookies)) if self.mode == "hotline" else 20
            readies = [asyncio.Event() for _ in range(operators)]
            ops = [asyncio.create_task(self.operator(http, k, readies[k], stop)) for k in range(operators)]
            for r in readies:
                await r.wait()
            sockets = []
            for i in range(self.chats):  # opened one after another, as citizens arrive
                sockets.append(await self.open_chat(http, i))
            loop = asyncio.get_running_loop()
            self.start_at = loop.time() + 1
            chats = [asyncio.create_task(self.citizen(ws, i, stop)) for i, ws in enumerate(sockets)]
            await asyncio.sleep(1 + self.seconds)
            stop.set()
            await asyncio.gather(*chats)
            await asyncio.gather(*ops)
        return {"to_operator": self.to_operator, "to_citizen": self.to_citizen, "errors": self.errors}


if __name__ == "__main__":
    mode, base, chats, seconds, interval, cookies = sys.argv[1:7]
    run = Run(mode, base, int(chats), float(seconds), float(interval), [c for c in cookies.split(",") if c])
    print(json.dumps(asyncio.run(run.main())))

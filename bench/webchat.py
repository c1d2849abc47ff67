"""Benchmark: 200 concurrent web chats through the desktop server, beside a durable relay and a
bare `websockets` relay of the same messages in the same run, on SQLite and on PostgreSQL.

The hotline side is the real application (`hotline.app.build`: the desktop server with its
sessions, role checks, middlewares, the web chat and the conversations on the engine's database),
without Asterisk: 20 operators are made available in the CTI model as the AMI bridge would, each
logged in on a desktop socket. Each of --chats citizens opens a chat (`POST /api/chat`, from an
address of its own behind a trusted proxy; the chats go to the operators, evenly) and sends a
message every --interval seconds over its socket; the operator's desktop gets it pushed
(`conversation.activity`) and answers at once (`POST /api/conversations/{id}/reply`), which the
citizen's socket receives. The durable relay routes the same messages between the same clients over
`websockets` and writes each one to the same database first (one transaction per message, through
the project's own engine set-up), as any relay that loses nothing must; the bare relay keeps
nothing. The clients run in a process of their own and time each message from send to arrival,
both ways. Goals: the hotline's p99 within 2x of the durable relay's, and under 50 ms.

    .venv/bin/python bench/webchat.py [--chats 200] [--seconds 30] [--interval 4] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from aiohttp import web
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert
from websockets.asyncio.server import serve

from hotline.app import build, prepare
from hotline.settings import DEFAULT_CONFIG_DIR, load_settings
from hotline.store.db import make_engine
from hotline.testing.ports import BENCH_HOTLINES, free_port_base
from hotline.testing.postgres import TempPostgres

CLIENTS = Path(__file__).with_name("webchat_clients.py")
OPERATORS = 20


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def run_clients(mode: str, base: str, args, cookies: list[str]) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(CLIENTS), mode, base, str(args.chats), str(args.seconds), str(args.interval),
        ",".join(cookies), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} clients failed ({proc.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def hotline_run(args, port: int, work: Path, db_url: str | None) -> dict:
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, dirs_exist_ok=True)
    per_operator = -(-args.chats // OPERATORS)
    (config / "profiles" / "bench_chat.yaml").write_text(
        "extends: dong_thap\nname: Đồng Tháp (benchmark, always open)\ncalendar:\n  always_open: true\n"
        f"conversations:\n  max_per_operator: {per_operator}\n")
    home = work / "home"
    home.mkdir()
    (home / "hotline.toml").write_text(
        f'profile = "bench_chat"\nconfig_dir = "{config}"\n' + (f'database_url = "{db_url}"\n' if db_url else "")
        + f'[ports]\nbase = {port}\n[security]\ntrusted_proxies = ["127.0.0.1"]\n')
    settings = load_settings(home)
    prepared = await prepare(settings)
    h = build(settings, prepared, with_ivr=False)
    cookies = []
    for i in range(1, OPERATORS + 1):  # logged in, in the queues, not paused: available
        await h.accounts.create_user(f"dtv{i}", f"Điện thoại viên {i}", "operator", "bench-password-1022",
                                     operator_id=f"op{i}")
        principal = (await h.accounts.authenticate(f"dtv{i}", "bench-password-1022")).principal
        cookies.append(await h.accounts.open_session(principal))
        h.cti.model.apply({"Event": "QueueMemberAdded", "Queue": "infrastructure", "MemberName": f"op{i}",
                           "Interface": f"PJSIP/op{i}", "Status": "1", "Paused": "0"})
    h.hub.start()
    runner = web.AppRunner(h.desktop.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.ports.web).start()
    try:
        return await run_clients("hotline", f"http://127.0.0.1:{settings.ports.web}", args, cookies)
    finally:
        await h.hub.stop()
        await runner.cleanup()
        h.hasher.close()
        await prepared.close()


RELAYED = Table("bench_relayed", MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
                Column("chat", Integer, nullable=False), Column("direction", String(3), nullable=False),
                Column("body", String, nullable=False), Column("at", DateTime(timezone=True), nullable=False,
                                                              server_default=func.now()))


async def relay_run(args, port: int, db_url: str | None = None) -> dict:
    """The same messages relayed by `websockets`: a citizen's to her chat's operator, the
    operator's answer back to the citizen. With `db_url` (durable), each message is written to
    that database in a transaction of its own before it is passed on."""
    operators: dict[int, object] = {}
    citizens: dict[int, object] = {}
    engine = make_engine(db_url) if db_url else None
    if engine is not None:
        async with engine.begin() as c:
            await c.run_sync(RELAYED.metadata.create_all)

    async def keep(chat: int, direction: str, body: str) -> None:
        if engine is not None:
            async with engine.begin() as c:
                await c.execute(insert(RELAYED).values(chat=chat, direction=direction, body=body))

    async def handler(ws):
        kind, n = ws.request.path.strip("/").split("/")
        n = int(n)
        (operators if kind == "op" else citizens)[n] = ws
        async for raw in ws:
            d = json.loads(raw)
            if kind == "chat":
                await keep(n, "in", d["text"])
                op = operators.get(n % OPERATORS)
                if op is not None:
                    await op.send(json.dumps({"type": "conversation.activity", "data": {
                        "id": n, "status": "open", "message": {"direction": "in", "body": d["text"]}}}))
            else:
                await keep(d["id"], "out", d["text"])
                citizen = citizens.get(d["id"])
                if citizen is not None:
                    await citizen.send(json.dumps({"type": "message", "direction": "out", "body": d["text"]}))

    try:
        async with serve(handler, "127.0.0.1", port, max_queue=None):
            return await run_clients("bare", f"http://127.0.0.1:{port}", args, [])
    finally:
        if engine is not None:
            await engine.dispose()


def line(label: str, lat: list[float]) -> str:
    if not lat:
        return f"  {label:22s} no messages"
    return (f"  {label:22s} {len(lat):6d} messages  p50 {statistics.median(lat):7.2f} ms  "
            f"p99 {pct(lat, .99):7.2f} ms  max {max(lat):7.2f} ms")


def report(label: str, r: dict) -> None:
    print(label + (f"  (errors: {r['errors']})" if r["errors"] else ""))
    print(line("citizen → operator", r["to_operator"]))
    print(line("operator → citizen", r["to_citizen"]))


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chats", type=int, default=200)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--interval", type=float, default=4.0, help="seconds between a citizen's messages")
    p.add_argument("--engines", default="sqlite,postgresql")
    args = p.parse_args()
    port = free_port_base(BENCH_HOTLINES)
    print(f"{args.chats} chats, {OPERATORS} operators, a message every {args.interval:g} s per chat "
          f"(~{args.chats / args.interval:.0f}/s each way), {args.seconds:.0f} s", flush=True)
    for engine in args.engines.split(","):
        work = Path(tempfile.mkdtemp(prefix="hlwc-"))
        pg = TempPostgres().start() if engine == "postgresql" else None
        try:
            db_url = await pg.create_database("webchat") if pg else None
            hotline = await hotline_run(args, port, work, db_url)
            durable = await relay_run(args, port + 20, db_url or f"sqlite+aiosqlite:///{work / 'home' / 'hotline.db'}")
        finally:
            if pg:
                pg.stop()
            shutil.rmtree(work, ignore_errors=True)
        print(f"== {engine}")
        report("desktop server", hotline)
        report(f"durable relay ({engine}, same database)", durable)
        for key, label in (("to_operator", "citizen → operator"), ("to_citizen", "operator → citizen")):
            if hotline[key] and durable[key]:
                print(f"ratio p99 {label}: {pct(hotline[key], .99) / pct(durable[key], .99):.2f} against the "
                      f"durable relay (goal <= 2); p99 {pct(hotline[key], .99):.1f} ms (goal < 50)", flush=True)
    report("bare websockets relay (keeps nothing)", await relay_run(args, port + 20))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

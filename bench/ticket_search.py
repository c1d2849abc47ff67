"""Benchmark: the staff's ticket search (`Scans.search`: code, content and scanned letters' text,
diacritics aside) on SQLite and PostgreSQL, with N tickets (default 100,000, as bench/tickets_1m.py makes them)
and one scanned letter's recognised text on every 20th. Each query is run 5 times after a warm
run; printed: the median and the slowest, per query; on SQLite beside the same search without
the index of migration 0040 (LIKE over every ticket's folded text, as it was), in the same run
(on PostgreSQL that scan folds each row with translate(): 17.8 s for a search that finds nothing
over 100,000 tickets, too long to repeat here; see docs/operations.md).

    .venv/bin/python bench/ticket_search.py [--tickets 100000] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tickets_1m import load_postgres, load_sqlite, rows, setup_agencies  # noqa: E402

from hotline.folding import SQL_FROM, SQL_TO, search_form  # noqa: E402
from hotline.testing.postgres import TempPostgres  # noqa: E402
from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.testing.letters import LETTER  # noqa: E402
from hotline.ticketing.attachments import Attachments  # noqa: E402
from hotline.store.tickets import Attachment, Ticket  # noqa: E402
from hotline.ticketing.scans import Scans, settled, Recognised, words  # noqa: E402
from sqlalchemy import exists, func, or_, select  # noqa: E402

QUERIES = ["cong van so 12", "duong nguyen hue sut lun", "den duong", "khong co tu nay"]


def add_scans(path: Path, every: int) -> int:
    con = sqlite3.connect(path)
    con.create_function("hotline_fold", 1, search_form, deterministic=True)  # the search index's triggers
    ids = [r[0] for r in con.execute("SELECT id FROM tickets ORDER BY id")][::every]
    v = settled(Recognised("\n".join(LETTER) + "\n" + "Nội dung thư của người dân. " * 40))
    con.executemany("INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, path, uploaded_by, "
                    "public, uploaded_at, scan, text_status, text, text_folded) VALUES "
                    "(?, 'thu.png', 'image/png', 1, '', 'x.png', 'op1', 0, '2026-12-01 00:00:00', 1, 'done', ?, ?)",
                    [(i, v["text"], v["text_folded"]) for i in ids])
    con.commit()
    con.close()
    return len(ids)


async def add_scans_postgres(pg: TempPostgres, database: str, every: int) -> int:
    import asyncpg

    v = settled(Recognised("\n".join(LETTER) + "\n" + "Nội dung thư của người dân. " * 40))
    conn = await asyncpg.connect(host="127.0.0.1", port=pg.port, user=pg.USER, database=database)
    try:
        ids = [r[0] for r in await conn.fetch("SELECT id FROM tickets ORDER BY id")][::every]
        await conn.executemany(
            "INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, path, uploaded_by, public, "
            "uploaded_at, scan, text_status, text, text_folded) VALUES ($1, 'thu.png', 'image/png', 1, '', 'x.png', "
            "'op1', false, now(), true, 'done', $2, $3)", [(i, v["text"], v["text_folded"]) for i in ids])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return len(ids)


async def full_scan(sessions, q: str) -> list[int]:
    """The baseline: every term LIKE'd over each ticket's folded text and letters (no index), as
    the search did before migration 0040."""
    conds = []
    async with sessions() as s:
        sqlite = s.bind.dialect.name == "sqlite"
    for t in words(q):
        like = f"%{t}%"
        content = (func.hotline_fold(Ticket.content) if sqlite
                   else func.translate(func.lower(Ticket.content), SQL_FROM, SQL_TO))
        conds.append(or_(func.lower(Ticket.code).like(like), content.like(like),
                         exists().where(Attachment.ticket_id == Ticket.id, Attachment.scan.is_(True),
                                        Attachment.text_folded.like(like))))
    async with sessions() as s:
        return list(await s.scalars(select(Ticket.id).where(Ticket.draft.is_(False), *conds)
                                    .order_by(Ticket.id.desc()).limit(30)))


async def timed(run, repeat: int = 5) -> tuple[float, float]:
    await run()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000


async def measure(name: str, url: str, load, tmp: Path) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
        sessions = sessionmaker(engine)
        agencies = await setup_agencies(sessions)
        scans_n = await load(rows(ARGS.tickets, 0, agencies))
        scans = Scans(sessions, Attachments(sessions, tmp))
        print(f"{name}, {ARGS.tickets:,} tickets, {scans_n:,} scanned letters")
        for q in QUERIES:
            hits = await scans.search(q, "supervisor", ["supervisor"])
            median, worst = await timed(lambda: scans.search(q, "supervisor", ["supervisor"]))
            line = f"  {q!r:28} {len(hits):3} hits  search median {median:7.1f} ms  max {worst:7.1f} ms"
            if name == "SQLite":
                assert [h["id"] for h in hits] == await full_scan(sessions, q), q  # the same answer
                base_median, base_worst = await timed(lambda: full_scan(sessions, q), repeat=3)
                line += (f"  |  without the index median {base_median:7.1f} ms  max {base_worst:7.1f} ms  "
                         f"(index {base_median / median:.2f}x faster)")
            print(line, flush=True)
    finally:
        await engine.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engines = ARGS.engines.split(",")
        if "sqlite" in engines:
            path = Path(tmp) / "search.db"

            async def load_lite(data) -> int:
                load_sqlite(path, data)
                return add_scans(path, 20)

            await measure("SQLite", f"sqlite+aiosqlite:///{path}", load_lite, Path(tmp))
        if "postgresql" in engines:
            pg = TempPostgres().start()
            try:
                url = await pg.create_database("search")

                async def load_pg(data) -> int:
                    await load_postgres(pg, "search", data)
                    return await add_scans_postgres(pg, "search", 20)

                await measure("PostgreSQL", url, load_pg, Path(tmp))
            finally:
                pg.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ARGS = ap.parse_args()
    asyncio.run(main())

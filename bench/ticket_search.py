"""Benchmark: the staff's ticket search (`Scans.search`: code, content and scanned letters' text,
diacritics aside) on SQLite, with N tickets (default 100,000, as bench/tickets_1m.py makes them)
and one scanned letter's recognised text on every 20th. Each query is run 5 times after a warm
run; printed: the median and the slowest, per query, beside the same search without the indexes
of migration 0040 (LIKE over every ticket's folded text, as it was), in the same run.

    .venv/bin/python bench/ticket_search.py [--tickets 100000]
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

from tickets_1m import load_sqlite, rows, setup_agencies  # noqa: E402

from hotline.folding import search_form  # noqa: E402
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


async def full_scan(sessions, q: str) -> list[int]:
    """The baseline: every term LIKE'd over each ticket's folded text and letters (no index)."""
    conds = []
    for t in words(q):
        like = f"%{t}%"
        conds.append(or_(func.lower(Ticket.code).like(like), func.hotline_fold(Ticket.content).like(like),
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


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.db"
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        sessions = sessionmaker(engine)
        agencies = await setup_agencies(sessions)
        load_sqlite(path, rows(args.tickets, 0, agencies))
        scans_n = add_scans(path, 20)
        scans = Scans(sessions, Attachments(sessions, Path(tmp)))
        print(f"SQLite, {args.tickets:,} tickets, {scans_n:,} scanned letters")
        for q in QUERIES:
            hits = await scans.search(q, "supervisor", ["supervisor"])
            assert [h["id"] for h in hits] == await full_scan(sessions, q), q  # the same answer
            median, worst = await timed(lambda: scans.search(q, "supervisor", ["supervisor"]))
            base_median, base_worst = await timed(lambda: full_scan(sessions, q), repeat=3)
            print(f"  {q!r:28} {len(hits):3} hits  indexed median {median:7.1f} ms  max {worst:7.1f} ms  |  "
                  f"full scan median {base_median:7.1f} ms  max {base_worst:7.1f} ms  (indexed {base_median / median:.2f}x faster)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

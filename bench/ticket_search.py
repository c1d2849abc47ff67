"""Benchmark: the staff's ticket search (`Scans.search`: code, content and scanned letters' text,
diacritics aside) on SQLite, with N tickets (default 100,000, as bench/tickets_1m.py makes them)
and one scanned letter's recognised text on every 20th. Each query is run 5 times after a warm
run; printed: the median and the slowest, per query. LIKE over folded text reads every row: this
says how long that takes at a province's size.

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

from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.testing.letters import LETTER  # noqa: E402
from hotline.ticketing.attachments import Attachments  # noqa: E402
from hotline.ticketing.scans import Scans, settled, Recognised  # noqa: E402

QUERIES = ["cong van so 12", "duong nguyen hue sut lun", "den duong", "khong co tu nay"]


def add_scans(path: Path, every: int) -> int:
    con = sqlite3.connect(path)
    ids = [r[0] for r in con.execute("SELECT id FROM tickets ORDER BY id")][::every]
    v = settled(Recognised("\n".join(LETTER) + "\n" + "Nội dung thư của người dân. " * 40))
    con.executemany("INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, path, uploaded_by, "
                    "public, uploaded_at, scan, text_status, text, text_folded) VALUES "
                    "(?, 'thu.png', 'image/png', 1, '', 'x.png', 'op1', 0, '2026-12-01 00:00:00', 1, 'done', ?, ?)",
                    [(i, v["text"], v["text_folded"]) for i in ids])
    con.commit()
    con.close()
    return len(ids)


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
            hits = await scans.search(q, "supervisor", ["supervisor"])  # warm
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                await scans.search(q, "supervisor", ["supervisor"])
                times.append(time.perf_counter() - t0)
            print(f"  {q!r:32} {len(hits):3} hits  median {statistics.median(times) * 1000:7.1f} ms  "
                  f"max {max(times) * 1000:7.1f} ms")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

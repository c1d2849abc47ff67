"""Benchmark: the store with a million tickets, SQLite and PostgreSQL side by side.

Each backend gets a fresh, migrated database filled with N tickets (default 1,000,000) over two
years: most closed or answered, a few thousand with an agency, some of them due now. Measured:
  - the deadline scan (`TicketHandling.scan`: finding what is due and moving it, with its
    history lines and SMS), with `--due` tickets due (default 100) — goal < 1 s;
  - the monthly report (`ticket_report` for the last full month, ~40,000 tickets) — goal < 2 s;
  - a ticket look-up by code (as the IVR does), 2,000 random codes — goal p99 < 5 ms.
PostgreSQL is a throwaway cluster from Debian's packages (fsync off: load speed, not durability,
is not what is measured; queries read from memory on both backends once warm).

    .venv/bin/python bench/tickets_1m.py [--tickets 1000000] [--due 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.agencies.directory import AgencyDirectory  # noqa: E402
from hotline.folding import search_form  # noqa: E402
from hotline.agencies.schemas import AgencyIn  # noqa: E402
from hotline.app import load_checked_profile  # noqa: E402
from hotline.reports.figures import ticket_report  # noqa: E402
from hotline.reports.periods import period  # noqa: E402
from hotline.settings import Settings  # noqa: E402
from hotline.testing.postgres import TempPostgres  # noqa: E402
from hotline.ticketing.codes import luhn_check_digit  # noqa: E402
from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.ticketing.handling import TicketHandling  # noqa: E402
from hotline.ticketing.store import TicketStore  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
COLUMNS = ("code", "status", "handling_stage", "topic", "channel", "caller_phone", "reporter_name", "content",
           "address", "confidential", "draft", "state_secret", "late", "version", "counts", "agency_id",
           "answer_level", "rating", "due_at", "transferred_at", "answered_at", "published_at", "stage_entered_at",
           "created_at", "updated_at")
TOPICS = ["administrative_procedures", "infrastructure", "socio_economic", "investment", "general"]
CHANNELS = ["phone"] * 6 + ["web", "email", "zalo", "facebook", "app", "portal", "paper"]


def rows(n: int, due: int, agencies: list[int], seed: int = 7):
    """Tickets as tuples in COLUMNS order; the last `due` are past their focal point's deadline."""
    rnd = random.Random(seed)
    bodies = rnd.sample(range(1_000_000, 9_999_999), n)
    span = 730 * 86400
    for i, body in enumerate(bodies):
        code = f"{body}{luhn_check_digit(str(body))}"
        created = NOW - timedelta(seconds=rnd.randrange(span))
        r = rnd.random()
        agency = answered = due_at = transferred = published = level = rating = None
        if i >= n - due:
            status, stage, agency = "in_progress", "focal_point", rnd.choice(agencies)
            created = NOW - timedelta(days=3)
            transferred, due_at = created, NOW - timedelta(minutes=5)
        elif created > NOW - timedelta(days=20) and r < 0.15:
            status, stage, agency = "in_progress", rnd.choice(["focal_point", "head"]), rnd.choice(agencies)
            transferred, due_at = created, NOW + timedelta(days=rnd.randrange(1, 10))
        elif r < 0.02:
            status, stage = "overdue", "overdue"
            agency, transferred = rnd.choice(agencies), created
        elif r < 0.05:
            status, stage = "rejected", "rejected"
        else:
            status, stage = "closed", "closed"
            level = 1 if r < 0.6 else 2
            agency = rnd.choice(agencies) if level == 2 else None
            transferred = created if level == 2 else None
            answered = published = created + timedelta(hours=rnd.randrange(1, 60))
            rating = rnd.choice([None, None, 5, 4, 4, 3, 2, 1])
        yield (code, status, stage, rnd.choice(TOPICS), rnd.choice(CHANNELS), f"09{rnd.randrange(10**8):08d}",
               "Nguyễn Văn A", "Phản ánh về đèn đường hỏng trước nhà số 12, đề nghị kiểm tra và sửa chữa",
               "Phường 1", False, False, False, status == "overdue", 0, "{}", agency, level, rating, due_at,
               transferred, answered, published, created, created, created)


async def setup_agencies(sessions) -> list[int]:
    directory = AgencyDirectory(sessions)
    ids = []
    for k in range(20):
        agency, _ = await directory.save(AgencyIn(
            name=f"Cơ quan số {k + 1}", level="province", phone=f"0277385{k:04d}", fields=["infrastructure"],
            contacts=[{"role": "focal_point", "name": "Cán bộ đầu mối", "phone": f"0911{k:06d}"},
                      {"role": "head", "name": "Thủ trưởng", "phone": f"0912{k:06d}"}]))
        ids.append(agency.id)
    return ids


def load_sqlite(path: Path, data) -> None:
    con = sqlite3.connect(path)
    con.create_function("hotline_fold", 1, search_form, deterministic=True)  # the search index's triggers
    marks = ",".join("?" * len(COLUMNS))
    iso = (lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v)
    batch = []
    for row in data:
        batch.append(tuple(iso(v) for v in row))
        if len(batch) == 50_000:
            con.executemany(f"INSERT INTO tickets ({','.join(COLUMNS)}) VALUES ({marks})", batch)
            batch.clear()
    if batch:
        con.executemany(f"INSERT INTO tickets ({','.join(COLUMNS)}) VALUES ({marks})", batch)
    con.commit()
    con.execute("ANALYZE")
    con.close()


async def load_postgres(pg: TempPostgres, database: str, data) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=pg.port, user=pg.USER, database=database)
    try:
        batch = []
        for row in data:
            batch.append(row)
            if len(batch) == 50_000:
                await conn.copy_records_to_table("tickets", records=batch, columns=COLUMNS)
                batch.clear()
        if batch:
            await conn.copy_records_to_table("tickets", records=batch, columns=COLUMNS)
        await conn.execute("ANALYZE tickets")
    finally:
        await conn.close()


async def measure(name: str, url: str, loader, n: int, due: int, home: Path) -> dict:
    engine = make_engine(url)
    await migrate(engine)
    sessions = sessionmaker(engine)
    agencies = await setup_agencies(sessions)
    t0 = time.perf_counter()
    await loader(rows(n, due, agencies))
    load_s = time.perf_counter() - t0
    settings = Settings(home=home)
    profile = load_checked_profile(settings)
    handling = TicketHandling.of(settings, sessions, profile)
    store = TicketStore(sessions)
    topics = {q.topic: q.name for q in profile.queues.queues if q.topic}
    month = period("month", date(2026, 10, 1), "Asia/Ho_Chi_Minh")
    await ticket_report(sessions, month, topics)  # warm
    t0 = time.perf_counter()
    report = await ticket_report(sessions, month, topics)
    report_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    moved = await handling.deadlines.scan(NOW)
    scan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert await handling.deadlines.scan(NOW) == []
    idle_scan_s = time.perf_counter() - t0
    codes = [r[0] for r in rows(n, due, agencies)][:: max(1, n // 2000)]
    random.Random(1).shuffle(codes)
    times = []
    for code in codes:
        t0 = time.perf_counter()
        assert await store.status_by_code(code) is not None
        times.append(time.perf_counter() - t0)
    await engine.dispose()
    times.sort()
    return {"backend": name, "load_s": load_s, "scan_s": scan_s, "moved": len(moved), "idle_scan_s": idle_scan_s,
            "report_s": report_s, "month_tickets": report["totals"]["received"],
            "lookup_p50_ms": statistics.median(times) * 1000, "lookup_p99_ms": times[int(len(times) * 0.99)] * 1000}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--due", type=int, default=100)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tickets-"))
    results = []
    db = tmp / "tickets.db"
    results.append(await measure("SQLite", f"sqlite+aiosqlite:///{db}",
                                 lambda data: asyncio.to_thread(load_sqlite, db, data), args.tickets, args.due, tmp))
    pg = TempPostgres().start()
    try:
        url = await pg.create_database("bench")
        results.append(await measure("PostgreSQL", url, lambda data: load_postgres(pg, "bench", data),
                                     args.tickets, args.due, tmp))
    finally:
        pg.stop()
    print(f"{args.tickets:,} tickets; {args.due} due at the scan; goals: scan < 1 s, monthly report < 2 s, "
          "look-up p99 < 5 ms")
    print(f"{'backend':<11} {'load s':>7} {'scan s':>7} {'moved':>6} {'idle scan s':>11} {'month report s':>14} "
          f"{'month tickets':>13} {'lookup p50 ms':>13} {'p99 ms':>7}")
    for r in results:
        print(f"{r['backend']:<11} {r['load_s']:7.1f} {r['scan_s']:7.3f} {r['moved']:6d} {r['idle_scan_s']:11.4f} "
              f"{r['report_s']:14.3f} {r['month_tickets']:13,d} {r['lookup_p50_ms']:13.3f} {r['lookup_p99_ms']:7.3f}")


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark: the event loop's lag while hostile e-mails and office-file imports are processed (#29).

One process, as the hotline runs: a ticker on the event loop asks to wake every 10 ms and records
how late it woke (the lag every call, CTI event and desktop request would see). Two runs on fresh,
migrated SQLite databases:

- quiet: the ticker, and 10 normal citizens' e-mails kept through the mailbox reader's path;
- hostile: the same, and at once 100 hostile e-mails (1 MiB of whitespace, a 300 KiB line of `<`
  as HTML, 20,000 MIME parts, 1,200 nested multiparts, a From whose encoded word decodes to CR/LF,
  a sender's name of 300 characters with a NUL in the body; in turn) through the same path
  (`MailboxReader._one`: parsed in the worker pool, kept or quarantined) and 20 knowledge-base
  imports (`ArticleImport.run`: 10 XLSX of 2,000 rows, 10 XLSX zip bombs of 64 MiB of zeros).

and, for comparison, the hostile run again with the same (linear-time) parsing done on the event
loop itself instead of the worker pool (`--no-inline` skips it).

Printed: p50, p99 and max lag of each run, the p99 ratio (goal: within 2x), how many e-mails
became conversations or were quarantined, how many imports were refused, and the wall time.

    .venv/bin/python bench/untrusted_input.py [--hostile 100] [--imports 20] [--quiet-seconds 40] [--no-inline]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hotline.conversations.imap import MailboxReader  # noqa: E402
from hotline.conversations.service import Conversations  # noqa: E402
from hotline.knowledge.articles import Editor, KnowledgeBase  # noqa: E402
from hotline.knowledge.importer import ArticleImport  # noqa: E402
from hotline.settings import Imap  # noqa: E402
from hotline.spreadsheets import UnreadableFile  # noqa: E402
from hotline.store.conversations import Conversation, MailQuarantine  # noqa: E402
from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.ticketing.attachments import Attachments  # noqa: E402
from hotline.ticketing.store import TicketStore  # noqa: E402
from hotline.untrusted import MIB, Sandbox  # noqa: E402

HOTLINE = "tongdai1022@dongthap.gov.vn"


def raw(n: int, sender: str, subject: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    return (f"From: {sender}\r\nTo: {HOTLINE}\r\nSubject: {subject}\r\nMessage-ID: <b{n}@example.vn>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n").encode() + body + b"\r\n"


def hostile(n: int) -> bytes:
    who = f"<h{n}@example.vn>"
    kind = n % 6
    if kind == 0:
        return raw(n, who, "spaces", b" " * MIB)
    if kind == 1:
        return raw(n, who, "angles", b"<" * (300 * 1024), "text/html")
    if kind == 2:
        parts = b"".join(b"--P\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(20000))
        return raw(n, who, "parts", parts + b"--P--", "multipart/mixed; boundary=P")
    if kind == 3:
        depth = 1200
        body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
                        for i in range(1, depth))
        body += b"--b%d\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b%d--\r\n" % (depth - 1, depth - 1)
        body += b"".join(b"--b%d--\r\n" % i for i in range(depth - 2, -1, -1))
        return raw(n, who, "nested", body, "multipart/mixed; boundary=b0")
    if kind == 4:
        return raw(n, f"=?utf-8?q?Evil=0D=0ABcc=3A_x=40example=2Evn?= {who}", "crlf", b"text")
    return raw(n, f"=?utf-8?q?{'A' * 300}?= {who}", "long name", b"C\x00o NUL")


def normal(n: int) -> bytes:
    return raw(10_000 + n, f"Nguyen Van {n} <dan{n}@example.vn>", f"Phan anh {n}",
               "Đèn đường trước nhà số 12 hỏng.".encode())


def sheet(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["question", "answer", "field"])
    for i in range(rows):
        ws.append([f"Câu hỏi số {i} về thủ tục cấp giấy phép xây dựng?", "Nộp hồ sơ tại Bộ phận một cửa. " * 5,
                   "xay_dung"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(64):
                f.write(bytes(MIB))
    return out.getvalue()


async def ticker(stop: asyncio.Event, lags: list[float], period: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + period
        await asyncio.sleep(period)
        lags.append(max(0.0, loop.time() - due))


class InLoop:
    """The pool's interface, running each job on the event loop (what the worker pool avoids)."""

    async def run(self, fn, *args, seconds=None):
        return fn(*args)


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else 0.0


async def one_run(folder: Path, name: str, mails: list[bytes], imports: list[tuple[str, bytes]],
                  sandbox: Sandbox, linger: float = 0) -> dict:
    engine = make_engine(f"sqlite+aiosqlite:///{folder / name}.db")
    await migrate(engine)
    sessions = sessionmaker(engine)
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, folder / f"{name}-files"),
                                  HOTLINE)
    reader = MailboxReader(Imap(host="127.0.0.1", username="bench"), conversations, sandbox=sandbox)
    importer = ArticleImport(KnowledgeBase(sessions, {"xay_dung": "Xây dựng"}), sandbox=sandbox)
    editor = Editor("bench", "supervisor")
    refused_imports = 0

    async def read_mail() -> None:
        for n, message in enumerate(mails):
            await reader._one(str(n).encode(), message)

    async def import_all() -> None:
        nonlocal refused_imports
        for filename, data in imports:
            try:
                await importer.run(editor, data, filename)
            except UnreadableFile:
                refused_imports += 1

    lags: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop, lags))
    started = time.monotonic()
    await asyncio.gather(read_mail(), import_all())
    await asyncio.sleep(linger)  # the quiet run: as long as the hostile one, for a like sample
    wall = time.monotonic() - started
    stop.set()
    await tick
    async with sessions() as s:
        kept = await s.scalar(select(func.count(Conversation.id)))
        quarantined = await s.scalar(select(func.count(MailQuarantine.id)).where(
            MailQuarantine.quarantined_at.is_not(None)))
    await engine.dispose()
    return {"p50": pct(lags, 50), "p99": pct(lags, 99), "max": max(lags), "ticks": len(lags), "wall": wall,
            "kept": kept, "quarantined": quarantined, "refused_imports": refused_imports}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostile", type=int, default=100)
    parser.add_argument("--imports", type=int, default=20)
    parser.add_argument("--quiet-seconds", type=float, default=40, help="length of the quiet run")
    parser.add_argument("--no-inline", action="store_true", help="skip the run parsing on the event loop")
    args = parser.parse_args()
    print("preparing inputs…", flush=True)
    normals = [normal(n) for n in range(10)]
    hostiles = [hostile(n) for n in range(args.hostile)]
    good, bad = sheet(200), bomb()
    imports = [(f"bai-{i}.xlsx", good if i % 2 == 0 else bad) for i in range(args.imports)]
    print(f"  {args.hostile} hostile e-mails, {sum(map(len, hostiles)) // MIB} MiB in all; imports: "
          f"{len(good) // 1024} KiB workbook of 200 rows, {len(bad) // 1024} KiB zip bomb of 64 MiB", flush=True)
    sandbox = Sandbox()
    try:
        await sandbox.run(len, b"warm")  # the workers start before either run is measured
        with tempfile.TemporaryDirectory(prefix="hl-bench-untrusted-") as tmp:
            quiet = await one_run(Path(tmp), "quiet", normals, [], sandbox, linger=args.quiet_seconds)
            loud = await one_run(Path(tmp), "hostile", normals + hostiles, imports, sandbox)
            inline = None if args.no_inline else await one_run(Path(tmp), "inline", normals + hostiles, imports,
                                                                InLoop())
    finally:
        sandbox.close()
    print(f"\n{'run':<10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'ticks':>8}{'wall s':>8}{'kept':>6}"
          f"{'quarantined':>13}{'imports refused':>17}")
    for name, r in (("quiet", quiet), ("hostile", loud), ("on loop", inline)):
        if r is None:
            continue
        print(f"{name:<10}{r['p50'] * 1000:>9.1f}{r['p99'] * 1000:>9.1f}{r['max'] * 1000:>9.1f}{r['ticks']:>8}"
              f"{r['wall']:>8.1f}{r['kept']:>6}{r['quarantined']:>13}{r['refused_imports']:>17}")
    ratio = loud["p99"] / quiet["p99"] if quiet["p99"] > 0 else float("inf")
    print(f"\np99 lag ratio hostile/quiet: {ratio:.2f}x (goal: within 2x)")
    if inline is not None and quiet["p99"] > 0:
        print(f"the same parsing on the event loop: {inline['p99'] / quiet['p99']:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())

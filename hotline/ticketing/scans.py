"""Letters scanned by staff and kept on their ticket (Đồng Tháp Art. 3.5 and 5.3: a paper letter,
or one from the portal), their text recognised with tesseract (Vietnamese) and searchable with or
without diacritics.

A scan is an attachment row marked `scan`, its text's state kept on the row: `pending` → `running`
(claimed by one node with a conditional UPDATE) → `done` with the text, or `failed` with the
reason. The recogniser runs tesseract (and pdftoppm for a PDF's first pages) as child processes
with a wall-time limit, awaited by the event loop, never run on it. Erasing the ticket's files
deletes the rows, and the text with them."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, column, func, literal_column, or_, select, table, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.folding import fold
from hotline.store.tickets import Attachment, Ticket
from hotline.ticketing.attachments import Attachments, Upload

log = logging.getLogger(__name__)

LABEL = "Bản quét văn bản"
SCANNABLE = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
HOTLINE_STAFF = ("operator", "supervisor", "admin")  # see a confidential report's letters


# ---- the job's states: plain logic --------------------------------------------------------------

@dataclass(frozen=True)
class Recognised:
    """What the recogniser made of a scan: its text, or why there is none."""
    text: str | None = None
    error: str | None = None


def settled(r: Recognised) -> dict:
    """The row's values once recognition ended: `done` with the text (and its folded lowercase
    form, for search), or `failed` with the reason. A scan with no text in it is `done`, empty."""
    if r.error is not None:
        return {"text_status": "failed", "text_error": r.error[:300], "text": None, "text_folded": None}
    text = re.sub(r"[ \t]+", " ", (r.text or "").replace("\f", "\n")).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    return {"text_status": "done", "text_error": None, "text": text, "text_folded": fold(text).lower()}


def words(q: str) -> list[str]:
    """The search's words, folded and lowercase; LIKE's wildcards (% and _) are not kept: only
    letters, digits, dots and dashes."""
    return [w for w in re.findall(r"(?:[^\W_]|[\-.])+", fold(q).lower()) if w.strip("-.")][:8]


def snippet(text: str, terms: list[str], width: int = 160) -> str:
    """A piece of `text` around the first of `terms` found in it (folded), else its beginning."""
    folded = fold(text).lower()  # same length as `text`: fold maps one letter to one letter
    at = min((i for i in (folded.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, at - width // 3)
    piece = " ".join(text[start:start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


# ---- recognition: tesseract and pdftoppm as child processes -------------------------------------

class Failed(Exception):
    pass


CHILD_NICE = 10  # the recognisers' priority (a scan's text can wait for the calls)


async def _run(argv: list[str], seconds: float, memory_bytes: int | None = None) -> bytes:
    """A program's output; Failed when it exits in error or overruns `seconds` (then it is killed).
    With `memory_bytes`, it runs with that address-space limit (a scan that decompresses to
    gigabytes fails instead of taking the machine's memory) and at nice 10, below the hotline's
    control plane whose raised priority it would otherwise inherit."""
    if shutil.which(argv[0]) is None:
        raise Failed(f"{argv[0]} chưa được cài đặt (bash scripts/setup-system.sh)")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseract: one core, the calls keep the other
    command = argv
    if memory_bytes:
        lower = max(0, CHILD_NICE - os.getpriority(os.PRIO_PROCESS, 0))
        command = ["prlimit", f"--as={memory_bytes}", "--", "nice", "-n", str(lower), *argv]
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env=env)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), seconds)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise Failed(f"{argv[0]} quá {seconds:g} giây") from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        hint = f" (giới hạn bộ nhớ {memory_bytes // 2**20} MiB)" if memory_bytes else ""
        raise Failed(f"{argv[0]} lỗi {proc.returncode}{hint}: {detail[0][:200]}")
    return out


@dataclass(frozen=True)
class Recogniser:
    language: str = "vie"
    seconds: float = 120.0  # wall time of each process
    max_pages: int = 10  # of a PDF
    dpi: int = 200
    memory_bytes: int = 1024 * 2**20  # address space of each process

    async def recognise(self, path: Path, content_type: str) -> Recognised:
        try:
            if content_type != "application/pdf":
                return Recognised(await self._page(path))
            with tempfile.TemporaryDirectory(prefix="hotline-scan-") as tmp:
                await _run(["pdftoppm", "-r", str(self.dpi), "-l", str(self.max_pages), "-gray", "-png",
                            str(path), f"{tmp}/page"], self.seconds, self.memory_bytes)
                pages = sorted(Path(tmp).glob("page*.png"))
                if not pages:
                    return Recognised(error="PDF không có trang nào")
                return Recognised("\n\n".join([await self._page(p) for p in pages]))
        except Failed as e:
            return Recognised(error=str(e))

    async def _page(self, image: Path) -> str:
        out = await _run(["tesseract", str(image), "stdout", "-l", self.language], self.seconds, self.memory_bytes)
        return out.decode("utf-8", "replace")


# ---- the scans of tickets ------------------------------------------------------------------------

class Scans:
    def __init__(self, sessions: async_sessionmaker, files: Attachments, recogniser: Recogniser | None = None,
                 on_new=None):
        self.sessions = sessions
        self.files = files
        self.recogniser = recogniser or Recogniser()
        self.on_new = on_new  # wakes the recognition job

    async def add(self, ticket_id: int, uploads: list[Upload], who: str) -> list[Attachment]:
        """Keeps staff's scans of a letter on the ticket, each waiting for its text."""
        if not uploads:
            raise Refused(400, "Chưa chọn tệp bản quét")
        checked = self.files.check(uploads, documents=True)
        for c in checked:
            if c.content_type not in SCANNABLE:
                raise Refused(415, f"Tệp {c.upload.filename[:60]}: bản quét phải là ảnh (JPEG, PNG, WebP, GIF) hoặc PDF")
        rows = await self.files.save(ticket_id, checked, who, datetime.now(timezone.utc), scan=True)
        if self.on_new:
            self.on_new()
        return rows

    async def recover(self) -> int:
        """Scans a dead process left `running` wait again."""
        async with self.sessions() as s, s.begin():
            res = await s.execute(update(Attachment).where(Attachment.text_status == "running")
                                  .values(text_status="pending"))
            return res.rowcount

    async def claim(self) -> Attachment | None:
        for _ in range(5):
            async with self.sessions() as s, s.begin():
                a = await s.scalar(select(Attachment).where(Attachment.text_status == "pending")
                                   .order_by(Attachment.id).limit(1))
                if a is None:
                    return None
                won = await s.execute(update(Attachment).where(Attachment.id == a.id,
                                                               Attachment.text_status == "pending")
                                      .values(text_status="running").execution_options(synchronize_session=False))
                if won.rowcount == 1:
                    return a
        return None

    async def run_one(self) -> bool:
        """Recognise one waiting scan; False when none waits."""
        a = await self.claim()
        if a is None:
            return False
        path = self.files.dir / a.path
        result = (await self.recogniser.recognise(path, a.content_type) if path.is_file()
                  else Recognised(error="Tệp bản quét không còn"))
        values = settled(result)
        async with self.sessions() as s, s.begin():  # the row may be gone (erased meanwhile): nothing then
            await s.execute(update(Attachment).where(Attachment.id == a.id, Attachment.text_status == "running")
                            .values(**values))
        if result.error:
            log.warning("scan %s: text not recognised: %s", a.id, result.error)
        return True

    async def drain(self) -> None:
        while await self.run_one():
            pass

    async def search(self, q: str, role: str, secret_readers, limit: int = 30) -> list[dict]:
        """Tickets whose code, content or scanned letters hold every word of `q` (diacritics and
        case aside). State-secret tickets only for `secret_readers`; the content and letters of a
        confidential report only for the hotline's staff (the office sees its code and state)."""
        terms = words(q)
        if not terms:
            return []
        full = role in HOTLINE_STAFF
        async with self.sessions() as s:
            sel = search_query(terms, s.bind.dialect.name, full, role in secret_readers)
            tickets = list(await s.scalars(sel.limit(limit)))
            scans = {}
            if tickets:
                for a in await s.scalars(select(Attachment).where(
                        Attachment.ticket_id.in_([t.id for t in tickets]), Attachment.scan.is_(True),
                        Attachment.text_status == "done").order_by(Attachment.id)):
                    scans.setdefault(a.ticket_id, []).append(a)
        hits = []
        for t in tickets:
            shown = full or not t.confidential
            letters = [a for a in scans.get(t.id, []) if shown]
            letter = next((a for a in letters if any(w in (a.text_folded or "") for w in terms)), None)
            if letter is not None:
                where, text = "scan", snippet(letter.text or "", terms)
            elif shown and any(w in _fold_lower(t.content) for w in terms):
                where, text = "content", snippet(t.content or "", terms)
            else:
                where, text = "code", None
            hits.append({"id": t.id, "code": t.code, "status": t.status, "topic": t.topic,
                         "confidential": t.confidential, "found_in": where, "snippet": text,
                         "scan_id": letter.id if letter is not None else None,
                         "scan_filename": letter.filename if letter is not None else None})
        return hits


def search_query(terms: list[str], dialect: str, full: bool, secret: bool):
    """Tickets holding every term (folded, lowercase) in their code, or in their text or a scanned
    letter where `full` (the hotline's staff; others: not a confidential report's), state-secret
    ones only where `secret`; newest first. Answered from the indexes of migration 0040."""
    if dialect == "sqlite":
        return _sqlite_query(terms, full, secret)
    # PostgreSQL: the folded code, text and letters in one column with a trigram index; the
    # planner reads it for rare words and the newest tickets first for common ones.
    folded = literal_column("tickets.search_text")
    conds = []
    for t in terms:
        like = f"%{t}%"
        conds.append(folded.like(like) if full else
                     or_(func.lower(Ticket.code).like(like), and_(Ticket.confidential.is_(False), folded.like(like))))
    sel = select(Ticket).where(Ticket.draft.is_(False), *conds)
    if not secret:
        sel = sel.where(Ticket.state_secret.is_(False))
    return sel.order_by(Ticket.id.desc())


# SQLite's search index (migration 0040): an FTS5 trigram table, a row per ticket (rowid: its id)
# with its folded code, text and scanned letters.
_TICKET_FTS = table("ticket_fts", column("rowid"), column("code"), column("content"), column("letters"))


def _sqlite_query(terms: list[str], full: bool, secret: bool):
    """Read newest first from the index, which gives the rows holding every term of 3 letters or
    more (its trigrams: `MATCH`), and stop at the page's last hit; each row is then checked for
    each term in the right places (shorter terms too)."""
    f = _TICKET_FTS
    sel = select(Ticket).join(f, f.c.rowid == Ticket.id).where(Ticket.draft.is_(False))
    if long := [t for t in terms if len(t) >= 3]:  # words() keeps no quote: each is a plain phrase
        sel = sel.where(literal_column("ticket_fts").op("MATCH")(" AND ".join(f'"{t}"' for t in long)))
    for t in terms:
        like = f"%{t}%"
        in_text = or_(f.c.content.like(like), f.c.letters.like(like))
        if not full:
            in_text = and_(Ticket.confidential.is_(False), in_text)
        sel = sel.where(or_(f.c.code.like(like), in_text))
    if not secret:
        sel = sel.where(Ticket.state_secret.is_(False))
    return sel.order_by(f.c.rowid.desc())


def _fold_lower(text: str | None) -> str:
    return fold(text or "").lower()

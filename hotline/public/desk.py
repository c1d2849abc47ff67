"""What citizens do without an account: send a report (with photos, video or audio), read the
published results, look up their own ticket by its code and phone, rate it and ask again.

The code alone never shows anything personal; code and phone together show the citizen's own
ticket. Look-ups are limited per address, so codes cannot be guessed by trying them all."""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.public.redaction import redact
from hotline.ticketing.codes import is_valid_code
from hotline.ticketing.handling import CITIZEN, Actor, Payload, TicketHandling
from hotline.ticketing.models import Attachment, Ticket
from hotline.ticketing.store import TicketStore

# Photos, video and audio a citizen may attach (HCMC Art. 5), recognised by their first bytes,
# not by the name or the type the browser claims.
SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg", ".jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"GIF8", "image/gif", ".gif"), (b"ID3", "audio/mpeg", ".mp3"), (b"\xff\xfb", "audio/mpeg", ".mp3"),
              (b"OggS", "audio/ogg", ".ogg"), (b"\x1aE\xdf\xa3", "video/webm", ".webm")]
MAX_FILES = 5


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, ctype, ext in SIGNATURES:
        if head.startswith(magic):
            return ctype, ext
    if head[4:8] == b"ftyp":
        return "video/mp4", ".mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def digits(phone: str | None) -> str:
    d = re.sub(r"\D", "", phone or "")
    return "0" + d[2:] if d.startswith("84") and len(d) > 10 else d


@dataclass
class Upload:
    filename: str
    data: bytes


class Limiter:
    """At most `rate` attempts per `per` seconds per key (the client's address)."""

    def __init__(self, rate: int = 20, per: float = 60):
        self.rate, self.per = rate, per
        self.seen: dict[str, deque] = {}

    def check(self, key: str) -> None:
        now = time.monotonic()
        q = self.seen.setdefault(key, deque())
        while q and now - q[0] > self.per:
            q.popleft()
        if len(q) >= self.rate:
            raise Refused(429, "Quá nhiều lần tra cứu, vui lòng thử lại sau ít phút")
        q.append(now)
        if len(self.seen) > 10000:
            self.seen = {k: v for k, v in self.seen.items() if v and now - v[-1] <= self.per}


class PublicDesk:
    def __init__(self, sessions: async_sessionmaker, handling: TicketHandling, attachments_dir: Path,
                 max_bytes: int = 20 * 1024 * 1024):
        self.sessions = sessions
        self.handling = handling
        self.store = TicketStore(sessions)
        self.dir = attachments_dir
        self.max_bytes = max_bytes
        self.lookups = Limiter()

    def check_uploads(self, uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
        if len(uploads) > MAX_FILES:
            raise Refused(422, f"Tối đa {MAX_FILES} tệp đính kèm")
        checked = []
        for u in uploads:
            if len(u.data) > self.max_bytes:
                raise Refused(413, f"Tệp {u.filename[:60]} vượt quá {self.max_bytes // (1024 * 1024)} MB")
            kind = sniff(u.data[:16])
            if kind is None:
                raise Refused(415, f"Tệp {u.filename[:60]} không phải ảnh, video hoặc âm thanh được chấp nhận")
            checked.append((u, *kind))
        return checked

    async def submit(self, fields: dict, uploads: list[Upload], now: datetime | None = None) -> Ticket:
        now = now or datetime.now(timezone.utc)
        files = self.check_uploads(uploads)
        ticket = await self.store.receive(self.handling, Actor("web", frozenset({"citizen"})), now, channel="web",
                                          **fields)
        await self.attach(ticket.id, files, "citizen", now)
        return ticket

    async def attach(self, ticket_id: int, files: list[tuple[Upload, str, str]], who: str, now: datetime,
                     public: bool = False) -> None:
        rows = []
        for u, ctype, ext in files:
            sha = hashlib.sha256(u.data).hexdigest()
            rel = Path(now.strftime("%Y/%m")) / f"{sha}{ext}"
            target = self.dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                tmp = target.with_suffix(".part")
                tmp.write_bytes(u.data)
                tmp.replace(target)
            name = re.sub(r"[^\w.\- ]", "_", u.filename)[:200] or "tep"
            rows.append(Attachment(ticket_id=ticket_id, filename=name, content_type=ctype, size=len(u.data),
                                   sha256=sha, path=str(rel), uploaded_by=who, public=public, uploaded_at=now))
        if rows:
            async with self.sessions() as s, s.begin():
                s.add_all(rows)

    async def published(self, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
        """Published results, newest first, with every personal detail removed."""
        base = select(Ticket).where(Ticket.published_at.is_not(None), Ticket.confidential.is_(False),
                                    Ticket.state_secret.is_(False))
        async with self.sessions() as s:
            total = await s.scalar(select(func.count()).select_from(base.subquery()))
            rows = list(await s.scalars(base.order_by(Ticket.published_at.desc())
                                        .offset((page - 1) * per_page).limit(per_page)))
        return [self.public_view(t) for t in rows], total or 0

    def public_view(self, t: Ticket) -> dict:
        personal = (t.reporter_name, t.caller_phone, t.address, t.email)
        topics = {q.topic: q.name for q in self.handling.profile.queues.queues}
        return {"code": t.code, "topic": topics.get(t.topic or "", "Khác"), "content": redact(t.content, *personal),
                "result": redact(t.result, *personal), "published_at": t.published_at,
                "stage": self.handling.workflow.step(t.handling_stage or "received").title}

    async def own_ticket(self, code: str, phone: str, client: str) -> Ticket:
        """The citizen's own ticket, by code and the phone it was reported with."""
        self.lookups.check(client)
        code = (code or "").strip()
        if not is_valid_code(code):
            raise Refused(422, "Mã phiếu gồm 8 chữ số; vui lòng kiểm tra lại")
        async with self.sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.code == code, Ticket.draft.is_(False)))
        if t is None or not digits(phone) or digits(t.caller_phone) != digits(phone):
            raise Refused(404, "Không tìm thấy phiếu với mã số và số điện thoại này")
        return t

    def own_view(self, t: Ticket) -> dict:
        step = self.handling.workflow.step(t.handling_stage or "received")
        view = self.public_view(t)
        view.update(content=t.content or "", result=t.result, stage=step.title, status=t.status, rating=t.rating,
                    due_at=t.due_at, question=t.question,
                    actions=self.handling.allowed(t, CITIZEN))
        return view

    async def citizen_action(self, code: str, phone: str, client: str, kind: str, payload: Payload) -> Ticket:
        """`rate`, or `ask`: a follow-up question on a result, or the clarification asked for."""
        t = await self.own_ticket(code, phone, client)
        if kind == "ask":
            kind = "clarified" if "clarified" in self.handling.allowed(t, CITIZEN) else "ask_again"
        elif kind != "rate":
            raise Refused(404, "Không có thao tác này")
        return await self.handling.act(t.id, kind, CITIZEN, payload)

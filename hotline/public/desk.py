"""What citizens do without an account: send a report (with photos, video or audio), read the
published results, look up their own ticket by its code and phone, rate it and ask again.

The code alone never shows anything personal; code and phone together show the citizen's own
ticket. Look-ups are limited per address, so codes cannot be guessed by trying them all.

Every receipt carries the ticket's look-up link, `/p/{secret}` (96 random bits): it opens the
ticket's public page without a phone, with its status, its progress step by step and its result,
nothing personal (HCMC Art. 8.2, Quảng Ninh Art. 7.2); a confidential or state-secret ticket
shows its status only (HCMC Art. 9.1)."""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.security.redaction import redact
from hotline.store.base import aware
from hotline.ticketing.codes import is_valid_code
from hotline.ticketing.handling import CITIZEN, Actor, Payload, TicketHandling
from hotline.ticketing.attachments import Attachments, Upload
from hotline.store.tickets import Attachment, Ticket, TicketEvent, history
from hotline.ticketing.store import TicketStore
from hotline.ticketing.timeline import RECEIVED, Entry, timeline

SECRET = re.compile(r"[A-Za-z0-9_-]{16,24}")
PUBLIC_PATH = "/p/"


def public_link(base: str, secret: str) -> str:
    """The address of a ticket's public page, as receipts give it (short: it goes into an SMS)."""
    return f"{base.rstrip('/')}{PUBLIC_PATH}{secret}"


def digits(phone: str | None) -> str:
    d = re.sub(r"\D", "", phone or "")
    return "0" + d[2:] if d.startswith("84") and len(d) > 10 else d


class PublicDesk:
    def __init__(self, sessions: async_sessionmaker, handling: TicketHandling, attachments_dir: Path,
                 max_bytes: int = 20 * 1024 * 1024):
        self.sessions = sessions
        self.handling = handling
        self.store = TicketStore(sessions)
        self.files = Attachments(sessions, attachments_dir, max_bytes)
        self.max_bytes = max_bytes

    async def submit(self, fields: dict, uploads: list[Upload], now: datetime | None = None,
                     channel: str = "web") -> Ticket:
        """A citizen's report from the public form (`web`) or from an app through Open311 (`app`)."""
        now = now or datetime.now(timezone.utc)
        files = self.files.check(uploads)
        ticket = await self.store.receive(self.handling, Actor(channel, frozenset({"citizen"})), now, channel=channel,
                                          **fields)
        await self.files.save(ticket.id, files, "citizen", now)
        return ticket

    def _published(self):
        return select(Ticket).where(Ticket.published_at.is_not(None), Ticket.confidential.is_(False),
                                    Ticket.state_secret.is_(False))

    async def published(self, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
        """Published results, newest first, with every personal detail removed, and the files the
        agency chose to publish with its answer."""
        base = self._published()
        async with self.sessions() as s:
            total = await s.scalar(select(func.count()).select_from(base.subquery()))
            rows = list(await s.scalars(base.order_by(Ticket.published_at.desc())
                                        .offset((page - 1) * per_page).limit(per_page)))
            files: dict[int, list[dict]] = {}
            by_id = {t.id: t for t in rows}
            for a in await s.scalars(select(Attachment).where(Attachment.ticket_id.in_([t.id for t in rows]),
                                                              Attachment.public.is_(True)).order_by(Attachment.id)):
                t = by_id[a.ticket_id]
                name = redact(a.filename, t.reporter_name, t.caller_phone, t.address, t.email)
                files.setdefault(a.ticket_id, []).append({"id": a.id, "filename": name, "content_type": a.content_type})
            events: dict[int, list[TicketEvent]] = {}
            for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(list(by_id)))
                                     .order_by(TicketEvent.id)):
                events.setdefault(e.ticket_id, []).append(e)
        workflow = self.handling.workflow
        return [{**self.public_view(t), "files": files.get(t.id, []),
                 "timeline": timeline(events.get(t.id, []), workflow)} for t in rows], total or 0

    async def published_file(self, code: str, attachment_id: int):
        """A file published with a result: only public files of published, non-confidential tickets."""
        async with self.sessions() as s:
            t = await s.scalar(self._published().where(Ticket.code == code))
            a = await s.get(Attachment, attachment_id)
        if t is None or a is None or a.ticket_id != t.id or not a.public:
            raise Refused(404, "Không có tệp này")
        return await self.files.get(t.id, a.id)

    def public_view(self, t: Ticket) -> dict:
        personal = (t.reporter_name, t.caller_phone, t.address, t.email)
        topics = {q.topic: q.name for q in self.handling.profile.queues.queues}
        return {"code": t.code, "topic": topics.get(t.topic or "", "Khác"), "content": redact(t.content, *personal),
                "result": redact(t.result, *personal), "published_at": t.published_at,
                "stage": self.handling.workflow.step(t.handling_stage or "received").title}

    async def by_secret(self, secret: str) -> Ticket:
        """The ticket whose look-up link holds `secret` (a draft too: its receipt was sent)."""
        if not SECRET.fullmatch(secret or ""):
            raise Refused(404, "Không tìm thấy phiếu")
        async with self.sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.public_secret == secret))
        if t is None or not hmac.compare_digest(t.public_secret.encode(), secret.encode()):
            raise Refused(404, "Không tìm thấy phiếu")
        return t

    async def by_code(self, code: str) -> Ticket:
        """A ticket by its code alone, for its public progress (the later reporters of the same
        incident are told to follow the original's code, HCMC Art. 6.4)."""
        code = (code or "").strip()
        if not is_valid_code(code):
            raise Refused(422, "Mã phiếu gồm 8 chữ số; vui lòng kiểm tra lại")
        async with self.sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.code == code))
        if t is None:
            raise Refused(404, "Không tìm thấy phiếu với mã số này")
        return t

    async def secret_view(self, t: Ticket, result: bool = True, files: bool = False, steps: bool = True) -> dict:
        """A ticket's public progress: where it stands and each step with its date (received,
        forwarded to which agency, taken up, answered...), without the reporter's data, the staff's
        names or any note; confidential and state-secret tickets: the status only. The page of the
        receipt's link shows the result once answered (approved, where a leader approves); the code
        alone shows it once published. With `files` (the receipt's link), also the files the unit
        made public, such as the photos of its progress updates (HCMC Art. 7.2b, 11.1). Without
        `steps`, no timeline (and no query of the history: a listing of many tickets)."""
        step = self.handling.workflow.step(t.handling_stage or "received")
        view = {"code": t.code, "stage": "Đã tiếp nhận, đang chờ xem xét" if t.draft else step.title,
                "hidden": bool(t.confidential or t.state_secret)}
        if view["hidden"]:
            return view
        entries: list[Entry] = []
        if steps:
            async with self.sessions() as s:
                events = await history(s, t.id)
            entries = timeline(events, self.handling.workflow)
            if not entries or entries[0].text != RECEIVED:  # a draft from a written channel: not submitted yet
                entries.insert(0, Entry(aware(t.created_at), RECEIVED))
        personal = (t.reporter_name, t.caller_phone, t.address, t.email)
        topics = {q.topic: q.name for q in self.handling.profile.queues.queues}
        answered = t.status in ("answered", "closed") and not t.draft and (result or t.published_at is not None)
        view.update(topic=topics.get(t.topic or "", "Khác") if t.topic else None, timeline=entries,
                    due_at=None if answered or t.status == "rejected" else t.due_at,
                    result=redact(t.result, *personal) if answered and t.result else None,
                    refusal=redact(t.reason, *personal) if t.status == "rejected" and t.reason else None)
        if files:
            async with self.sessions() as s:
                shown = await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id,
                                                                  Attachment.public.is_(True))
                                        .order_by(Attachment.id))
                view["files"] = [{"id": a.id, "filename": a.filename} for a in shown]
        return view

    async def secret_file(self, secret: str, attachment_id: int):
        """A file the unit made public, on the page of the ticket's receipt link (never one of a
        confidential or state-secret ticket)."""
        t = await self.by_secret(secret)
        async with self.sessions() as s:
            a = await s.get(Attachment, attachment_id)
        if t.confidential or t.state_secret or a is None or a.ticket_id != t.id or not a.public:
            raise Refused(404, "Không có tệp này")
        return await self.files.get(t.id, a.id)

    async def own_ticket(self, code: str, phone: str) -> Ticket:
        """The citizen's own ticket, by code and the phone it was reported with."""
        code = (code or "").strip()
        if not is_valid_code(code):
            raise Refused(422, "Mã phiếu gồm 8 chữ số; vui lòng kiểm tra lại")
        async with self.sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.code == code, Ticket.draft.is_(False)))
        if t is None or not digits(phone) or digits(t.caller_phone) != digits(phone):
            raise Refused(404, "Không tìm thấy phiếu với mã số và số điện thoại này")
        return t

    async def own_view(self, t: Ticket) -> dict:
        step = self.handling.workflow.step(t.handling_stage or "received")
        async with self.sessions() as s:
            events = await history(s, t.id)
        view = self.public_view(t)
        view.update(content=t.content or "", result=t.result, stage=step.title, status=t.status, rating=t.rating,
                    due_at=t.due_at, question=t.question, refusal=t.reason if t.status == "rejected" else None,
                    actions=self.handling.allowed(t, CITIZEN),
                    timeline=timeline(events, self.handling.workflow, own=True))
        return view

    async def citizen_action(self, code: str, phone: str, kind: str, payload: Payload) -> Ticket:
        """`rate`, or `ask`: a follow-up question on a result, or the clarification asked for."""
        t = await self.own_ticket(code, phone)
        if kind == "ask":
            kind = "clarified" if "clarified" in self.handling.allowed(t, CITIZEN) else "ask_again"
        elif kind != "rate":
            raise Refused(404, "Không có thao tác này")
        return await self.handling.act(t.id, kind, CITIZEN, payload)

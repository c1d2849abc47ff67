"""The same incident reported several times, on several channels (HCMC Art. 6.4): candidates for
a new report among the open ones (same phone or e-mail address, same place, similar words), and the link that
records it once: the later report is closed as a duplicate, its reporter is told the incident is
already being handled, and gets the result when the first report has one."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.notifications import sms as texts
from hotline.notifications.outbox import enqueue_to_citizen
from hotline.store.tickets import Ticket
from hotline.store.tickets import add_event

OPEN = ("received", "in_progress", "overdue")
STOP = {"va", "la", "cua", "o", "tai", "da", "bi", "co", "khong", "duoc", "cho", "de", "nghi", "the", "nay", "toi",
        "phan", "anh", "so", "duong"}


def words(text: str | None) -> set[str]:
    """Words without diacritics (đ -> d), for similarity."""
    plain = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    plain = "".join(c for c in plain if unicodedata.category(c) != "Mn")
    return {w for w in re.findall(r"[a-z0-9]+", plain) if len(w) > 1 and w not in STOP}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def score(new: Ticket, old: Ticket) -> float:
    s = 0.0
    if new.caller_phone and new.caller_phone == old.caller_phone:
        s += 0.4
    elif new.email and new.email.lower() == (old.email or "").lower():  # the same person writing again
        s += 0.4
    place = similarity(words(new.address), words(old.address))
    s += 0.3 * place
    s += 0.5 * similarity(words(new.content), words(old.content))
    if new.topic and new.topic == old.topic:
        s += 0.1
    return round(s, 3)


class Duplicates:
    def __init__(self, sessions: async_sessionmaker, window_days: int = 30, citizen_sms_per_day: int = 5):
        self.sessions = sessions
        self.window = timedelta(days=window_days)
        self.citizen_sms_per_day = citizen_sms_per_day

    async def candidates(self, ticket_id: int, limit: int = 5, include_secret: bool = True) -> list[dict]:
        async with self.sessions() as s:
            t = await s.get(Ticket, ticket_id)
            if t is None:
                raise Refused(404, "Không có phiếu này")
            since = datetime.now(timezone.utc) - self.window
            conds = [Ticket.topic == t.topic] if t.topic else []
            if t.caller_phone:
                conds.append(Ticket.caller_phone == t.caller_phone)
            if t.email:
                conds.append(Ticket.email == t.email)
            q = (select(Ticket).where(Ticket.id != t.id, Ticket.status.in_(OPEN), Ticket.draft.is_(False),
                                      Ticket.duplicate_of.is_(None), Ticket.created_at >= since)
                 .order_by(Ticket.created_at.desc()).limit(2000))
            if conds:
                q = q.where(or_(*conds))
            if not include_secret:  # the reader's role may not see state-secret tickets
                q = q.where(Ticket.state_secret.is_(False))
            rows = list(await s.scalars(q))
        scored = sorted(((score(t, o), o) for o in rows), key=lambda x: -x[0])
        return [{"id": o.id, "code": o.code, "score": sc, "topic": o.topic, "address": o.address,
                 "content": (o.content or "")[:300], "status": o.status} for sc, o in scored[:limit] if sc >= 0.2]

    async def link(self, ticket_id: int, original_code: str, actor: str) -> Ticket:
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            original = await s.scalar(select(Ticket).where(Ticket.code == original_code.strip()))
            if t is None or original is None:
                raise Refused(404, "Không có phiếu này")
            if original.id == t.id or original.duplicate_of is not None:
                raise Refused(409, "Chỉ liên kết với phiếu gốc đang xử lý")
            if original.status not in OPEN:
                raise Refused(409, "Phiếu gốc đã có kết quả; hãy trả lời người dân theo kết quả đó")
            if t.duplicate_of is not None or t.status not in ("received",):
                raise Refused(409, "Phiếu này đã được xử lý hoặc đã liên kết")
            t.duplicate_of, t.status, t.handling_stage, t.due_at = original.id, "closed", "closed", None
            t.draft, t.reason, t.version = False, f"Trùng vụ việc phiếu {original.code}", t.version + 1
            add_event(s, t.id, actor, "duplicate_of", original=original.code)
            add_event(s, original.id, actor, "duplicate_linked", duplicate=t.code, channel=t.channel)
            if t.caller_phone:
                await enqueue_to_citizen(s, t.caller_phone, texts.duplicate_text(t.code, original.code), "duplicate",
                                         t.id, self.citizen_sms_per_day)
        return t

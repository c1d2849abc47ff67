"""A citizen's request to see (`access`) or erase (`erasure`) the personal data the hotline holds
under their phone number, e-mail address or platform user id (Zalo, Messenger), received and
carried out by the provincial office (the office checks the person's identity and notes how).
Carrying out is once: an access request gives the printable dossier of everything held; an
erasure request removes it everywhere (`hotline.privacy.erasure`), in the same transaction that
marks the request done with what was erased by data class, then the database's free space and
journal are wiped (`hotline.privacy.compaction`). Both are in the audit log.

The requests keep keyed hashes of the identifiers (`hotline.privacy.keys`), and the identifiers
themselves only while needed: see `hotline.store.privacy.DataRequest`."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.privacy.compaction import ERASED_TABLES, compact
from hotline.privacy.erasure import Eraser, holdings
from hotline.privacy.keys import IdentifierHasher
from hotline.security.masking import mask_email, mask_phone, mask_platform_id
from hotline.security.redaction import redact
from hotline.store.base import aware, iso
from hotline.store.privacy import AuditEntry, DataRequest, ErasureHold
from hotline.store.tickets import Ticket

log = logging.getLogger(__name__)

IN_HANDLING = {"received", "in_progress", "overdue"}  # hotline.config.statuses.TicketStatus
KINDS = {"access": "Yêu cầu xem dữ liệu cá nhân", "erasure": "Yêu cầu xoá dữ liệu cá nhân"}
STATES = {"open": "Chờ thực hiện", "done": "Đã thực hiện", "refused": "Từ chối"}
CLASSES = {"tickets": "Phiếu phản ánh", "files": "Tệp đính kèm", "recordings": "Bản ghi âm cuộc gọi",
           "sms_outbox": "Tin nhắn SMS", "email_outbox": "Thư điện tử", "callback_requests": "Yêu cầu gọi lại",
           "virtual_holds": "Giữ chỗ chờ gọi lại", "outbound_calls": "Cuộc gọi đi", "survey_calls": "Cuộc gọi khảo sát",
           "queue_calls": "Thống kê cuộc gọi", "asterisk_logs": "Nhật ký tổng đài",
           "conversations": "Hội thoại (thư, trò chuyện, Zalo, Facebook)",
           "conversation_messages": "Tin nhắn trong hội thoại", "chat_outbox": "Tin nhắn gửi qua Zalo, Facebook"}
CHANNELS = {"email": "Thư điện tử", "webchat": "Trò chuyện trên trang", "zalo": "Zalo", "facebook": "Facebook",
            "sms": "Tin nhắn SMS"}
TEMPLATES = Path(__file__).parent / "templates"


def shape(r: DataRequest) -> dict:
    return {"id": r.id, "kind": r.kind, "kind_name": KINDS[r.kind], "phone": r.phone, "email": r.email,
            "platform_id": r.platform_id, "hint": r.hint, "note": r.note, "status": r.status,
            "status_name": STATES[r.status], "requested_by": r.requested_by,
            "requested_at": iso(r.requested_at), "done_by": r.done_by, "done_at": iso(r.done_at),
            "result": r.result or {}, "held_note": held_note(r.result or {}), "result_names": {CLASSES.get(k, k): v for k, v in (r.result or {}).get(
                "counts", {}).items()}}


def held_note(result: dict) -> str:
    """What the office reads of the tickets an erasure kept until their answer."""
    parts = []
    if result.get("held"):
        parts.append("Giữ đến khi có kết quả trả lời (đang xử lý): " + ", ".join(result["held"]))
    if result.get("released"):
        parts.append("Đã xoá sau khi có kết quả: " + ", ".join(result["released"]))
    return "; ".join(parts)


def hint(phone: str | None, email: str | None, platform_id: str | None) -> str:
    """What the office's list shows of a request's identifiers: masked."""
    return ", ".join(v for v in (mask_phone(phone) if phone else "", mask_email(email) if email else "",
                                 f"Zalo/Facebook {mask_platform_id(platform_id)}" if platform_id else "") if v)


class DataRequests:
    def __init__(self, sessions: async_sessionmaker, eraser: Eraser, province: str, timezone_name: str,
                 key: bytes):
        self.sessions = sessions
        self.eraser = eraser
        self.province = province
        self.tz = ZoneInfo(timezone_name)
        self.hasher = IdentifierHasher(key)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]))
        self._prepared = False
        eraser.housekeeping.append(self._ready)  # at start, with the retention job's first pass
        eraser.housekeeping.append(self.release_held)  # and on every pass: kept tickets now answered

    def _hashes(self, phone: str | None, email: str | None, platform_id: str | None) -> dict:
        return {"phone_hash": self.hasher.phone(phone), "email_hash": self.hasher.email(email),
                "platform_hash": self.hasher.platform(platform_id)}

    async def prepare(self) -> int:
        """At start (the retention job's first pass, or the first use; idempotent): requests of
        earlier versions get their keyed hashes and hint, and lose the identifiers no longer needed
        (a carried-out erasure, and the same citizen's earlier requests; a refusal). Returns how
        many rows changed."""
        async with self.sessions() as s, s.begin():
            rows = list(await s.scalars(select(DataRequest).where(or_(
                DataRequest.phone.is_not(None), DataRequest.email.is_not(None), DataRequest.platform_id.is_not(None)))))
            changed = set()
            for r in rows:
                for k, v in self._hashes(r.phone, r.email, r.platform_id).items():
                    if v and getattr(r, k) != v:
                        setattr(r, k, v)
                        changed.add(r.id)
                r.hint = r.hint or hint(r.phone, r.email, r.platform_id)
            for r in rows:
                if r.kind == "erasure" and r.status == "done":
                    changed |= await self._forget(s, r)
                elif r.status == "refused" and (r.phone or r.email or r.platform_id):
                    r.phone = r.email = r.platform_id = None
                    changed.add(r.id)
        self._prepared = True
        if changed:
            log.info("data requests: %d row(s) of an earlier version hashed", len(changed))
            await compact(self.sessions, ["data_requests"])
        return len(changed)

    async def _ready(self) -> None:
        if not self._prepared:
            await self.prepare()

    async def file(self, p, kind: str, phone: str | None, email: str | None, note: str,
                   platform_id: str | None = None) -> dict:
        await self._ready()
        async with self.sessions() as s, s.begin():
            r = DataRequest(kind=kind, phone=phone, email=email, platform_id=platform_id, note=note, status="open",
                            requested_by=p.username, requested_at=datetime.now(timezone.utc), result={},
                            hint=hint(phone, email, platform_id), **self._hashes(phone, email, platform_id))
            s.add(r)
            await s.flush()
            return shape(r)

    async def listing(self, limit: int = 200, phone: str | None = None, email: str | None = None,
                      platform_id: str | None = None) -> list[dict]:
        """The requests, newest first; with an identifier, only those made under it (compared by
        their keyed hashes: also those whose identifiers are gone)."""
        await self._ready()
        q = select(DataRequest).order_by(DataRequest.id.desc()).limit(limit)
        wanted = [getattr(DataRequest, k) == v for k, v in self._hashes(phone, email, platform_id).items() if v]
        if wanted:
            q = q.where(or_(*wanted))
        async with self.sessions() as s:
            return [shape(r) for r in await s.scalars(q)]

    async def _claim(self, s, request_id: int, p, now: datetime, **values) -> DataRequest:
        """Open → done/refused once (a conditional UPDATE): 404 for no such request, 409 for one
        already carried out or refused."""
        done = await s.execute(update(DataRequest).where(DataRequest.id == request_id, DataRequest.status == "open")
                               .values(done_by=p.username, done_at=now, **values))
        r = await s.get(DataRequest, request_id)
        if r is None:
            raise Refused(404, "Không có yêu cầu này")
        if done.rowcount != 1:
            raise Refused(409, f"Yêu cầu này đã ở trạng thái: {STATES[r.status]}")
        return r

    async def carry_out(self, p, request_id: int, address: str) -> dict:
        await self._ready()
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await self._claim(s, request_id, p, now, status="done")
            held = []
            if r.kind == "erasure":
                erased = await self.eraser.everything_of(s, r.phone, r.email, p.username, f"data request #{r.id}",
                                                         now, r.platform_id, keep=self.in_handling)
                counts = erased.counts
                for t in erased.kept:  # released by the retention job once answered (`release_held`)
                    s.add(ErasureHold(request_id=r.id, ticket_id=t.id, identifiers=erased.identifiers, held_at=now))
                    held.append(t.code)
                await self._forget(s, r)
            else:
                counts = (await holdings(s, r.phone, r.email, r.platform_id)).counts()
            r.result = {"counts": {k: v for k, v in counts.items() if v}, **({"held": held} if held else {})}
            s.add(AuditEntry(at=now, username=p.username, role=p.role, action="erase" if r.kind == "erasure" else "export",
                             detail=f"data request #{r.id}", address=(address or "")[:64]))
            await s.flush()
            await s.refresh(r)
            out = shape(r)
        log.info("data request #%d (%s) carried out by %s: %s", request_id, out["kind"], p.username,
                 out["result"]["counts"])
        if r.kind == "erasure":  # nothing of what went may stay in free pages, the journal, dead rows
            await compact(self.sessions, ERASED_TABLES)
        return out

    @staticmethod
    def in_handling(t: Ticket) -> bool:
        """Filed and still waiting for its answer: received, with an agency, or overdue. An
        answered, closed or refused ticket is not, nor a draft nobody filed."""
        return not t.draft and t.status in IN_HANDLING

    async def release_held(self, now: datetime | None = None) -> int:
        """The tickets an erasure kept, once answered and the answer's notices sent: what was kept
        of the citizen goes now, and the request says so (its counts grow, the ticket leaves `held`
        for `released`). Run before every pass of the retention job (hourly). Returns how many
        tickets were released."""
        now = now or datetime.now(timezone.utc)
        released = 0
        async with self.sessions() as s, s.begin():
            holds = list(await s.scalars(select(ErasureHold).where(ErasureHold.released_at.is_(None))
                                         .order_by(ErasureHold.id).limit(500)))
            for h in holds:
                t = await s.get(Ticket, h.ticket_id)
                if t is None or self.in_handling(t) or await self.eraser.notices_pending(s, t):
                    continue
                r = await s.get(DataRequest, h.request_id)
                why = f"data request #{h.request_id}"
                counts = await self.eraser.release(s, t, list(h.identifiers or []), "system", why, now)
                h.identifiers, h.released_at = [], now
                result = dict(r.result or {})
                total = dict(result.get("counts") or {})
                for k, v in counts.items():
                    total[k] = total.get(k, 0) + v
                result["counts"] = total
                result["held"] = [c for c in result.get("held", []) if c != t.code]
                result["released"] = [*result.get("released", []), t.code]
                r.result = result
                s.add(AuditEntry(at=now, username="system", role="admin", action="erase", ticket_id=t.id,
                                 detail=f"{why}: kept until answered, now erased"))
                released += 1
        if released:
            log.info("data requests: %d ticket(s) kept until answered now erased", released)
            await compact(self.sessions, ERASED_TABLES)
        return released

    async def _forget(self, s, r: DataRequest) -> set[int]:
        """The erasure's own identifiers, and those of the same citizen's earlier requests: only
        their hashes stay; notes lose what they quote of them. Returns the requests changed."""
        hashes = {k: v for k, v in self._hashes(r.phone, r.email, r.platform_id).items() if v}
        same = list(await s.scalars(select(DataRequest).where(or_(
            DataRequest.id == r.id, *(getattr(DataRequest, k) == v for k, v in hashes.items())))))
        values = [v for x in same for v in (x.phone, x.email, x.platform_id) if v]
        changed = set()
        for x in same:
            if x.status == "open" and x.id != r.id:
                continue  # another request still to carry out keeps what it needs
            if x.phone or x.email or x.platform_id:
                x.note = redact(x.note, *values)
                x.phone = x.email = x.platform_id = None
                changed.add(x.id)
        return changed

    async def refuse(self, p, request_id: int, reason: str) -> dict:
        await self._ready()
        async with self.sessions() as s, s.begin():
            r = await self._claim(s, request_id, p, datetime.now(timezone.utc), status="refused",
                                  result={"reason": reason})
            r.phone = r.email = r.platform_id = None
            await s.flush()
            await s.refresh(r)
            return shape(r)

    async def dossier(self, p, request_id: int, address: str) -> str:
        """The printable copy of everything held for an access request (after it was carried
        out); each printing is audited."""
        await self._ready()
        async with self.sessions() as s, s.begin():
            r = await s.get(DataRequest, request_id)
            if r is None:
                raise Refused(404, "Không có yêu cầu này")
            if r.kind != "access" or r.status != "done":
                raise Refused(409, "Chỉ in hồ sơ của yêu cầu xem dữ liệu đã được thực hiện")
            if not (r.phone or r.email or r.platform_id):
                raise Refused(409, "Dữ liệu của người yêu cầu đã được xoá: không còn hồ sơ để in")
            held = await holdings(s, r.phone, r.email, r.platform_id)
            s.add(AuditEntry(username=p.username, role=p.role, action="export", detail=f"data request #{r.id} dossier",
                             address=(address or "")[:64]))
            local = lambda d: aware(d).astimezone(self.tz).strftime("%H:%M %d/%m/%Y") if d else ""  # noqa: E731
            return self.env.get_template("dossier.html.j2").render(
                request=shape(r), province=self.province, tickets=held.tickets, recordings=held.recordings,
                rows=_describe_rows(held), emails=held.emails, chats=held.chats, conversations=held.conversations,
                messages=held.messages, channels=CHANNELS, local=local, requested=local(r.requested_at),
                printed=local(datetime.now(timezone.utc)))


def _describe_rows(held) -> list[tuple[str, object, str]]:
    """(data class, when, what) for the rows besides tickets and recordings."""
    out = []
    for row in held.numbered:
        when = next((getattr(row, a) for a in ("created_at", "requested_at", "entered_at") if hasattr(row, a)), None)
        what = getattr(row, "text", None) or getattr(row, "status", "") or getattr(row, "outcome", "")
        out.append((CLASSES.get(row.__tablename__, row.__tablename__), when, str(what)))
    return out


"""A citizen's request to see (`access`) or erase (`erasure`) the personal data the hotline holds
under their phone number or e-mail address, received and carried out by the provincial office
(the office checks the person's identity and notes how). Carrying out is once: an access request
gives the printable dossier of everything held; an erasure request removes it everywhere
(`hotline.privacy.erasure`), in the same transaction that marks the request done with what was
erased by data class. Both are in the audit log."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.privacy.erasure import Eraser, holdings
from hotline.store.base import aware, iso
from hotline.store.privacy import AuditEntry, DataRequest

KINDS = {"access": "Yêu cầu xem dữ liệu cá nhân", "erasure": "Yêu cầu xoá dữ liệu cá nhân"}
STATES = {"open": "Chờ thực hiện", "done": "Đã thực hiện", "refused": "Từ chối"}
CLASSES = {"tickets": "Phiếu phản ánh", "files": "Tệp đính kèm", "recordings": "Bản ghi âm cuộc gọi",
           "sms_outbox": "Tin nhắn SMS", "email_outbox": "Thư điện tử", "callback_requests": "Yêu cầu gọi lại",
           "virtual_holds": "Giữ chỗ chờ gọi lại", "outbound_calls": "Cuộc gọi đi", "survey_calls": "Cuộc gọi khảo sát",
           "queue_calls": "Thống kê cuộc gọi", "asterisk_logs": "Nhật ký tổng đài"}
TEMPLATES = Path(__file__).parent / "templates"


def shape(r: DataRequest) -> dict:
    return {"id": r.id, "kind": r.kind, "kind_name": KINDS[r.kind], "phone": r.phone, "email": r.email,
            "note": r.note, "status": r.status, "status_name": STATES[r.status], "requested_by": r.requested_by,
            "requested_at": iso(r.requested_at), "done_by": r.done_by, "done_at": iso(r.done_at),
            "result": r.result or {}, "result_names": {CLASSES.get(k, k): v for k, v in (r.result or {}).get(
                "counts", {}).items()}}


class DataRequests:
    def __init__(self, sessions: async_sessionmaker, eraser: Eraser, province: str, timezone_name: str):
        self.sessions = sessions
        self.eraser = eraser
        self.province = province
        self.tz = ZoneInfo(timezone_name)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]))

    async def file(self, p, kind: str, phone: str | None, email: str | None, note: str) -> dict:
        async with self.sessions() as s, s.begin():
            r = DataRequest(kind=kind, phone=phone, email=email, note=note, status="open",
                            requested_by=p.username, requested_at=datetime.now(timezone.utc), result={})
            s.add(r)
            await s.flush()
            return shape(r)

    async def listing(self, limit: int = 200) -> list[dict]:
        async with self.sessions() as s:
            return [shape(r) for r in await s.scalars(select(DataRequest).order_by(DataRequest.id.desc()).limit(limit))]

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
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await self._claim(s, request_id, p, now, status="done")
            if r.kind == "erasure":
                counts = await self.eraser.everything_of(s, r.phone, r.email, p.username,
                                                         f"data request #{r.id}", now)
            else:
                counts = (await holdings(s, r.phone, r.email)).counts()
            r.result = {"counts": {k: v for k, v in counts.items() if v}}
            s.add(AuditEntry(at=now, username=p.username, role=p.role, action="erase" if r.kind == "erasure" else "export",
                             detail=f"data request #{r.id}", address=(address or "")[:64]))
            await s.flush()
            await s.refresh(r)
            return shape(r)

    async def refuse(self, p, request_id: int, reason: str) -> dict:
        async with self.sessions() as s, s.begin():
            r = await self._claim(s, request_id, p, datetime.now(timezone.utc), status="refused",
                                  result={"reason": reason})
            await s.refresh(r)
            return shape(r)

    async def dossier(self, p, request_id: int, address: str) -> str:
        """The printable copy of everything held for an access request (after it was carried
        out); each printing is audited."""
        async with self.sessions() as s, s.begin():
            r = await s.get(DataRequest, request_id)
            if r is None:
                raise Refused(404, "Không có yêu cầu này")
            if r.kind != "access" or r.status != "done":
                raise Refused(409, "Chỉ in hồ sơ của yêu cầu xem dữ liệu đã được thực hiện")
            held = await holdings(s, r.phone, r.email)
            s.add(AuditEntry(username=p.username, role=p.role, action="export", detail=f"data request #{r.id} dossier",
                             address=(address or "")[:64]))
            local = lambda d: aware(d).astimezone(self.tz).strftime("%H:%M %d/%m/%Y") if d else ""  # noqa: E731
            return self.env.get_template("dossier.html.j2").render(
                request=shape(r), province=self.province, tickets=held.tickets, recordings=held.recordings,
                rows=_describe_rows(held), emails=held.emails, local=local, requested=local(r.requested_at),
                printed=local(datetime.now(timezone.utc)))


def _describe_rows(held) -> list[tuple[str, object, str]]:
    """(data class, when, what) for the rows besides tickets and recordings."""
    out = []
    for row in held.numbered:
        when = next((getattr(row, a) for a in ("created_at", "requested_at", "entered_at") if hasattr(row, a)), None)
        what = getattr(row, "text", None) or getattr(row, "status", "") or getattr(row, "outcome", "")
        out.append((CLASSES.get(row.__tablename__, row.__tablename__), when, str(what)))
    return out


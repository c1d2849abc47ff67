"""The audit log of reads of personal data: a ticket's reporter data, its files and its printed
documents, by staff and agencies (Đồng Tháp Art. 3.4, 16; HCMC Art. 9.1), in the same log as the
recordings' listens and downloads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.store.base import iso
from hotline.store.privacy import AuditEntry
from hotline.store.tickets import Ticket

# A desktop shows a ticket again and again while someone works on it: one read a user makes of
# a ticket is recorded once in this window (a file download or a document always).
READ_MINUTES = 10
TICKET_ACTIONS = ("read", "file", "document")


class PersonalDataAudit:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def record(self, p, ticket_ids: list[int], action: str, address: str, detail: str = "") -> None:
        """`p` (a principal: username, role) read the personal data of tickets `ticket_ids`
        (`read`: once per ticket in the window), one of their files (`file`) or a printed document
        (`document`)."""
        assert action in TICKET_ACTIONS, action
        if not ticket_ids:
            return
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            seen = set()
            if action == "read":
                seen = set(await s.scalars(select(AuditEntry.ticket_id).where(
                    AuditEntry.username == p.username, AuditEntry.ticket_id.in_(ticket_ids), AuditEntry.action == "read",
                    AuditEntry.at >= now - timedelta(minutes=READ_MINUTES))))
            s.add_all(AuditEntry(at=now, username=p.username, role=p.role, action=action, ticket_id=ticket_id,
                                 detail=detail[:500], address=(address or "")[:64])
                      for ticket_id in dict.fromkeys(ticket_ids) if ticket_id not in seen)

    async def log(self, ticket_code: str | None = None, username: str | None = None,
                  recording_id: int | None = None, limit: int = 500) -> list[dict]:
        """The log, newest first: of one ticket (by code), one user, or one recording."""
        q = (select(AuditEntry, Ticket.code).outerjoin(Ticket, Ticket.id == AuditEntry.ticket_id)
             .order_by(AuditEntry.id.desc()).limit(limit))
        if ticket_code:
            q = q.where(Ticket.code == ticket_code)
        if username:
            q = q.where(AuditEntry.username == username)
        if recording_id:
            q = q.where(AuditEntry.recording_id == recording_id)
        async with self.sessions() as s:
            return [{"at": iso(a.at), "username": a.username, "role": a.role, "action": a.action,
                     "recording_id": a.recording_id, "ticket_code": code, "detail": a.detail, "address": a.address}
                    for a, code in (await s.execute(q)).all()]

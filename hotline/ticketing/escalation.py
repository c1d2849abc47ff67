"""Deadlines of transferred tickets, enforced from the database (Đồng Tháp Art. 9.3-9.4): the
focal point's deadline passes -> the ticket goes to the agency head (SMS) with the head's
deadline counted from the transfer; the head's passes -> overdue, on the provincial office's list.

Due times live in the `tickets` table, not in timers: a scan finds what is due, at start-up and
then every few seconds. Each step is claimed with one conditional UPDATE in the same transaction
as its SMS and history line, so a restart, or two scans racing, never escalate twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Periodic
from hotline.config.profile import Profile
from hotline.notifications.outbox import enqueue
from hotline.notifications.sms import escalation_text
from hotline.ticketing.deadlines import due_at
from hotline.ticketing.models import Agency, AgencyContact, Ticket
from hotline.ticketing.statuses import TicketStatus
from hotline.transfers.records import add_event

log = logging.getLogger(__name__)


def aware(d: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; the store keeps UTC."""
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


class EscalationScheduler:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, on_sms=None, scan_seconds: float = 30):
        self.sessions = sessions
        self.profile = profile
        self.on_sms = on_sms or (lambda: None)
        self._loop = Periodic("deadline scan", self.scan, scan_seconds)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def scan(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Advance every ticket whose deadline has passed; return (code, new stage) pairs."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s:
            due = list(await s.execute(select(Ticket.id, Ticket.handling_stage)
                                       .where(Ticket.due_at <= now, Ticket.handling_stage.in_(("focal_point", "head")))
                                       .order_by(Ticket.due_at).limit(1000)))
        done = []
        for ticket_id, stage in due:
            step = await (self._to_head(ticket_id, now) if stage == "focal_point" else self._to_overdue(ticket_id, now))
            if step:
                done.append(step)
        if any(stage == "head" for _, stage in done):
            self.on_sms()
        return done

    async def _claim(self, s, ticket_id: int, stage: str, now: datetime, **values) -> bool:
        res = await s.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.handling_stage == stage,
                                                   Ticket.due_at <= now).values(**values)
                              .execution_options(synchronize_session=False))
        return res.rowcount == 1

    async def _to_head(self, ticket_id: int, now: datetime):
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            start = aware(t.transferred_at or t.due_at)
            new_due = due_at(start, self.profile.transfers.head_deadline, self.profile.calendar)
            head = await s.scalar(select(AgencyContact).where(AgencyContact.agency_id == t.agency_id,
                                                              AgencyContact.role == "head")
                                  .order_by(AgencyContact.id).limit(1))
            values = {"handling_stage": "head", "due_at": new_due}
            if head:
                values["assignee_contact_id"] = head.id
            if not await self._claim(s, ticket_id, "focal_point", now, **values):
                return None
            agency = await s.get(Agency, t.agency_id) if t.agency_id else None
            name = agency.name if agency else "cơ quan"
            if head:
                enqueue(s, head.phone, escalation_text(t.code, name, new_due, self.profile.calendar.timezone),
                        "escalation", t.id)
            else:
                log.warning("ticket %s: %s has no head in the directory; escalation without SMS", t.code, name)
            add_event(s, t.id, "system", "escalated_to_head", agency=name, head=head.name if head else None,
                      due_at=new_due)
        log.info("ticket %s escalated to the head of %s, due %s", t.code, name, new_due)
        return t.code, "head"

    async def _to_overdue(self, ticket_id: int, now: datetime):
        async with self.sessions() as s, s.begin():
            if not await self._claim(s, ticket_id, "head", now, handling_stage="overdue",
                                     status=TicketStatus.OVERDUE):
                return None
            t = await s.get(Ticket, ticket_id)
            add_event(s, t.id, "system", "overdue", due_at=t.due_at)
        log.warning("ticket %s overdue: reported to the provincial office", t.code)
        return t.code, "overdue"

    async def overdue(self, limit: int = 500) -> list[tuple[Ticket, str | None]]:
        """The provincial office's list: overdue tickets with their agency's name, oldest deadline
        first."""
        async with self.sessions() as s:
            rows = await s.execute(select(Ticket, Agency.name).outerjoin(Agency, Agency.id == Ticket.agency_id)
                                   .where(Ticket.handling_stage == "overdue").order_by(Ticket.due_at).limit(limit))
            return [(t, name) for t, name in rows]

"""The deadline scan: at start-up and then periodically, every passed deadline is applied (the
step's expiry: escalation, overdue, closing) and every due reminder is sent, each in its own
conditional write, so a scan that runs twice, or two that race, change nothing twice."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hotline.background import Lease, Periodic
from hotline.errors import Refused
from hotline.security.masking import mask_code
from hotline.store.base import aware
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.workflow import state_of

if TYPE_CHECKING:
    from hotline.ticketing.handling import TicketHandling

log = logging.getLogger(__name__)


class DeadlineScan:
    def __init__(self, handling: "TicketHandling", scan_seconds: float = 30, lease: Lease | None = None):
        self.handling = handling
        self.sessions = handling.sessions
        self._loop = Periodic("deadline scan", self.scan, scan_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def scan(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Apply every passed deadline; return (code, new step) pairs."""
        now = now or datetime.now(timezone.utc)
        stages = self.handling.workflow.timed_steps()
        done: list[tuple[str, str]] = []
        # A step whose next deadline is already gone (the head's 48 h from an old transfer) is
        # due again at once: rounds continue while they make progress.
        for _ in range(20):
            async with self.sessions() as s:
                due = list(await s.scalars(select(Ticket.id).where(Ticket.handling_stage.in_(stages),
                                                                   Ticket.due_at <= now)
                                           .order_by(Ticket.due_at).limit(1000)))
            steps = []
            for first in range(0, len(due), 200):  # one transaction per batch, not per ticket
                async with self.sessions() as s, s.begin():
                    for ticket_id in due[first:first + 200]:
                        step = await self._expire(s, ticket_id, now)
                        if step:
                            steps.append(step)
            done += steps
            if not steps:
                break
        reminded = await self.remind(now)
        late_requests = await self.handling.coordination.scan(now)
        if done or reminded or late_requests:
            self.handling.on_sms()
        return done

    async def remind(self, now: datetime) -> list[str]:
        """Send the reminders that are due (once each: the row's `remind_at` is cleared by a
        conditional UPDATE in the same transaction as the SMS); return the ticket codes."""
        async with self.sessions() as s:
            due = list(await s.scalars(select(Ticket.id).where(Ticket.remind_at <= now)
                                       .order_by(Ticket.remind_at).limit(1000)))
        sent: list[str] = []
        for first in range(0, len(due), 200):
            async with self.sessions() as s, s.begin():
                for ticket_id in due[first:first + 200]:
                    t = await s.get(Ticket, ticket_id, populate_existing=True)
                    if t is None or t.remind_at is None or aware(t.remind_at) > now:
                        continue
                    res = await s.execute(update(Ticket).where(Ticket.id == t.id, Ticket.remind_at == t.remind_at)
                                          .values(remind_at=None).execution_options(synchronize_session=False))
                    if res.rowcount != 1 or t.due_at is None or aware(t.due_at) <= now:
                        continue
                    if await self.handling.notices.reminder(s, t):
                        sent.append(t.code)
        return sent

    async def _expire(self, s: AsyncSession, ticket_id: int, now: datetime) -> tuple[str, str] | None:
        t = await s.get(Ticket, ticket_id, populate_existing=True)
        move = self.handling.workflow.expire(state_of(t), now) if t else None
        if move is None:
            return None
        # Overdue keeps the deadline it missed, for the lists; a late mark on the same step clears
        # it (else it would be due again at once).
        keep = {"due_at": t.due_at} if move.stage != move.from_stage and move.due_at is None else {}
        try:
            # The conditional UPDATE is the move's first write: refused, nothing of it was written.
            await self.handling.write(s, t, move, now, keep)
        except Refused:  # changed under us (an answer in the same instant): its own move stands
            return None
        add_event(s, t.id, "system", "deadline_missed" if move.late else "deadline_passed", at=now,
                  **{"from": move.from_stage, "to": move.stage, "due_at": move.due_at})
        await self.handling.notices.on_move(s, t, move)
        log.info("ticket %s: deadline of %s passed -> %s", mask_code(t.code), move.from_stage, move.stage)
        return t.code, move.stage

"""Queries the telephony side needs from the store."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.ticketing import secrecy
from hotline.ticketing.codes import new_code
from hotline.config.statuses import OVERDUE_REPORTED
from hotline.store.tickets import Ticket, TicketEvent, add_event


class TicketStore:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def status_by_code(self, code: str) -> str | None:
        """The status the IVR speaks: an overdue ticket is "reported" only once the provincial
        office was actually told of it."""
        async with self.sessions() as s:
            row = (await s.execute(select(Ticket.id, Ticket.status).where(Ticket.code == code))).first()
            if row is None:
                return None
            if row.status == "overdue" and await s.scalar(
                    select(TicketEvent.id).where(TicketEvent.ticket_id == row.id,
                                                 TicketEvent.action == "office_notified").limit(1)):
                return OVERDUE_REPORTED
            return row.status

    async def create_ticket(self, **fields) -> Ticket:
        async with self.sessions() as s, s.begin():
            ticket = await self.add_ticket(s, **fields)
        return ticket

    async def add_ticket(self, s, **fields) -> Ticket:
        """A new ticket with a free code, inside the caller's transaction (flushed: it has its id)."""
        code = fields.pop("code", None) or await self._free_code(s)
        ticket = Ticket(code=code, **fields)
        s.add(ticket)
        await s.flush()
        return ticket

    async def receive(self, handling, actor, now: datetime | None = None, **fields) -> Ticket:
        """A complete report (another channel, the public form): stored and entered into the
        workflow in one transaction, with the citizen's receipt SMS if the profile sends one."""
        now = now or datetime.now(timezone.utc)
        fields = secrecy.stored_fields(handling.profile, fields)
        async with self.sessions() as s, s.begin():
            ticket = Ticket(code=await self._free_code(s), draft=False, created_at=now, **fields)
            s.add(ticket)
            await s.flush()
            await handling.submit(s, ticket, actor, now)
        handling.on_sms()
        return ticket

    async def submit_draft(self, ticket_id: int, handling, actor, now: datetime | None = None) -> Ticket | None:
        """The operator sends the ticket written during a call: it enters the workflow (once)."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            claimed = await s.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.draft.is_(True))
                                      .values(draft=False).execution_options(synchronize_session=False))
            ticket = await s.get(Ticket, ticket_id)
            if claimed.rowcount == 1 and ticket.handling_stage == handling.workflow.initial:
                await s.refresh(ticket)
                await handling.submit(s, ticket, actor, now)
        handling.on_sms()
        return ticket

    # -- tickets written by operators during a call ----------------------------------------------
    async def draft_for_call(self, linkedid: str, caller_phone: str | None, topic: str | None,
                             operator_id: str | None, recording: str | None) -> Ticket:
        """The draft ticket of a call, created the moment an operator answers (idempotent: a
        second answer of the same call, e.g. after a transfer back, reopens the same draft)."""
        async with self.sessions() as s, s.begin():
            ticket = await s.scalar(select(Ticket).where(Ticket.linkedid == linkedid))
            if ticket is None:
                ticket = Ticket(code=await self._free_code(s), status="received", draft=True, channel="phone",
                                linkedid=linkedid, caller_phone=caller_phone, topic=topic,
                                operator_id=operator_id, recording_path=recording)
                s.add(ticket)
        return ticket

    async def _free_code(self, s) -> str:
        while True:
            code = new_code()
            if not await s.scalar(select(Ticket.id).where(Ticket.code == code)):
                return code

    async def ticket(self, ticket_id: int) -> Ticket | None:
        async with self.sessions() as s:
            return await s.get(Ticket, ticket_id)

    async def ticket_for_call(self, linkedid: str) -> Ticket | None:
        async with self.sessions() as s:
            return await s.scalar(select(Ticket).where(Ticket.linkedid == linkedid))

    async def previous_tickets(self, phone: str, limit: int = 5) -> list[Ticket]:
        return (await self.previous_tickets_of([phone], limit)).get(phone, [])

    async def previous_tickets_of(self, phones: list[str], limit: int = 5) -> dict[str, list[Ticket]]:
        """Each number's filed tickets, newest first, at most `limit` each, in one query."""
        phones = sorted({p for p in phones if p})
        if not phones:
            return {}
        rank = func.row_number().over(partition_by=Ticket.caller_phone,
                                      order_by=(Ticket.created_at.desc(), Ticket.id.desc())).label("rank")
        ranked = (select(Ticket.id, rank).where(Ticket.caller_phone.in_(phones), Ticket.draft.is_(False))
                  .subquery())
        async with self.sessions() as s:
            rows = await s.scalars(select(Ticket).join(ranked, ranked.c.id == Ticket.id)
                                   .where(ranked.c.rank <= limit).order_by(Ticket.created_at.desc(), Ticket.id.desc()))
            out: dict[str, list[Ticket]] = {}
            for t in rows:
                out.setdefault(t.caller_phone, []).append(t)
        return out

    async def update_ticket(self, ticket_id: int, actor: str = "system", **fields) -> Ticket | None:
        """Change a ticket's fields. Once filed (not a draft being written during the call), every
        change is a line of its history with the old and new values, in the same transaction."""
        async with self.sessions() as s, s.begin():
            ticket = await s.get(Ticket, ticket_id)
            if ticket is None:
                return None
            changes = {k: {"old": getattr(ticket, k), "new": v} for k, v in fields.items() if getattr(ticket, k) != v}
            for k, v in fields.items():
                setattr(ticket, k, v)
            if changes and not ticket.draft:
                add_event(s, ticket.id, actor, "edited", changes=changes)
        return ticket

"""Queries the telephony side needs from the store."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.ticketing import secrecy
from hotline.ticketing.codes import new_code
from hotline.config.statuses import OVERDUE_REPORTED
from hotline.store.base import aware
from hotline.store.tickets import Ticket, TicketEvent, add_event

CLOSED_NO_RESULT, CLOSED_UNCLARIFIED = "closed_no_result", "closed_unclarified"
# The steps where the citizen is asked to complete a report (the workflows' names for them).
WAITING_FOR_CITIZEN = ("completing", "clarifying")


class SpokenStatus(str):
    """A ticket's status as the IVR says it: the string is the coarse spoken status (as before:
    `received`, `overdue_reported`, `closed_no_result`, `duplicate`…); `keys` are more specific
    prompts to prefer where the prompts file has them (`stage_<step>`); `original` is a duplicate's
    original (its code and status); `due` is when the citizen's part is due, if it is theirs."""

    keys: tuple[str, ...]
    original: "tuple[str, SpokenStatus] | None"
    due: datetime | None

    def __new__(cls, status: str, keys: tuple[str, ...] = (), original=None, due: datetime | None = None):
        self = super().__new__(cls, status)
        self.keys, self.original, self.due = keys, original, due
        return self


class TicketStore:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def status_by_code(self, code: str) -> SpokenStatus | None:
        """What the IVR says of a ticket (`SpokenStatus`): an overdue ticket is "reported" only once
        the provincial office was actually told of it; a ticket closed without a result is not
        "completed"; a duplicate speaks of its original; a step may have its own prompt."""
        async with self.sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.code == code))
            if t is None:
                return None
            if t.duplicate_of is not None:
                original = await s.get(Ticket, t.duplicate_of)
                if original is not None:
                    return SpokenStatus("duplicate", original=(original.code, await self._spoken(s, original)))
            return await self._spoken(s, t)

    @staticmethod
    async def _spoken(s, t: Ticket) -> "SpokenStatus":
        status, keys, due = t.status, [], None
        if t.handling_stage:
            keys.append(f"stage_{t.handling_stage}")  # a step's own prompt, where the prompts have one
        if status == "overdue" and await s.scalar(
                select(TicketEvent.id).where(TicketEvent.ticket_id == t.id,
                                             TicketEvent.action == "office_notified").limit(1)):
            status = OVERDUE_REPORTED
        elif status == "closed" and not t.result:
            # Closed without an answer: an unanswered request to complete it lapsed (Thanh Hóa
            # group 2), or the unit found nothing to handle (HCMC: a fake report).
            status = CLOSED_UNCLARIFIED if t.question else CLOSED_NO_RESULT
        if t.handling_stage in WAITING_FOR_CITIZEN and status in ("received", "in_progress"):
            due = aware(t.due_at)
        return SpokenStatus(status, keys=tuple(keys), due=due)

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
                             operator_id: str | None, recording: str | None, urgent: bool = False) -> Ticket:
        """The draft ticket of a call, created the moment an operator answers (idempotent: a
        second answer of the same call, e.g. after a transfer back, reopens the same draft). A call
        from the menu's urgent key has `urgent_call` in its history."""
        async with self.sessions() as s, s.begin():
            ticket = await s.scalar(select(Ticket).where(Ticket.linkedid == linkedid))
            if ticket is None:
                ticket = Ticket(code=await self._free_code(s), status="received", draft=True, channel="phone",
                                linkedid=linkedid, caller_phone=caller_phone, topic=topic,
                                operator_id=operator_id, recording_path=recording)
                s.add(ticket)
                if urgent:
                    await s.flush()
                    add_event(s, ticket.id, "system", "urgent_call")
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

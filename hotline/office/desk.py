"""What the provincial office works on: tickets gone overdue (or late) at agencies, with the
letters already sent about each, and matters whose jurisdiction it must decide (the workflow's
steps held by the office), which it assigns to an agency or declares outside the province's
authority through the workflow's own actions."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, or_, select

from hotline.errors import Refused
from hotline.office.letters import OfficeLetters
from hotline.store.agencies import Agency
from hotline.store.office import OfficeLetter
from hotline.store.tickets import Ticket
from hotline.ticketing import views
from hotline.ticketing.handling import Actor, Payload, TicketHandling


class OfficeDesk:
    def __init__(self, handling: TicketHandling, letters: OfficeLetters):
        self.sessions = handling.sessions
        self.handling = handling
        self.workflow = handling.workflow
        self.letters = letters

    def office_steps(self) -> list[str]:
        return [n for n, st in self.workflow.config.steps.items() if st.holder == "office"]

    async def _items(self, where, order, actor: Actor | None, limit: int) -> list[dict]:
        now = datetime.now(timezone.utc)
        letters = (select(OfficeLetter.ticket_id, func.count().label("n")).group_by(OfficeLetter.ticket_id)
                   .subquery())
        async with self.sessions() as s:
            rows = await s.execute(select(Ticket, Agency.name, letters.c.n)
                                   .outerjoin(Agency, Agency.id == Ticket.agency_id)
                                   .outerjoin(letters, letters.c.ticket_id == Ticket.id)
                                   .where(Ticket.draft.is_(False), *where).order_by(*order).limit(limit))
            return [views.office_item(t, self.workflow.step(t.handling_stage), now, name, n or 0,
                                      self.handling.offered(t, actor, now) if actor else [])
                    for t, name, n in rows]

    async def overdue(self, limit: int = 500) -> list[dict]:
        """Tickets an agency holds past their deadline, the longest overdue first."""
        return await self._items([Ticket.handling_stage.in_(self.workflow.agency_steps()),
                                  or_(Ticket.status == "overdue", Ticket.late.is_(True))],
                                 [Ticket.due_at.is_(None), Ticket.due_at, Ticket.id], None, limit)

    async def pending(self, actor: Actor, limit: int = 500) -> list[dict]:
        """Matters waiting for the office's decision, oldest first, with the actions it may take."""
        steps = self.office_steps()
        if not steps:
            return []
        return await self._items([Ticket.handling_stage.in_(steps)], [Ticket.stage_entered_at, Ticket.id], actor,
                                 limit)

    async def decide(self, ticket_id: int, action: str, actor: Actor, payload: Payload) -> dict:
        """One of the workflow's actions on a matter the office holds (assign an agency, declare it
        outside the province's authority); the workflow checks the role and the step."""
        async with self.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        if t is None or t.draft or t.handling_stage not in self.office_steps():
            raise Refused(404, "Không có phiếu này trong danh sách chờ Văn phòng xác định")
        t = await self.handling.act(ticket_id, action, actor, payload)
        async with self.sessions() as s:
            name = await s.scalar(select(Agency.name).where(Agency.id == t.agency_id)) if t.agency_id else None
        return views.office_item(t, self.workflow.step(t.handling_stage), datetime.now(timezone.utc), name)

"""Coordination between agencies on one ticket (Thanh Hóa Art. 12.4): while the handling agency
holds a ticket it may ask other agencies for their part; each asked agency answers within the
profile's limit from the request (5 working days), or its head is told it is late.

The requests run beside the workflow, not in it: the ticket stays with the handling agency and
keeps its own deadline. Each request is a row with its due time, so the deadline scan finds it
after a restart; a late mark and an answer are conditional writes, never applied twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.config.profile import Profile
from hotline.errors import Refused
from hotline.notifications import sms as texts
from hotline.notifications.outbox import enqueue
from hotline.security.masking import mask_code
from hotline.ticketing.deadlines import due_at
from hotline.store.agencies import Agency, AgencyContact
from hotline.store.base import iso
from hotline.store.tickets import CoordinationRequest, Ticket
from hotline.store.tickets import add_event

log = logging.getLogger(__name__)

MAX_OPEN = 10  # open requests per ticket: enough for any real case, a bound for a runaway client


def describe(r: CoordinationRequest, agency_name: str) -> dict:
    return {"id": r.id, "ticket_id": r.ticket_id, "agency_id": r.agency_id, "agency": agency_name,
            "question": r.question, "asked_by": r.asked_by, "asked_at": iso(r.asked_at), "due_at": iso(r.due_at),
            "late": r.late, "answer": r.answer, "answered_by": r.answered_by, "answered_at": iso(r.answered_at)}


async def _phone(s: AsyncSession, agency_id: int, role: str) -> str | None:
    return await s.scalar(select(AgencyContact.phone).where(AgencyContact.agency_id == agency_id,
                                                            AgencyContact.role == role)
                          .order_by(AgencyContact.id).limit(1))


class Coordination:
    def __init__(self, sessions: async_sessionmaker, profile: Profile):
        self.sessions = sessions
        self.profile = profile
        self.config = profile.workflow.coordination

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def may_ask(self, t: Ticket) -> bool:
        return self.enabled and (t.handling_stage or "") in self.config.from_

    async def ask(self, ticket_id: int, asking_agency: int, who: str, agency_id: int, question: str,
                  now: datetime | None = None) -> dict:
        """The handling agency asks `agency_id` for its part; its focal point gets an SMS."""
        now = now or datetime.now(timezone.utc)
        if not self.enabled:
            raise Refused(409, "Quy trình của tỉnh không có bước đề nghị phối hợp")
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            if t is None or t.agency_id != asking_agency:
                raise Refused(404, "Không có phiếu này")
            return await self.ask_in(s, t, who, agency_id, question, now)

    async def ask_in(self, s, t: Ticket, who: str, agency_id: int, question: str, now: datetime) -> dict:
        """The request for the ticket's handling agency, inside the caller's transaction (also
        when the hotline names several agencies at distribution)."""
        asking_agency = t.agency_id
        if not self.may_ask(t):
            raise Refused(409, "Chỉ đề nghị phối hợp khi phiếu đang do cơ quan xử lý")
        helper = await s.get(Agency, agency_id)
        if helper is None or not helper.active:
            raise Refused(422, "Không có cơ quan này")
        if helper.id == asking_agency:
            raise Refused(422, "Cơ quan phối hợp phải là cơ quan khác")
        open_ = list(await s.scalars(select(CoordinationRequest).where(
            CoordinationRequest.ticket_id == t.id, CoordinationRequest.answered_at.is_(None))))
        if any(r.agency_id == helper.id for r in open_):
            raise Refused(409, f"Đã đề nghị {helper.name} phối hợp, đang chờ trả lời")
        if len(open_) >= MAX_OPEN:
            raise Refused(409, f"Tối đa {MAX_OPEN} đề nghị phối hợp đang chờ")
        due = due_at(now, self.config.deadline, self.profile.calendar)
        r = CoordinationRequest(ticket_id=t.id, agency_id=helper.id, asked_by=who, asked_at=now,
                                question=question, due_at=due, late=False)
        s.add(r)
        await s.flush()
        add_event(s, t.id, who, "coordination_asked", agency=helper.name, question=question[:2000], due_at=due)
        asking = await s.get(Agency, asking_agency)
        phone = await _phone(s, helper.id, "focal_point")
        if phone:
            enqueue(s, phone, texts.coordination_text(t.code, asking.name, due, self.profile.calendar.timezone),
                    "coordination", t.id)
        else:
            log.warning("ticket %s: %s has no focal point to ask", mask_code(t.code), helper.name)
        return describe(r, helper.name)

    async def answer(self, request_id: int, agency_id: int, who: str, text: str,
                     now: datetime | None = None) -> dict:
        """The asked agency gives its part, once; the handling agency's focal point is told."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await s.get(CoordinationRequest, request_id)
            if r is None or r.agency_id != agency_id:
                raise Refused(404, "Không có đề nghị phối hợp này")
            done = await s.execute(update(CoordinationRequest)
                                   .where(CoordinationRequest.id == r.id, CoordinationRequest.answered_at.is_(None))
                                   .values(answer=text, answered_by=who, answered_at=now, due_at=None)
                                   .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise Refused(409, "Đề nghị phối hợp này đã được trả lời")
            await s.refresh(r)
            t = await s.get(Ticket, r.ticket_id)
            helper = await s.get(Agency, r.agency_id)
            add_event(s, t.id, who, "coordination_answered", agency=helper.name, answer=text[:2000], late=r.late)
            phone = await _phone(s, t.agency_id, "focal_point") if t.agency_id else None
            if phone:
                enqueue(s, phone, texts.coordination_answered_text(t.code, helper.name), "coordination", t.id)
            return describe(r, helper.name)

    async def of_tickets(self, ticket_ids: list[int]) -> dict[int, list[dict]]:
        """The requests made on each of these tickets, oldest first."""
        if not ticket_ids:
            return {}
        async with self.sessions() as s:
            rows = (await s.execute(select(CoordinationRequest, Agency.name)
                                    .join(Agency, Agency.id == CoordinationRequest.agency_id)
                                    .where(CoordinationRequest.ticket_id.in_(ticket_ids))
                                    .order_by(CoordinationRequest.id))).all()
        out: dict[int, list[dict]] = {}
        for r, name in rows:
            out.setdefault(r.ticket_id, []).append(describe(r, name))
        return out

    async def of_ticket(self, ticket_id: int) -> list[dict]:
        return (await self.of_tickets([ticket_id])).get(ticket_id, [])

    async def asked_of(self, agency_id: int, limit: int = 500) -> list[dict]:
        """What others asked this agency, open ones first, with the ticket's code and content (not
        the reporter's details: the handling agency answers the citizen)."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(CoordinationRequest, Ticket.code, Ticket.content, Ticket.topic, Agency.name)
                .join(Ticket, Ticket.id == CoordinationRequest.ticket_id)
                .join(Agency, Agency.id == Ticket.agency_id, isouter=True)
                .where(CoordinationRequest.agency_id == agency_id)
                .order_by(CoordinationRequest.answered_at.is_not(None), CoordinationRequest.asked_at.desc())
                .limit(limit))).all()
        return [{**describe(r, ""), "code": code, "content": content, "topic": topic, "asking_agency": asking}
                for r, code, content, topic, asking in rows]

    async def scan(self, now: datetime) -> list[int]:
        """Mark late the requests past their due time, telling the asked agency's head (once)."""
        if not self.enabled:
            return []
        async with self.sessions() as s:
            due = list(await s.scalars(select(CoordinationRequest.id).where(CoordinationRequest.due_at <= now)
                                       .order_by(CoordinationRequest.due_at).limit(1000)))
        marked = []
        for request_id in due:
            async with self.sessions() as s, s.begin():
                done = await s.execute(update(CoordinationRequest)
                                       .where(CoordinationRequest.id == request_id,
                                              CoordinationRequest.due_at <= now,
                                              CoordinationRequest.answered_at.is_(None))
                                       .values(late=True, due_at=None).execution_options(synchronize_session=False))
                if done.rowcount != 1:
                    continue
                r = await s.get(CoordinationRequest, request_id)
                t = await s.get(Ticket, r.ticket_id)
                helper = await s.get(Agency, r.agency_id)
                add_event(s, t.id, "system", "coordination_missed", agency=helper.name)
                phone = await _phone(s, helper.id, "head") or await _phone(s, helper.id, "focal_point")
                if phone:
                    enqueue(s, phone, texts.coordination_late_text(t.code, helper.name), "coordination_late", t.id)
                marked.append(request_id)
        return marked

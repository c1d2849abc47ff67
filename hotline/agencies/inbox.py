"""The agency inbox: the tickets handed to an agency, with their step, deadline and overdue state,
and the actions its staff may take on each (answer, reschedule once, return with a reason,
approve); the moves themselves are the workflow's (`hotline.ticketing.handling`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.ticketing import secrecy, views
from hotline.ticketing.handling import Actor, Payload, TicketHandling
from hotline.ticketing.attachments import Attachments, Upload, describe
from hotline.store.agencies import Agency
from hotline.store.tickets import Attachment, Ticket

def _agency_of(actor: Actor) -> int:
    """The actor's agency; an account of no agency gets nothing here."""
    if actor.agency_id is None:
        raise Refused(403, "Tài khoản không thuộc cơ quan nào")
    return actor.agency_id


class AgencyInbox:
    def __init__(self, sessions: async_sessionmaker, handling: TicketHandling, files: Attachments):
        self.sessions = sessions
        self.handling = handling
        self.files = files

    def item(self, t: Ticket, actor: Actor, now: datetime, files: list[Attachment] = (),
             asked: list[dict] = (), anonymous: bool = False) -> dict:
        workflow = self.handling.workflow
        return views.inbox_item(t, workflow.step(t.handling_stage or workflow.initial), now,
                                [describe(a) for a in files], asked, self.handling.offered(t, actor, now),
                                self.handling.coordination.may_ask(t),
                                self.handling.letters.config.enabled and bool(t.result), anonymous,
                                self.handling.transfer_documents.available(t))

    async def anonymous(self, actor: Actor) -> bool:
        """Whether the actor's agency is of a level that never sees who reported (the profile's
        `identity_hidden_from`, HCMC Art. 9.1)."""
        hidden = self.handling.profile.identity_hidden_from
        if not hidden:
            return False
        async with self.sessions() as s:
            level = await s.scalar(select(Agency.level).where(Agency.id == _agency_of(actor)))
        return level in hidden

    async def tickets(self, actor: Actor, limit: int = 500) -> list[dict]:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s:
            rows = list(await s.scalars(select(Ticket).where(Ticket.agency_id == actor.agency_id)
                                        .order_by(Ticket.due_at.is_(None), Ticket.due_at).limit(limit)))
            files: dict[int, list[Attachment]] = {}
            for a in await s.scalars(select(Attachment).where(Attachment.ticket_id.in_([t.id for t in rows]))
                                     .order_by(Attachment.id)):
                files.setdefault(a.ticket_id, []).append(a)
        asked = await self.handling.coordination.of_tickets([t.id for t in rows])
        anonymous = await self.anonymous(actor)
        return [self.item(t, actor, now, files.get(t.id, []), asked.get(t.id, []), anonymous) for t in rows]

    async def _own(self, actor: Actor, ticket_id: int) -> Ticket:
        """A ticket of the actor's agency; any other is unknown to it."""
        _agency_of(actor)
        async with self.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        if t is None or t.agency_id != actor.agency_id:
            raise Refused(404, "Không có phiếu này")
        return t

    async def own_ticket(self, actor: Actor, ticket_id: int) -> Ticket:
        return await self._own(actor, ticket_id)

    async def _view(self, actor: Actor, t: Ticket) -> dict:
        return self.item(t, actor, datetime.now(timezone.utc), await self.files.of_ticket(t.id),
                         await self.handling.coordination.of_ticket(t.id), await self.anonymous(actor))

    async def act(self, actor: Actor, ticket_id: int, action: str, payload: Payload) -> dict:
        _agency_of(actor)
        t = await self.handling.act(ticket_id, action, actor, payload)
        return await self._view(actor, t)

    async def attach(self, actor: Actor, ticket_id: int, uploads: list[Upload], public: bool) -> dict:
        """Documents and site photos given with the agency's answer; `public` ones are shown with
        the published result (never on a confidential or state-secret ticket)."""
        t = await self._own(actor, ticket_id)
        if t.status == "closed":
            raise Refused(409, "Phiếu đã đóng, không thể đính kèm thêm")
        secrecy.refuse_details(self.handling.profile, t, "tệp đính kèm")
        if not uploads:
            raise Refused(422, "Chưa chọn tệp")
        await self.files.save(t.id, self.files.check(uploads, documents=True), actor.name,
                              datetime.now(timezone.utc), public=public and not (t.confidential or t.state_secret))
        return await self._view(actor, t)

    async def ask(self, actor: Actor, ticket_id: int, agency_id: int, question: str) -> dict:
        """Ask another agency for its part of one of this agency's tickets."""
        await self.handling.coordination.ask(ticket_id, _agency_of(actor), actor.name, agency_id, question)
        self.handling.on_sms()
        return await self._view(actor, await self._own(actor, ticket_id))

    async def asked(self, actor: Actor) -> list[dict]:
        """What other agencies asked this one to coordinate on."""
        return await self.handling.coordination.asked_of(_agency_of(actor))

    async def answer_asked(self, actor: Actor, request_id: int, text: str) -> dict:
        done = await self.handling.coordination.answer(request_id, _agency_of(actor), actor.name, text)
        self.handling.on_sms()
        return done

    async def partners(self, actor: Actor) -> list[dict]:
        """The other active agencies, to ask for coordination."""
        async with self.sessions() as s:
            rows = (await s.execute(select(Agency.id, Agency.name).where(Agency.active.is_(True),
                                                                        Agency.id != actor.agency_id)
                                    .order_by(Agency.name))).all()
        return [{"id": i, "name": n} for i, n in rows]

    async def letter(self, actor: Actor, ticket_id: int) -> str:
        """The result notice of one of this agency's tickets, to print for signature."""
        return await self.handling.letters.render(await self._own(actor, ticket_id), for_agency=True,
                                                  anonymous=await self.anonymous(actor))

    async def level1_answers(self, actor: Actor, days: int = 31, limit: int = 500) -> list[dict]:
        """The operators' direct (level-1) answers of the last `days` in the agency's fields, newest
        first: for its head, where the profile says so (Đồng Nai CV 1407 item 4)."""
        if not self.handling.profile.level1_answers_to_heads:
            raise Refused(404, "Tỉnh không dùng chức năng này")
        if "leader" not in actor.roles:
            raise Refused(403, "Chỉ Thủ trưởng (tài khoản lãnh đạo) theo dõi câu trả lời cấp 1")
        since = datetime.now(timezone.utc) - timedelta(days=days)
        async with self.sessions() as s:
            agency = await s.get(Agency, _agency_of(actor))
            fields = agency.field_list if agency else []
            if not fields:
                return []
            rows = await s.scalars(select(Ticket).where(Ticket.answer_level == 1, Ticket.draft.is_(False),
                                                        Ticket.state_secret.is_(False), Ticket.topic.in_(fields),
                                                        Ticket.answered_at >= since)
                                   .order_by(Ticket.answered_at.desc()).limit(limit))
            return [views.level1_item(t) for t in rows]

    async def transfer_document(self, actor: Actor, ticket_id: int) -> str:
        """The printed transfer document of one of this agency's tickets (its own copy: the
        reporter's identity left out where the agency may not see it)."""
        return await self.handling.transfer_documents.render(await self._own(actor, ticket_id),
                                                             hide_reporter=await self.anonymous(actor))

    async def file(self, actor: Actor, ticket_id: int, attachment_id: int):
        t = await self._own(actor, ticket_id)
        return await self.files.get(t.id, attachment_id)

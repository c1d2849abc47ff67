"""The provincial office's letters to an agency about one ticket (Đồng Tháp Art. 9.5): a reminder
to act on it (văn bản nhắc, đôn đốc) or a request to explain the delay (yêu cầu giải trình), on
the profile's letter template, numbered per year, recorded on the ticket, and sent to the
agency's head by SMS and e-mail through the outboxes in the same transaction. The agency answers
a request for explanation once, from its inbox.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.config.profile import Profile
from hotline.documents.render import renderer
from hotline.documents.signing import OFFICE, Issuer
from hotline.errors import Refused
from hotline.notifications import sms as texts
from hotline.notifications.email import add_once
from hotline.notifications.outbox import enqueue
from hotline.store.agencies import Agency
from hotline.store.base import aware, iso
from hotline.store.office import OfficeLetter
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.deadlines import due_at
from hotline.ticketing.notices import contact_of

KINDS = {"reminder": "Văn bản nhắc, đôn đốc", "explanation": "Yêu cầu giải trình"}
SUBJECTS = {"reminder": "V/v nhắc, đôn đốc xử lý phản ánh mã số {code}",
            "explanation": "V/v yêu cầu giải trình việc chậm xử lý phản ánh mã số {code}"}


def label(letter: OfficeLetter, suffix: str) -> str:
    return f"{letter.number}/{suffix}"


class OfficeLetters:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, agency_steps: list[str], on_sms=None):
        self.sessions = sessions
        self.profile = profile
        self.agency_steps = agency_steps  # the workflow's steps an agency holds
        self.on_sms = on_sms or (lambda: None)
        self.render_html = renderer().html
        self.issuer = Issuer(OFFICE)

    @property
    def office(self):
        return self.profile.office

    def view(self, letter: OfficeLetter, code: str, agency: str) -> dict:
        return {"id": letter.id, "number": label(letter, self.office.number_suffix), "kind": letter.kind,
                "kind_text": KINDS[letter.kind], "ticket_id": letter.ticket_id, "code": code,
                "agency_id": letter.agency_id, "agency": agency, "body": letter.body, "issued_by": letter.issued_by,
                "issued_at": iso(letter.issued_at), "due_at": iso(letter.due_at), "answer": letter.answer,
                "answered_by": letter.answered_by, "answered_at": iso(letter.answered_at),
                "late": bool(letter.due_at and not letter.answered_at
                             and aware(letter.due_at) < datetime.now(timezone.utc))}

    async def issue(self, ticket_id: int, kind: str, body: str, actor: str, now: datetime | None = None) -> dict:
        """Write the letter (retried once if another took the same number in the same instant)."""
        for attempt in (1, 2):
            try:
                return await self._issue(ticket_id, kind, body, actor, now or datetime.now(timezone.utc))
            except IntegrityError:
                if attempt == 2:
                    raise Refused(409, "Số văn bản vừa được dùng, vui lòng thử lại") from None
        raise AssertionError("unreachable")

    async def _issue(self, ticket_id: int, kind: str, body: str, actor: str, now: datetime) -> dict:
        if kind not in KINDS:
            raise Refused(422, "Loại văn bản là nhắc, đôn đốc hoặc yêu cầu giải trình")
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            if t is None or t.draft:
                raise Refused(404, "Không có phiếu này")
            if t.agency_id is None or t.handling_stage not in self.agency_steps:
                raise Refused(409, "Phiếu không ở cơ quan nào: không có nơi nhận văn bản")
            if kind == "explanation" and not (t.status == "overdue" or t.late):
                raise Refused(409, "Chỉ yêu cầu giải trình khi phiếu đã chậm hoặc quá hạn")
            agency = await s.get(Agency, t.agency_id)
            year = now.astimezone(ZoneInfo(self.profile.calendar.timezone)).year
            number = (await s.scalar(select(func.max(OfficeLetter.number)).where(OfficeLetter.year == year)) or 0) + 1
            limit = self.office.explanation_within if kind == "explanation" else None
            letter = OfficeLetter(year=year, number=number, kind=kind, ticket_id=t.id, agency_id=agency.id,
                                  body=body, issued_by=actor, issued_at=now,
                                  due_at=due_at(now, limit, self.profile.calendar) if limit else None)
            s.add(letter)
            await s.flush()
            number_text = label(letter, self.office.number_suffix)
            add_event(s, t.id, actor, "office_letter", at=now, kind=kind, letter=letter.id, number=number_text,
                      agency=agency.name, due_at=letter.due_at)
            await self._send(s, letter, t, agency, number_text)
            view = self.view(letter, t.code, agency.name)
        self.on_sms()
        return view

    async def _send(self, s: AsyncSession, letter: OfficeLetter, t: Ticket, agency: Agency, number: str) -> None:
        """The agency's head (else its focal point) learns of the letter by SMS, and by e-mail with
        the letter's text where the contact has an address."""
        contact = await contact_of(s, agency.id, "head") or await contact_of(s, agency.id, "focal_point")
        if contact is None:
            return  # the letter is in the agency's inbox all the same
        tz = self.profile.calendar.timezone
        if contact.phone:
            enqueue(s, contact.phone, texts.office_letter_text(self.office.name, number, KINDS[letter.kind], t.code,
                                                               aware(letter.due_at), tz), "office_letter", t.id)
        if contact.email:
            await add_once(s, f"office-letter:{letter.id}:{contact.id}", contact.email,
                           f"{self.office.name}: văn bản {number} - {SUBJECTS[letter.kind].format(code=t.code)}",
                           self.plain(letter, t, agency, number))

    def plain(self, letter: OfficeLetter, t: Ticket, agency: Agency, number: str) -> str:
        tz = self.profile.calendar.timezone
        lines = [f"{self.office.name} - văn bản số {number}", SUBJECTS[letter.kind].format(code=t.code), "",
                 f"Kính gửi: {agency.name}", "", letter.body]
        if letter.due_at:
            lines += ["", f"Thời hạn gửi giải trình: {texts.local_time(aware(letter.due_at), tz)}."]
        lines += ["", "Văn bản đầy đủ và nơi trả lời: hộp thư cơ quan trên hệ thống Tổng đài 1022."]
        return "\n".join(lines)

    async def answer(self, letter_id: int, agency_id: int, actor: str, text: str,
                     now: datetime | None = None) -> dict:
        """The agency's explanation, once (a conditional UPDATE), recorded on the ticket."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            letter = await s.get(OfficeLetter, letter_id)
            if letter is None or letter.agency_id != agency_id:
                raise Refused(404, "Không có văn bản này")
            if letter.kind != "explanation":
                raise Refused(409, "Văn bản nhắc, đôn đốc không cần trả lời")
            res = await s.execute(update(OfficeLetter).where(OfficeLetter.id == letter_id,
                                                             OfficeLetter.answered_at.is_(None))
                                  .values(answer=text, answered_by=actor, answered_at=now)
                                  .execution_options(synchronize_session=False))
            if res.rowcount != 1:
                raise Refused(409, "Văn bản này đã được giải trình")
            await s.refresh(letter)
            t = await s.get(Ticket, letter.ticket_id)
            agency = await s.get(Agency, agency_id)
            add_event(s, t.id, actor, "office_explained", at=now, letter=letter.id,
                      number=label(letter, self.office.number_suffix), answer=text[:2000])
            return self.view(letter, t.code, agency.name)

    async def listing(self, agency_id: int | None = None, ticket_id: int | None = None, limit: int = 200) -> list[dict]:
        """Letters, newest first: all (the office), an agency's, or a ticket's."""
        q = (select(OfficeLetter, Ticket.code, Agency.name).join(Ticket, Ticket.id == OfficeLetter.ticket_id)
             .join(Agency, Agency.id == OfficeLetter.agency_id))
        if agency_id is not None:
            q = q.where(OfficeLetter.agency_id == agency_id)
        if ticket_id is not None:
            q = q.where(OfficeLetter.ticket_id == ticket_id)
        async with self.sessions() as s:
            rows = await s.execute(q.order_by(OfficeLetter.id.desc()).limit(limit))
            return [self.view(letter, code, name) for letter, code, name in rows]

    async def ticket_of(self, letter_id: int) -> int:
        async with self.sessions() as s:
            letter = await s.get(OfficeLetter, letter_id)
        if letter is None:
            raise Refused(404, "Không có văn bản này")
        return letter.ticket_id

    async def render(self, letter_id: int, agency_id: int | None = None) -> str:
        """The letter as a printable page (an agency reads only its own)."""
        async with self.sessions() as s:
            letter = await s.get(OfficeLetter, letter_id)
            if letter is None or (agency_id is not None and letter.agency_id != agency_id):
                raise Refused(404, "Không có văn bản này")
            t = await s.get(Ticket, letter.ticket_id)
            agency = await s.get(Agency, letter.agency_id)
        tz = ZoneInfo(self.profile.calendar.timezone)
        local = (lambda d: aware(d).astimezone(tz) if d else None)
        return self.render_html("office_letter.html.j2",
            office=self.office, number=label(letter, self.office.number_suffix), kind=letter.kind,
            subject=SUBJECTS[letter.kind].format(code=t.code), agency=agency.name, code=t.code,
            received=local(t.created_at), transferred=local(t.transferred_at), due=local(t.due_at),
            status=t.status, late=t.late, body=letter.body, day=local(letter.issued_at),
            explain_by=local(letter.due_at), answer=letter.answer, answered_at=local(letter.answered_at))

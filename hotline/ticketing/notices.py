"""Who is told of a ticket's move, and what: the citizen (receipt, status, a request to complete
the report, the result, or a survey call that reads it), the agency's focal point (the transfer
slip) and head (escalation, approval), and the reminders before a deadline. SMS go into the
durable outbox inside the move's own transaction, so a move and its messages are written together
or not at all. A citizen who wrote (e-mail, web chat, Zalo, Messenger, SMS to the hotline) is told
in the conversation's own thread by a hook the wiring registers (`in_thread`: the conversations
sit above this package), in the same transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline.config.profile import Profile
from hotline.notifications import sms as texts
from hotline.notifications.email import add_once
from hotline.notifications.outbox import enqueue, enqueue_to_citizen
from hotline.phones import vietnamese_callable, vietnamese_mobile
from hotline.security.masking import mask_code
from hotline.store.agencies import Agency, AgencyContact
from hotline.store.base import aware, utcnow
from hotline.store.callbacks import SurveyCall
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket, TicketEvent, add_event
from hotline.ticketing.workflow import Move, Workflow, state_of

log = logging.getLogger(__name__)

# The citizen's notices a regulation requires: never held back by the daily cap per number.
REQUIRED = frozenset({"refusal", "delay", "result", "clarify", "forwarded", "thanks"})
UNDELIVERED = "notice_undelivered"  # the history event of a required notice that could not go
SMS_FAILED = "sms_failed"  # the history event of an SMS that failed after its tries (the outbox's)
SMS_CHANNELS = ("phone", "web", "app")  # reports whose citizen is told by SMS (an app: Open311)


async def undelivered(s: AsyncSession, since) -> list[dict]:
    """The notices that did not reach their citizen since `since`, newest first (supervisors)."""
    rows = await s.execute(select(TicketEvent, Ticket.code).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                           .where(TicketEvent.action.in_((UNDELIVERED, SMS_FAILED)), TicketEvent.at >= since)
                           .order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(500))
    return [{"ticket_id": e.ticket_id, "code": code, "event": e.action, "at": aware(e.at).isoformat(),
             "purpose": (e.detail or {}).get("purpose"), "reason": (e.detail or {}).get("reason")
             or (e.detail or {}).get("error")} for e, code in rows]


async def contact_of(s: AsyncSession, agency_id: int | None, role: str) -> AgencyContact | None:
    """The agency's first contact of `role` (focal_point, head)."""
    if agency_id is None:
        return None
    return await s.scalar(select(AgencyContact).where(AgencyContact.agency_id == agency_id,
                                                      AgencyContact.role == role)
                          .order_by(AgencyContact.id).limit(1))


# The conversations' hook (`hotline.conversations.notices.ThreadNotices.tell`): (session, ticket,
# text, purpose, whole text) -> True: sent in the ticket's thread; False: its channel may not send
# now; None: the ticket came from no conversation.
InThread = Callable[[AsyncSession, Ticket, str, str, "str | None"], Awaitable["bool | None"]]


class Notices:
    def __init__(self, profile: Profile, workflow: Workflow, lookup_url: str, citizen_sms_per_day: int):
        self.profile = profile
        self.workflow = workflow
        self.lookup_url = lookup_url
        self.citizen_sms_per_day = citizen_sms_per_day
        self.in_thread: InThread | None = None  # registered at wiring by the conversations

    def lookup_link(self, t: Ticket) -> str:
        """Where a notice sends the citizen: the ticket's own page by its secret (no phone to type),
        or the look-up by code for a ticket of an earlier version without one."""
        return self.public_link(t) or f"{self.lookup_url}/tra-cuu?ma={t.code}"

    def public_link(self, t: Ticket) -> str:
        """The ticket's public page, opened without a phone (`hotline.public.desk.public_link`)."""
        return f"{self.lookup_url}/p/{t.public_secret}" if self.lookup_url and t.public_secret else ""

    def result_text(self, t: Ticket) -> str:
        return texts.result_text(t.code, self.lookup_link(t))

    def result_whole(self, t: Ticket) -> str | None:
        """The result with the agency's approved answer itself, for a thread that carries it."""
        return texts.result_whole(t.code, t.result, self.lookup_link(t)) if t.result else None

    async def result_sms(self, s: AsyncSession, t: Ticket) -> None:
        """The result SMS with the look-up link, once: it goes when the answer is published (HCMC
        Art. 7.4), so a survey call that reached no one finds it sent already."""
        if await s.scalar(select(SmsMessage.id).where(SmsMessage.ticket_id == t.id, SmsMessage.purpose == "result")
                          .limit(1)) is None:
            await self.tell_citizen(s, t, self.result_text(t), "result")

    async def tell_citizen(self, s: AsyncSession, t: Ticket, text: str, purpose: str,
                           whole: str | None = None) -> None:
        """A notice to the ticket's citizen: in the conversation's thread when the ticket came from
        one and its channel may send now (`in_thread`; `whole`: a longer form for a thread that
        carries it), else an SMS. The daily cap per number holds for receipts and status
        messages, not for the notices a regulation requires (`REQUIRED`: refusal with its reason,
        a new date, the result, a request to complete, where the report went). A required notice
        that cannot go (outside the channel's window and no mobile number) is written on the
        ticket's history, and the supervisors see it (`undelivered`); one that fails after its
        tries is, too (the SMS outbox)."""
        thread = await self.in_thread(s, t, text, purpose, whole) if self.in_thread is not None else None
        if thread:
            return
        number = vietnamese_mobile(t.caller_phone)
        if purpose not in REQUIRED:
            await enqueue_to_citizen(s, t.caller_phone, text, purpose, t.id, self.citizen_sms_per_day)
        elif number is not None:
            enqueue(s, number, text, purpose, t.id)
        elif thread is not None or t.channel in SMS_CHANNELS:
            reason = ("outside_window" if thread is not None
                      else "no_number" if not t.caller_phone else "not_a_mobile_number")
            add_event(s, t.id, "system", UNDELIVERED, purpose=purpose, by="sms", reason=reason)
            log.warning("ticket %s: required %s notice not sent: %s", mask_code(t.code), purpose, reason)

    def survey_call(self, s: AsyncSession, t: Ticket) -> bool:
        """Where the profile has survey calls: one for an answered ticket that came by phone."""
        survey = self.profile.survey
        number = vietnamese_callable(t.caller_phone)
        if not survey.enabled or t.channel != "phone" or number is None or t.state_secret:
            return False
        answered = aware(t.stage_entered_at) or utcnow()  # the move's own time (the workflow's clock)
        s.add(SurveyCall(ticket_id=t.id, number=number, status="pending",
                         due_at=answered + timedelta(minutes=survey.delay_minutes)))
        return True

    def answer_due(self, t: Ticket, stage: str):
        """When the answer to the citizen is due, where the step's own limit is another (its
        `answer_by` step's deadline, counted from the receipt or the transfer); None if unknown."""
        step = self.workflow.step(stage)
        if not step.answer_by:
            return None
        entered = aware(t.stage_entered_at) or utcnow()
        return self.workflow.deadline(step.answer_by, state_of(t), entered)

    async def on_move(self, s: AsyncSession, t: Ticket, move: Move) -> None:
        """The SMS of a move, to each recipient its step or action names (in the move's transaction)."""
        tz = self.profile.calendar.timezone
        for who in move.notify:
            if who == "citizen":
                whole = None
                if move.stage == self.workflow.initial and move.from_stage == move.stage:
                    text, purpose = texts.receipt_text(t.code, self.profile.name, self.public_link(t)), "receipt"
                elif move.publish:
                    text, purpose, whole = self.result_text(t), "result", self.result_whole(t)
                    # Later reporters of the same incident get the result too (HCMC Art. 6.4).
                    for dup in await s.scalars(select(Ticket).where(Ticket.duplicate_of == t.id,
                                                                    Ticket.caller_phone.is_not(None))):
                        await self.tell_citizen(s, dup, text, "result", whole)
                    # HCMC Art. 7.4: the SMS goes when the answer is approved; the survey call
                    # (in calling hours) comes in addition, never instead.
                    self.survey_call(s, t)
                elif move.citizen_notice == "refusal":
                    text, purpose = texts.refusal_text(t.code, t.reason or "", self.lookup_link(t)), "refusal"
                elif move.citizen_notice == "delay":
                    dated = "date" in self.workflow.needs(move.action, move.from_stage)  # else: late, no new date
                    text = texts.delay_text(t.code, move.due_at if dated else None, t.reason or "",
                                            self.lookup_link(t), tz)
                    purpose = "delay"
                elif move.citizen_notice == "forwarded" and t.agency_id is not None:
                    agency = await s.get(Agency, t.agency_id)
                    text, purpose = texts.forwarded_text(t.code, agency.name, self.lookup_link(t)), "forwarded"
                elif move.citizen_notice == "thanks":
                    agency = await s.get(Agency, t.agency_id) if t.agency_id else None
                    text = texts.thanks_text(t.code, agency.name if agency else None, self.lookup_link(t))
                    purpose = "thanks"
                elif move.citizen_notice == "clarify":
                    limit = self.workflow.step(move.stage).deadline
                    days = f"{limit.amount:g} ngày làm việc" if limit else None
                    text, purpose = texts.clarify_text(t.code, days, self.lookup_link(t)), "clarify"
                else:
                    text, purpose = texts.status_text(t.code, self.workflow.step(move.stage).title), "status"
                await self.tell_citizen(s, t, text, purpose, whole)
                continue
            if who == "office":
                await self.tell_office(s, t, move)
                continue
            contact = await contact_of(s, t.agency_id, "focal_point" if who == "focal_point" else "head")
            agency = await s.get(Agency, t.agency_id) if t.agency_id else None
            if contact is None or agency is None:
                log.warning("ticket %s: no %s to notify for step %s", mask_code(t.code), who, move.stage)
                continue
            step = self.workflow.step(move.stage)
            if who == "focal_point":
                topic = next((q.name for q in self.profile.queues.queues if q.topic == t.topic), None)
                text = texts.transfer_slip_text(t.code, agency.name, topic, move.due_at, tz, step.due_means,
                                                self.answer_due(t, move.stage)) \
                    if move.due_at else texts.status_text(t.code, step.title)
                purpose = "transfer_slip"
            elif self.workflow.step(move.stage).holder == "leader":
                text, purpose = texts.approval_text(t.code, agency.name), "approval"
            elif move.due_at:
                text = texts.escalation_text(t.code, agency.name, move.due_at, tz, step.due_means,
                                             self.answer_due(t, move.stage))
                purpose = "escalation"
            else:
                text, purpose = texts.status_text(t.code, self.workflow.step(move.stage).title), "status"
            enqueue(s, contact.phone, text, purpose, t.id)

    async def tell_office(self, s: AsyncSession, t: Ticket, move: Move) -> None:
        """The provincial office learns that a ticket entered the step (an overdue one, Đồng Tháp
        Art. 9.4): an SMS and an e-mail to the profile's office contacts, recorded on the ticket, so
        that the IVR can say the matter was reported only when it was."""
        office = self.profile.office
        agency = await s.get(Agency, t.agency_id) if t.agency_id else None
        step = self.workflow.step(move.stage)
        sent = []
        if office.phone:
            enqueue(s, office.phone, texts.office_text(t.code, step.title, agency.name if agency else None), "office",
                    t.id)
            sent.append("sms")
        if office.email:
            body = texts.office_mail(t.code, step.title, agency.name if agency else None, t.content or "",
                                     aware(t.due_at), self.profile.calendar.timezone)
            if await add_once(s, f"office:{t.id}:{move.stage}:{t.version}", office.email,
                              f"Phiếu {t.code}: {step.title}", body):
                sent.append("email")
        if not sent:
            log.warning("ticket %s: no office contact to tell of step %s (profile office.phone/email)",
                        mask_code(t.code), move.stage)
            return
        add_event(s, t.id, "system", "office_notified", stage=move.stage, office=office.name, by=sent)

    async def reminder(self, s: AsyncSession, t: Ticket) -> bool:
        """The reminder SMS to whoever holds the ticket's step; False when nobody can be reached."""
        step = self.workflow.step(t.handling_stage or self.workflow.initial)
        roles = [r for r in step.notify if r != "citizen"] or (["head"] if step.holder == "leader" else ["focal_point"])
        agency = await s.get(Agency, t.agency_id) if t.agency_id else None
        phones = []
        for role in roles:
            contact = await contact_of(s, t.agency_id, role)
            if contact is not None and contact.phone and contact.phone not in phones:
                phones.append(contact.phone)
        if agency is None or not phones:
            log.warning("ticket %s: no contact to remind at step %s", mask_code(t.code), t.handling_stage)
            return False
        text = texts.reminder_text(t.code, agency.name, aware(t.due_at), self.profile.calendar.timezone,
                                   step.due_means, self.answer_due(t, t.handling_stage or self.workflow.initial))
        for phone in phones:
            enqueue(s, phone, text, "reminder", t.id)
        add_event(s, t.id, "system", "reminder", stage=t.handling_stage, due_at=aware(t.due_at), to=roles)
        return True

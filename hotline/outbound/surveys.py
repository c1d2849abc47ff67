"""Survey calls: an automated call to the citizen whose phoned-in ticket was answered. It reads the
result's short form and asks for a rating 1-5 by keypad, stored through the workflow's `rate`
action as if given on the public page. Busy, no answer, or no valid key: the result SMS with the
look-up link instead, as without a survey.

The call is a Local channel originated over AMI: its half `hotline-survey-dial` dials the citizen
through the citizen route (and reports how the dial ended to the `survey_end` FastAGI route); once
they answer, the other half runs `hotline-survey`, whose `survey` FastAGI route speaks and listens.
The result is spoken by espeak-ng into a file made when the call is placed."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.config.profile import Profile
from hotline.cti.actions import CtiActions
from hotline.errors import Refused
from hotline.ivr.prompts import speak
from hotline.outbound.service import OutboundCalls
from hotline.security.masking import mask_code
from hotline.store.callbacks import SurveyCall
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.handling import CITIZEN, Payload, TicketHandling

log = logging.getLogger(__name__)
DIAL_CONTEXT = "hotline-survey-dial"
SURVEY_CONTEXT = "hotline-survey"
STALE_MINUTES = 15  # a call still `calling` this long after it was placed ended unseen (a restart)


def short_form(text: str, max_chars: int) -> str:
    """The result as read aloud: whole sentences up to `max_chars` (at least the first sentence, cut
    at a word), without line breaks."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    end = max(cut.rfind(". "), cut.rfind("; "))
    if end > max_chars // 3:
        return cut[:end + 1]
    return cut.rsplit(" ", 1)[0] + "…"


class SurveyCalls:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, cti: CtiActions, outbound: OutboundCalls,
                 handling: TicketHandling, audio_dir: Path, scan_seconds: float = 30, lease: Lease | None = None):
        self.sessions = sessions
        self.profile = profile
        self.policy = profile.survey
        self.cti = cti
        self.outbound = outbound
        self.handling = handling
        self.audio_dir = audio_dir
        self._loop = Periodic("survey calls", self.scan, scan_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    def audio_of(self, survey_id: int) -> Path:
        return self.audio_dir / f"survey-{survey_id}"

    async def scan(self, now: datetime | None = None) -> list[int]:
        """Place the survey calls that are due, in calling hours; close the ones lost in a restart."""
        now = now or datetime.now(timezone.utc)
        await self._close_stale(now)
        if not self.policy.enabled or self.outbound.route is None:
            return []
        if not self.profile.outbound.calling_hours.allows(now, self.profile.calendar.timezone):
            return []
        async with self.sessions() as s:
            due = list(await s.scalars(select(SurveyCall).where(SurveyCall.status == "pending", SurveyCall.due_at <= now)
                                       .order_by(SurveyCall.due_at).limit(20)))
        placed = []
        for call in due:
            async with self.sessions() as s, s.begin():
                claimed = await s.execute(update(SurveyCall).where(SurveyCall.id == call.id,
                                                                   SurveyCall.status == "pending")
                                          .values(status="calling", called_at=now)
                                          .execution_options(synchronize_session=False))
                ticket = await s.get(Ticket, call.ticket_id)
            if claimed.rowcount != 1:
                continue
            try:
                await self._place(call, ticket)
                placed.append(call.id)
            except Exception as exc:  # the text could not be spoken, or Asterisk refused the call
                log.warning("survey call %d for ticket %s not placed: %s", call.id, mask_code(ticket.code), exc)
                await self.ended(call.id, "FAILED")
        return placed

    async def _place(self, call: SurveyCall, ticket: Ticket) -> None:
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(speak, short_form(ticket.result or "", self.policy.max_chars),
                                self.profile.prompts.voice, self.profile.prompts.speed, self.audio_of(call.id))
        await self.cti.originate(
            f"Local/sv{call.id}@{DIAL_CONTEXT}", SURVEY_CONTEXT, "s", f'"1022" <{self.outbound.caller_id}>',
            {"HOTLINE_SURVEY_ID": str(call.id), "__HOTLINE_SURVEY_ID": str(call.id),
             "__HOTLINE_OUT_NUMBER": call.number, "__HOTLINE_OUT_ROUTE": self.outbound.route,
             "__HOTLINE_OUT_CLI": self.outbound.caller_id},
            self.profile.outbound.ring_seconds + 15)
        log.info("survey call %d for ticket %s placed", call.id, mask_code(ticket.code))

    # -- the call, as the dialplan reports it ---------------------------------------------------
    async def script(self, survey_id: int) -> Path | None:
        """The spoken result the `survey` route plays (None: no such call in progress)."""
        async with self.sessions() as s:
            call = await s.get(SurveyCall, survey_id)
        return self.audio_of(survey_id) if call is not None and call.status == "calling" else None

    async def rate(self, survey_id: int, rating: int) -> bool:
        """The citizen's key: the ticket's rating, through the workflow as on the public page."""
        async with self.sessions() as s, s.begin():
            moved = await s.execute(update(SurveyCall).where(SurveyCall.id == survey_id, SurveyCall.status == "calling")
                                    .values(status="rated", rating=rating)
                                    .execution_options(synchronize_session=False))
            call = await s.get(SurveyCall, survey_id)
        if moved.rowcount != 1:
            return False
        try:
            await self.handling.act(call.ticket_id, "rate", CITIZEN, Payload(rating=rating, extra={"by": "survey_call"}))
        except Refused as exc:  # already rated on the public page, or the workflow has no rating
            log.info("survey call %d: rating %d not applied to the ticket: %s", survey_id, rating, exc)
        return True

    async def ended(self, survey_id: int, dial_status: str) -> None:
        """The call is over: without a rating, the result goes by SMS."""
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            call = await s.get(SurveyCall, survey_id)
            if call is None or call.ended_at is not None:
                return
            call.ended_at, call.dial_status = now, dial_status[:20]
            if call.status == "calling":
                call.status = "unrated" if dial_status == "ANSWER" else "not_reached"
            if call.status != "rated":
                ticket = await s.get(Ticket, call.ticket_id)
                await self.handling.notices.result_sms(s, ticket)
                call.sms_sent = True
                add_event(s, ticket.id, "system", "survey_call", at=now, outcome=call.status)
            else:
                add_event(s, call.ticket_id, "system", "survey_call", at=now, outcome="rated", rating=call.rating)
        self.handling.on_sms()
        for ext in ("alaw", "ulaw", "wav"):  # the spoken result is not kept
            self.audio_of(survey_id).with_name(f"survey-{survey_id}.{ext}").unlink(missing_ok=True)
        log.info("survey call %d ended (%s): %s", survey_id, dial_status, call.status)

    async def _close_stale(self, now: datetime) -> None:
        async with self.sessions() as s:
            stale = list(await s.scalars(select(SurveyCall.id).where(
                SurveyCall.status == "calling", SurveyCall.called_at < now - timedelta(minutes=STALE_MINUTES))))
        for survey_id in stale:
            await self.ended(survey_id, "LOST")

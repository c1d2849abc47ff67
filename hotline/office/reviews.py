"""The weekly review of written answers (Đồng Nai CV 1407 items 1-2; the calls are reviewed on the
recordings page): the week's answered tickets, operators' (level 1) and agencies' (level 2),
each with its latest verdict; a finding against an agency (wrong information, buck-passing,
other) is sent to it (SMS to its head, recorded on the ticket) with the profile's deadline to act,
and the agency says what it did, once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.errors import Refused
from hotline.notifications import sms as texts
from hotline.notifications.outbox import enqueue
from hotline.recordings.library import VERDICTS
from hotline.store.agencies import Agency
from hotline.store.base import aware, iso
from hotline.store.reviews import AnswerReview
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.deadlines import due_at
from hotline.ticketing.notices import contact_of

FINDINGS = tuple(v for v in VERDICTS if v != "correct")


def describe(r: AnswerReview, code: str | None = None, agency: str | None = None) -> dict:
    now = datetime.now(timezone.utc)
    return {"id": r.id, "ticket_id": r.ticket_id, "code": code, "agency_id": r.agency_id, "agency": agency,
            "verdict": r.verdict, "verdict_text": VERDICTS.get(r.verdict, r.verdict), "comment": r.comment,
            "reviewed_by": r.reviewed_by, "reviewed_at": iso(r.reviewed_at), "due_at": iso(r.due_at),
            "response": r.response, "responded_by": r.responded_by, "responded_at": iso(r.responded_at),
            "late": bool(r.due_at and not r.responded_at and aware(r.due_at) < now)}


class AnswerReviews:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, on_sms=None):
        self.sessions = sessions
        self.profile = profile
        self.on_sms = on_sms or (lambda: None)

    async def week(self, day: date) -> dict:
        """The answers written in the week (Monday to Sunday, local time) of `day`."""
        tz = ZoneInfo(self.profile.calendar.timezone)
        monday = day - timedelta(days=day.weekday())
        start = datetime.combine(monday, time(), tz).astimezone(timezone.utc)
        end = start + timedelta(days=7)
        topics = self.profile.queues.topic_names()
        async with self.sessions() as s:
            rows = list(await s.execute(
                select(Ticket, Agency.name).outerjoin(Agency, Agency.id == Ticket.agency_id)
                .where(Ticket.answered_at >= start, Ticket.answered_at < end, Ticket.draft.is_(False),
                       Ticket.state_secret.is_(False), Ticket.result.is_not(None))
                .order_by(Ticket.answered_at).limit(5000)))
            latest: dict[int, AnswerReview] = {}
            for r in await s.scalars(select(AnswerReview).where(AnswerReview.ticket_id.in_([t.id for t, _ in rows]))
                                     .order_by(AnswerReview.id)):
                latest[r.ticket_id] = r
        items = [{"ticket_id": t.id, "code": t.code, "topic": topics.get(t.topic or "", t.topic),
                  "content": t.content, "result": t.result, "answer_level": t.answer_level,
                  "answered_by": t.answered_by, "answered_at": iso(t.answered_at), "agency_id": t.agency_id,
                  "agency": name, "review": describe(latest[t.id]) if t.id in latest else None}
                 for t, name in rows]
        counts = {k: sum(1 for i in items if i["review"] and i["review"]["verdict"] == k) for k in VERDICTS}
        return {"week_start": monday.isoformat(), "week_end": (monday + timedelta(days=6)).isoformat(),
                "total": len(items), "reviewed": sum(counts.values()), "by_verdict": counts, "items": items}

    async def review(self, ticket_id: int, verdict: str, comment: str, reviewer: str,
                     now: datetime | None = None) -> dict:
        now = now or datetime.now(timezone.utc)
        if verdict not in VERDICTS:
            raise Refused(422, f"Kết luận phải là một trong: {', '.join(VERDICTS)}")
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            if t is None or t.draft or not t.result or t.state_secret:
                raise Refused(404, "Không có câu trả lời này")
            # A finding against an agency's own answer goes to the agency, with the deadline to act.
            agency = await s.get(Agency, t.agency_id) if (verdict in FINDINGS and t.answer_level == 2
                                                          and t.agency_id) else None
            limit = self.profile.answer_review.act_within
            r = AnswerReview(ticket_id=t.id, agency_id=agency.id if agency else None, verdict=verdict,
                             comment=comment, reviewed_by=reviewer, reviewed_at=now,
                             due_at=due_at(now, limit, self.profile.calendar) if (agency and limit) else None)
            s.add(r)
            await s.flush()
            add_event(s, t.id, reviewer, "answer_reviewed", at=now, verdict=verdict, comment=comment[:2000],
                      review=r.id, agency=agency.name if agency else None, due_at=r.due_at)
            if agency is not None:
                contact = await contact_of(s, agency.id, "head") or await contact_of(s, agency.id, "focal_point")
                if contact is not None and contact.phone:
                    enqueue(s, contact.phone, texts.review_text(t.code, VERDICTS[verdict], aware(r.due_at),
                                                                self.profile.calendar.timezone), "review", t.id)
            view = describe(r, t.code, agency.name if agency else None)
        if view["agency_id"]:
            self.on_sms()
        return view

    async def for_agency(self, agency_id: int, limit: int = 200) -> list[dict]:
        async with self.sessions() as s:
            rows = await s.execute(select(AnswerReview, Ticket.code).join(Ticket, Ticket.id == AnswerReview.ticket_id)
                                   .where(AnswerReview.agency_id == agency_id)
                                   .order_by(AnswerReview.id.desc()).limit(limit))
            return [describe(r, code) for r, code in rows]

    async def respond(self, review_id: int, agency_id: int, actor: str, text: str,
                      now: datetime | None = None) -> dict:
        """What the agency did about a finding, once (a conditional UPDATE), recorded on the ticket."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await s.get(AnswerReview, review_id)
            if r is None or r.agency_id != agency_id:
                raise Refused(404, "Không có kết quả rà soát này")
            res = await s.execute(update(AnswerReview).where(AnswerReview.id == review_id,
                                                             AnswerReview.responded_at.is_(None))
                                  .values(response=text, responded_by=actor, responded_at=now)
                                  .execution_options(synchronize_session=False))
            if res.rowcount != 1:
                raise Refused(409, "Cơ quan đã báo cáo việc khắc phục kết quả rà soát này")
            await s.refresh(r)
            t = await s.get(Ticket, r.ticket_id)
            add_event(s, t.id, actor, "review_acted", at=now, review=r.id, response=text[:2000],
                      late=bool(r.due_at and aware(r.due_at) < now))
            return describe(r, t.code)

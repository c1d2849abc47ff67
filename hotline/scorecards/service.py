"""The scorecard in the store: the week's sample drawn and kept, a sampled call opened with its
recording, transcript and automatic suggestions (the transcript read audited), the supervisor's
score, each operator's own reviews and the results per operator and per criterion.

Who may do what is the recordings' rule: supervisors and administrators draw, open and score;
an operator reads only the reviews of their own calls (the HTTP layer checks roles)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.config.scorecard import Scorecard
from hotline.errors import Refused
from hotline.recordings.library import RecordingLibrary
from hotline.scorecards import checks, sampling
from hotline.store.base import iso
from hotline.store.privacy import AuditEntry
from hotline.store.recordings import Job, Recording, Transcript, Verification
from hotline.store.scorecards import ScorecardReview, ScorecardSample
from hotline.store.tickets import Ticket

NO_CARD = "Hồ sơ của tỉnh chưa có phiếu đánh giá cuộc gọi (scorecard)"
NOT_FOUND = "Không có cuộc gọi này trong mẫu đánh giá"
SUGGESTION = "gợi ý tự động"


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def review_view(r: ScorecardReview) -> dict:
    return {"id": r.id, "sample_id": r.sample_id, "reviewer": r.reviewer, "reviewed_at": iso(r.reviewed_at),
            "marks": r.marks, "score": r.score, "criteria": r.criteria, "comment": r.comment}


class Scorecards:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, key: bytes = b""):
        self.sessions = sessions
        self.profile = profile
        self.key = key  # the draw's secret (sampling.rank)
        self.tz = ZoneInfo(profile.calendar.timezone)

    @property
    def card(self) -> Scorecard:
        if self.profile.scorecard is None:
            raise Refused(404, NO_CARD)
        return self.profile.scorecard

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def _start(self, d: date) -> datetime:
        return datetime.combine(d, time(0), self.tz).astimezone(timezone.utc)

    def criteria(self) -> list[dict]:
        return [{"id": c.id, "title": c.title, "weight": c.weight, "check": c.check} for c in self.card.criteria]

    # -- the sample ---------------------------------------------------------------------------------
    async def _draw(self, monday: date) -> None:
        """Top the week's sample up to the card's size per operator (calls that came in since);
        what is drawn stays."""
        size = self.card.sample_per_operator
        async with self.sessions() as s, s.begin():
            recs = await s.execute(select(Recording.id, Recording.linkedid, Recording.operators).where(
                Recording.started_at >= self._start(monday), Recording.started_at < self._start(monday + timedelta(7)),
                Recording.status != "expired"))
            calls: dict[str, dict[int, str]] = {}
            for rid, linkedid, operators in recs:
                for op in filter(None, operators.split(",")):
                    calls.setdefault(op, {})[rid] = linkedid
            drawn: dict[str, set[int]] = {}
            for op, rid in await s.execute(select(ScorecardSample.operator, ScorecardSample.recording_id)
                                           .where(ScorecardSample.week_start == monday)):
                drawn.setdefault(op, set()).add(rid)
            now = datetime.now(timezone.utc)
            for op, theirs in sorted(calls.items()):
                for rid in sampling.draw(monday, op, theirs, size, drawn.get(op, set()), self.key):
                    s.add(ScorecardSample(week_start=monday, operator=op, recording_id=rid, drawn_at=now))

    async def week(self, day: date) -> dict:
        """The week's sample (Monday to Sunday, local time, of `day`), drawn if need be, each call
        with its automatic suggestions and latest score."""
        card = self.card
        monday = monday_of(day)
        try:
            await self._draw(monday)
        except IntegrityError:  # another supervisor drew the same calls at the same moment
            await self._draw(monday)
        async with self.sessions() as s:
            rows = list(await s.execute(select(ScorecardSample, Recording).join(
                Recording, Recording.id == ScorecardSample.recording_id).where(ScorecardSample.week_start == monday)
                .order_by(ScorecardSample.operator, Recording.started_at)))
            ids = [r.id for _, r in rows]
            codes = await self._codes(s, [r.linkedid for _, r in rows])
            words = {t.recording_id: t.words for t in await s.scalars(select(Transcript).where(
                Transcript.recording_id.in_(ids)))}
            jobs = {j.recording_id: j.status for j in await s.scalars(select(Job).where(
                Job.kind == "transcribe", Job.recording_id.in_(ids)))}
            latest = await self._latest(s, [sm.id for sm, _ in rows])
        items = []
        for sm, r in rows:
            items.append({"id": sm.id, "operator": sm.operator, "recording_id": r.id, "started_at": iso(r.started_at),
                          "duration": r.duration, "codes": codes.get(r.linkedid, []),
                          "transcription": jobs.get(r.id), "suggestions": checks.prechecks(
                              card, words.get(r.id), codes.get(r.linkedid, [])) if r.id in words else [],
                          "review": review_view(latest[sm.id]) if sm.id in latest else None})
        return {"week_start": monday.isoformat(), "week_end": (monday + timedelta(6)).isoformat(),
                "per_operator": card.sample_per_operator, "criteria": self.criteria(), "suggestion_label": SUGGESTION,
                "total": len(items), "reviewed": sum(1 for i in items if i["review"]), "items": items}

    async def _codes(self, s, linkedids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lid, code in await s.execute(select(Ticket.linkedid, Ticket.code).where(
                Ticket.linkedid.in_(linkedids), Ticket.draft.is_(False)).order_by(Ticket.id)):
            out.setdefault(lid, []).append(code)
        return out

    async def _latest(self, s, sample_ids: list[int]) -> dict[int, ScorecardReview]:
        latest: dict[int, ScorecardReview] = {}
        for r in await s.scalars(select(ScorecardReview).where(ScorecardReview.sample_id.in_(sample_ids))
                                 .order_by(ScorecardReview.id)):
            latest[r.sample_id] = r  # the last wins
        return latest

    # -- one call ------------------------------------------------------------------------------------
    async def open(self, p, sample_id: int, library: RecordingLibrary, address: str) -> dict:
        """A sampled call with its recording and transcript (the library's view, by its access
        rule), the suggestions and every score given; the transcript read is audited."""
        card = self.card
        async with self.sessions() as s:
            sm = await s.get(ScorecardSample, sample_id)
            if sm is None:
                raise Refused(404, NOT_FOUND)
            reviews = [review_view(r) for r in await s.scalars(select(ScorecardReview).where(
                ScorecardReview.sample_id == sm.id).order_by(ScorecardReview.id))]
        recording = await library.detail(p, sm.recording_id)
        codes = [t["code"] for t in recording["tickets"]]
        words = recording["transcript"]["words"] if recording["transcript"] else None
        if recording["transcript"]:
            async with self.sessions() as s, s.begin():
                s.add(AuditEntry(username=p.username, role=p.role, action="transcript", recording_id=sm.recording_id,
                                 detail=f"scorecard sample #{sm.id}", address=address[:64]))
        return {"id": sm.id, "operator": sm.operator, "week_start": sm.week_start.isoformat(),
                "criteria": self.criteria(), "suggestion_label": SUGGESTION,
                "suggestions": checks.prechecks(card, words, codes) if words is not None else [],
                "recording": recording, "reviews": reviews}

    async def score(self, p, sample_id: int, marks: dict[str, bool | None], comment: str, address: str) -> dict:
        """The supervisor's score: every criterion marked (met, not met, or null: does not apply);
        where the card names findings, the call's verdict in the recordings' weekly check too."""
        card = self.card
        known = card.by_id()
        unknown = sorted(set(marks) - set(known))
        if unknown:
            raise Refused(422, f"marks: không có tiêu chí {', '.join(unknown)}")
        missing = [c.title for c in card.criteria if c.id not in marks]
        if missing:
            raise Refused(422, f"marks: chưa đánh giá tiêu chí: {'; '.join(missing)}")
        async with self.sessions() as s, s.begin():
            sm = await s.get(ScorecardSample, sample_id)
            if sm is None:
                raise Refused(404, NOT_FOUND)
            rec = await s.get(Recording, sm.recording_id)
            tr = await s.get(Transcript, sm.recording_id)
            codes = (await self._codes(s, [rec.linkedid])).get(rec.linkedid, [])
            r = ScorecardReview(sample_id=sm.id, reviewer=p.username, reviewed_at=datetime.now(timezone.utc),
                                marks={c.id: marks[c.id] for c in card.criteria}, score=checks.score(card, marks),
                                criteria={c.id: {"title": c.title, "weight": c.weight} for c in card.criteria},
                                suggestions=checks.prechecks(card, tr.words, codes) if tr else [], comment=comment)
            s.add(r)
            verdict = checks.finding(card, marks)
            if verdict:
                s.add(Verification(recording_id=rec.id, checked_by=p.username, verdict=verdict,
                                   comment=(f"Phiếu đánh giá: {r.score} điểm. " + comment).strip()))
                s.add(AuditEntry(username=p.username, role=p.role, action="verify", recording_id=rec.id,
                                 detail=f"{verdict} (scorecard)", address=address[:64]))
            await s.flush()
            out = review_view(r)
        out["verdict"] = verdict
        return out

    # -- what operators and reports read -------------------------------------------------------------
    async def mine(self, operator: str, limit: int = 200) -> list[dict]:
        """The latest score of each of this operator's sampled calls, newest week first."""
        async with self.sessions() as s:
            rows = list(await s.execute(select(ScorecardSample, Recording.started_at).join(
                Recording, Recording.id == ScorecardSample.recording_id).where(ScorecardSample.operator == operator)
                .order_by(ScorecardSample.week_start.desc(), ScorecardSample.id.desc()).limit(limit)))
            latest = await self._latest(s, [sm.id for sm, _ in rows])
        return [{"sample_id": sm.id, "week_start": sm.week_start.isoformat(), "recording_id": sm.recording_id,
                 "started_at": iso(started), **review_view(latest[sm.id])}
                for sm, started in rows if sm.id in latest]

    async def report(self, date_from: date, date_to: date) -> dict:
        """The results of the weeks from `date_from`'s to `date_to`'s: per operator (calls drawn,
        scored, average score) and per criterion (calls it applied to, met, rate), from the latest
        score of each call."""
        card = self.card
        first, last = monday_of(date_from), monday_of(date_to)
        async with self.sessions() as s:
            samples = list(await s.scalars(select(ScorecardSample).where(
                ScorecardSample.week_start >= first, ScorecardSample.week_start <= last)))
            latest = await self._latest(s, [sm.id for sm in samples])
        operators: dict[str, dict] = {}
        for sm in samples:
            o = operators.setdefault(sm.operator, {"operator": sm.operator, "sampled": 0, "reviewed": 0, "scores": []})
            o["sampled"] += 1
            if sm.id in latest:
                o["reviewed"] += 1
                if latest[sm.id].score is not None:
                    o["scores"].append(latest[sm.id].score)
        by_operator = [{"operator": o["operator"], "sampled": o["sampled"], "reviewed": o["reviewed"],
                        "average": round(sum(o["scores"]) / len(o["scores"]), 1) if o["scores"] else None}
                       for o in sorted(operators.values(), key=lambda o: o["operator"])]
        by_criterion = []
        for c in card.criteria:
            marks = [r.marks.get(c.id) for r in latest.values()]
            applied = [m for m in marks if m is not None]
            met = sum(1 for m in applied if m)
            by_criterion.append({"id": c.id, "title": c.title, "weight": c.weight, "applied": len(applied),
                                 "met": met, "rate": round(100 * met / len(applied), 1) if applied else None})
        return {"from": first.isoformat(), "to": (last + timedelta(6)).isoformat(), "by_operator": by_operator,
                "by_criterion": by_criterion}

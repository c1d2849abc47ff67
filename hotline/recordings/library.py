"""What users do with the catalogue: find recordings, open one with its transcript, stream or
download it, lend it to an agency for verification, record a verification, and the audit log of
all of it. Who may reach a recording is decided here, in one place:
supervisors and administrators: every recording; an operator: calls they took part in; an agency
user: recordings granted to their agency and not revoked; anyone else: none."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.folding import SQL_FROM, SQL_TO, fold
from hotline.store.base import iso
from hotline.store.agencies import Agency
from hotline.store.privacy import AuditEntry
from hotline.store.recordings import Job, Recording, RecordingGrant, Transcript, Verification
from hotline.store.tickets import Ticket

PLAYBACK_MINUTES = 30  # range requests of one user within this long count as one playback
VERDICTS = {"correct": "Trả lời đúng", "wrong_info": "Thông tin sai", "buck_passing": "Đùn đẩy, né tránh",
            "other": "Khác"}
STAFF = ("supervisor", "admin")
NOT_FOUND = "Không có bản ghi âm này"
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Filters:
    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None
    operator: str | None = None
    agency_id: int | None = None
    topic: str | None = None
    code: str | None = None
    phone: str | None = None
    words: str | None = None  # in the transcript
    status: str | None = None


def _phrase(term: str) -> str:
    """One FTS5 phrase: the term quoted, so that query syntax typed by a user is only text."""
    return '"' + term.replace('"', "") + '"'


def week_of(d: date) -> tuple[date, date]:
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


class RecordingLibrary:
    def __init__(self, sessions: async_sessionmaker, root: Path, tz: str = "Asia/Ho_Chi_Minh"):
        self.sessions = sessions
        self.root = root  # the recordings folder (archive paths are relative to it)
        self.tz = ZoneInfo(tz)  # the profile's: dates in filters are local dates

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def _day_start(self, d: date) -> datetime:
        return datetime.combine(d, time(0), self.tz).astimezone(timezone.utc)

    # -- who may see what --------------------------------------------------------------------------
    def _visible(self, p):
        """A WHERE clause limiting recordings to those principal `p` may reach."""
        if p.role in STAFF:
            return True
        if p.role == "operator" and p.operator_id:
            return Recording.operators.contains(f",{p.operator_id},", autoescape=True)
        if p.role == "agency" and p.agency_id:
            return Recording.id.in_(select(RecordingGrant.recording_id).where(
                RecordingGrant.agency_id == p.agency_id, RecordingGrant.revoked_at.is_(None)))
        return False

    async def _reachable(self, s, p, recording_id: int) -> Recording:
        rec = await s.scalar(select(Recording).where(Recording.id == recording_id, self._visible(p)))
        if rec is None:
            if await s.get(Recording, recording_id) is None:
                raise Refused(404, NOT_FOUND)
            raise Refused(403, "Bạn không được nghe bản ghi âm này")
        return rec

    # -- finding -----------------------------------------------------------------------------------
    def _fts(self, dialect: str, words: str):
        """Recordings whose transcript has all the words, with or without their diacritics
        ("duong" finds "đường", and "đường" finds "duong")."""
        terms = WORD.findall(unicodedata.normalize("NFC", words))[:10]  # typed decomposed, too
        if not terms:
            return None
        if dialect == "sqlite":
            # The index holds folded text (jobs.save_transcript); transcripts indexed before folding
            # hold the words as FTS5's remove_diacritics left them, which the term itself matches.
            match = " AND ".join(f"({_phrase(fold(t))} OR {_phrase(t)})" for t in terms)
            return Recording.id.in_(select(text("rowid")).select_from(text("transcript_fts"))
                                    .where(text("transcript_fts MATCH :m")).params(m=match))
        folded = func.translate(Transcript.text, SQL_FROM, SQL_TO)
        return Recording.id.in_(select(Transcript.recording_id).where(
            func.to_tsvector("simple", folded).op("@@")(
                func.plainto_tsquery("simple", fold(" ".join(terms)).lower()))))

    async def search(self, p, f: Filters, limit: int = 200) -> list[dict]:
        conds = [self._visible(p)]
        if f.date_from:
            conds.append(Recording.started_at >= self._day_start(f.date_from))
        if f.date_to:
            conds.append(Recording.started_at < self._day_start(f.date_to + timedelta(days=1)))
        if f.operator:
            conds.append(Recording.operators.contains(f",{f.operator},", autoescape=True))  # "%" is a character
        if f.status:
            conds.append(Recording.status == f.status)
        ticket_conds = []
        if f.agency_id:
            ticket_conds.append(Ticket.agency_id == f.agency_id)
        if f.topic:
            ticket_conds.append(Ticket.topic == f.topic)
        if f.code:
            ticket_conds.append(Ticket.code == f.code.strip().upper())
        if ticket_conds:
            conds.append(Recording.linkedid.in_(select(Ticket.linkedid).where(and_(*ticket_conds))))
        if f.phone:
            digits = re.sub(r"\D", "", f.phone)[:20]
            conds.append(or_(Recording.caller_phone == digits,
                             Recording.linkedid.in_(select(Ticket.linkedid).where(Ticket.caller_phone == digits))))
        async with self.sessions() as s:
            if f.words:
                fts = self._fts(s.bind.dialect.name, f.words)
                if fts is None:
                    return []
                conds.append(fts)
            recs = list(await s.scalars(select(Recording).where(and_(*conds))
                                        .order_by(Recording.started_at.desc()).limit(limit)))
            return await self._summaries(s, p, recs)

    async def _summaries(self, s, p, recs: list[Recording]) -> list[dict]:
        """Recordings as lists show them, with their tickets, transcription state and latest
        verdict (three queries for the whole list)."""
        ids, lids = [r.id for r in recs], [r.linkedid for r in recs]
        tickets: dict[str, list[Ticket]] = {}
        for t in await s.scalars(select(Ticket).where(Ticket.linkedid.in_(lids)).order_by(Ticket.id)):
            tickets.setdefault(t.linkedid, []).append(t)
        jobs = {j.recording_id: j for j in await s.scalars(select(Job).where(Job.kind == "transcribe",
                                                                             Job.recording_id.in_(ids)))}
        verdicts = {v.recording_id: v.verdict for v in await s.scalars(
            select(Verification).where(Verification.recording_id.in_(ids)).order_by(Verification.id))}  # last wins
        personal = p.role != "agency"  # an agency verifies the answer; the caller's number is not theirs
        out = []
        for r in recs:
            job = jobs.get(r.id)
            out.append({
                "id": r.id, "linkedid": r.linkedid, "started_at": iso(r.started_at),
                "duration": r.duration, "status": r.status, "problem": r.problem,
                "caller_phone": r.caller_phone if personal else None,
                "operators": [o for o in r.operators.split(",") if o],
                "tickets": [{"id": t.id, "code": t.code, "topic": t.topic, "agency_id": t.agency_id}
                            for t in tickets.get(r.linkedid, [])],
                "transcription": job.status if job else None,
                "transcription_error": job.last_error if job and job.status == "failed" else None,
                "verdict": verdicts.get(r.id), "stereo": bool(r.legs),
                "playable": r.status != "expired",
            })
        return out

    async def detail(self, p, recording_id: int) -> dict:
        async with self.sessions() as s:
            r = await self._reachable(s, p, recording_id)
            (out,) = await self._summaries(s, p, [r])
            tr = await s.get(Transcript, r.id)
            out["transcript"] = {"text": tr.text, "words": tr.words, "model": tr.model} if tr else None
            out["verifications"] = [{"checked_by": v.checked_by, "checked_at": iso(v.checked_at),
                                     "verdict": v.verdict, "comment": v.comment}
                                    for v in await s.scalars(select(Verification).where(
                                        Verification.recording_id == r.id).order_by(Verification.id))]
            if p.role in STAFF:
                out["sha256"], out["compressed_sha256"] = r.sha256, r.compressed_sha256
                rows = await s.execute(select(RecordingGrant, Agency.name).join(Agency, Agency.id == RecordingGrant.agency_id)
                                       .where(RecordingGrant.recording_id == r.id).order_by(RecordingGrant.id))
                out["grants"] = [{"id": g.id, "agency_id": g.agency_id, "agency_name": name, "granted_by": g.granted_by,
                                  "granted_at": iso(g.granted_at), "note": g.note,
                                  "revoked": g.revoked_at is not None} for g, name in rows]
            return out

    # -- listening ---------------------------------------------------------------------------------
    async def audio(self, p, recording_id: int, action: str, address: str, part: str = "") -> tuple[Path, str]:
        """The file to stream (the compressed copy, else the original) and its media type. Every
        access is audited: a download always; a listen once per playback, that is unless the same
        user's listen of this recording was audited in the last `PLAYBACK_MINUTES` (a player
        fetches one playback in several Range requests). `part` is the Range asked for."""
        async with self.sessions() as s, s.begin():
            r = await self._reachable(s, p, recording_id)
            if r.status == "expired":
                raise Refused(410, "Bản ghi âm đã hết thời hạn lưu trữ và đã được xoá")
            if r.compressed_path and (self.root / r.compressed_path).exists():
                path, mime = self.root / r.compressed_path, "audio/ogg"
            else:
                path, mime = self.root / r.path, "audio/wav"
            if not path.exists():
                raise Refused(404, "Không tìm thấy tệp ghi âm trong kho lưu trữ")
            since = datetime.now(timezone.utc) - timedelta(minutes=PLAYBACK_MINUTES)
            playing = action == "listen" and await s.scalar(select(AuditEntry.id).where(
                AuditEntry.username == p.username, AuditEntry.recording_id == r.id, AuditEntry.action == "listen",
                AuditEntry.at >= since).limit(1))
            if not playing:
                detail = f"{path.name} {part}".strip()
                s.add(AuditEntry(username=p.username, role=p.role, action=action, recording_id=r.id,
                                 detail=detail[:500], address=address[:64]))
            return path, mime

    # -- lending to agencies, verifying --------------------------------------------------------------
    async def grant(self, p, recording_id: int, agency_id: int, note: str, address: str) -> dict:
        async with self.sessions() as s, s.begin():
            r = await self._reachable(s, p, recording_id)
            agency = await s.get(Agency, agency_id)
            if agency is None:
                raise Refused(404, "Không có cơ quan này")
            if await s.scalar(select(RecordingGrant).where(RecordingGrant.recording_id == r.id,
                                                           RecordingGrant.agency_id == agency_id,
                                                           RecordingGrant.revoked_at.is_(None))):
                raise Refused(409, "Cơ quan này đã được cấp quyền nghe bản ghi âm này")
            g = RecordingGrant(recording_id=r.id, agency_id=agency_id, granted_by=p.username, note=note)
            s.add(g)
            s.add(AuditEntry(username=p.username, role=p.role, action="grant", recording_id=r.id,
                             detail=f"{agency.name} (#{agency_id}) {note}"[:500], address=address[:64]))
            await s.flush()
            return {"id": g.id, "agency_id": agency_id, "agency_name": agency.name}

    async def revoke(self, p, grant_id: int, address: str) -> None:
        async with self.sessions() as s, s.begin():
            g = await s.get(RecordingGrant, grant_id)
            if g is None or g.revoked_at is not None:
                raise Refused(404, "Không có quyền nghe này")
            g.revoked_at = datetime.now(timezone.utc)
            s.add(AuditEntry(username=p.username, role=p.role, action="revoke", recording_id=g.recording_id,
                             detail=f"agency #{g.agency_id}", address=address[:64]))

    async def verify(self, p, recording_id: int, verdict: str, comment: str, address: str) -> dict:
        if verdict not in VERDICTS:
            raise Refused(400, f"Kết luận phải là một trong: {', '.join(VERDICTS)}")
        async with self.sessions() as s, s.begin():
            r = await self._reachable(s, p, recording_id)
            v = Verification(recording_id=r.id, checked_by=p.username, verdict=verdict, comment=comment)
            s.add(v)
            s.add(AuditEntry(username=p.username, role=p.role, action="verify", recording_id=r.id,
                             detail=verdict, address=address[:64]))
            await s.flush()
            return {"checked_by": v.checked_by, "checked_at": iso(v.checked_at), "verdict": verdict,
                    "comment": comment}

    async def weekly_review(self, p, day: date) -> dict:
        """The week's calls (Monday to Sunday, local time) for the weekly check of answers
        (Đồng Nai): each with its latest verdict, and the week's totals."""
        monday, sunday = week_of(day)
        items = await self.search(p, Filters(date_from=monday, date_to=sunday), limit=5000)
        counts = {k: sum(1 for i in items if i["verdict"] == k) for k in VERDICTS}
        return {"week_start": monday.isoformat(), "week_end": sunday.isoformat(), "total": len(items),
                "verified": sum(counts.values()), "by_verdict": counts, "items": items}

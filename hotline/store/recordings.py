"""Call recordings, their transcripts and jobs, grants to agencies and supervisors' verifications."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText, utcnow


RecordingStatus = Literal["ok", "damaged", "expired"]
JobStatus = Literal["queued", "running", "done", "failed"]

class Recording(Base):
    """One call's recording in the catalogue (issue #5). Paths are relative to the recordings
    folder. `status`: ok | damaged (kept, flagged, with `problem`) | expired (files removed at
    the end of the retention period; the row stays)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration: Mapped[float] = mapped_column(Float, default=0)
    status: Mapped[RecordingStatus] = mapped_column(String(10), default="ok", index=True)
    problem: Mapped[str | None] = mapped_column(String(500))
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    operators: Mapped[str] = mapped_column(String(400), default="")  # ",op1,op2,"
    path: Mapped[str] = mapped_column(String(300))  # the mixed original (WAV)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    legs: Mapped[dict] = mapped_column(JsonText(), default=dict)  # {"caller": {path, sha256}, "operator": ...}
    compressed_path: Mapped[str | None] = mapped_column(String(300))
    compressed_sha256: Mapped[str | None] = mapped_column(String(64))
    compressed_duration: Mapped[float | None] = mapped_column(Float)
    catalogued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    originals_removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """The durable job queue (transcriptions): claimed by a worker, retried with a limit,
    failures kept with their reason."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("kind", "recording_id", name="uq_jobs_kind_recording"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # transcribe
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Transcript(Base):
    """A recording's text, per speaker channel, with word timings (JSON list of
    {"ch": "caller"|"operator", "w", "s", "e", "c"})."""

    __tablename__ = "transcripts"

    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[list] = mapped_column(JsonText(list), default=list)
    model: Mapped[str] = mapped_column(String(200), default="")
    audio_seconds: Mapped[float] = mapped_column(Float, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordingGrant(Base):
    """A recording lent to an agency for verification (Đồng Tháp Art. 11.1)."""

    __tablename__ = "recording_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    granted_by: Mapped[str] = mapped_column(String(60))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Verification(Base):
    """A supervisor's check of the answer given on a call (append-only; the latest counts)."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    checked_by: Mapped[str] = mapped_column(String(60))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    verdict: Mapped[str] = mapped_column(String(20))  # correct | wrong_info | buck_passing | other
    comment: Mapped[str] = mapped_column(Text, default="")


class CallAlert(Base):
    """An alert phrase of the profile (`alerts` in config/profiles/*.yaml) heard in a call's live
    captions: what was said, by which side, while which operator had the call."""

    __tablename__ = "call_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    phrase: Mapped[str] = mapped_column(String(100))  # the profile's phrase, as written there
    heard: Mapped[str] = mapped_column(String(500))  # the caption it was found in
    side: Mapped[str] = mapped_column(String(10))  # caller | operator
    operator: Mapped[str | None] = mapped_column(String(60))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    heard_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

"""Database tables of the store (issue #6 grows them through migrations)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(d: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; the store keeps UTC."""
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(32), default="received")
    topic: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), default="phone")
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)  # Asterisk call
    address: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)  # created on answer, being written
    operator_id: Mapped[str | None] = mapped_column(String(40))
    recording_path: Mapped[str | None] = mapped_column(String(500))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)  # handling unit
    assignee_contact_id: Mapped[int | None] = mapped_column(ForeignKey("agency_contacts.id"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # The step of the profile's workflow (received, focal_point, head, overdue, answered, ...):
    # who must act, and by `due_at`.
    handling_stage: Mapped[str | None] = mapped_column(String(40), index=True, default="received")
    stage_entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=0)  # every workflow write is conditional on it
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: actions taken, by name (reschedules)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # a deadline was missed at some step
    classification: Mapped[str | None] = mapped_column(String(40))  # the action that classified it
    state_secret: Mapped[bool] = mapped_column(Boolean, default=False)  # never published
    answer_level: Mapped[int | None] = mapped_column(Integer)  # 1: the operator answered; 2: an agency
    reason: Mapped[str | None] = mapped_column(Text)  # the latest rejection / return / send-back reason
    question: Mapped[str | None] = mapped_column(Text)  # the citizen's latest follow-up or clarification
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 (rất không hài lòng) .. 5 (rất hài lòng)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # deadlines count from it
    result: Mapped[str | None] = mapped_column(Text)  # the handling agency's answer
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # SMS reminder due


class Attachment(Base):
    """A file given with a report (citizen's photo, video, audio) or with an answer (agency)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))  # relative to the attachments folder
    uploaded_by: Mapped[str] = mapped_column(String(60))
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # part of a published answer
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoordinationRequest(Base):
    """The handling agency asks another agency for its part of a ticket (Thanh Hóa Art. 12.4)."""

    __tablename__ = "coordination_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)  # the agency asked
    asked_by: Mapped[str] = mapped_column(String(60))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # cleared once late
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CallbackRequest(Base):
    """A caller asked to be called back (after hours) or waited too long in a queue."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # after_hours | queue_timeout
    queue: Mapped[str | None] = mapped_column(String(40))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person with an account: operator, supervisor, administrator (agencies later)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # operator | supervisor | admin | agency
    operator_id: Mapped[str | None] = mapped_column(String(40))  # SIP endpoint of the softphone
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))  # role agency: whose inbox
    agency_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # approves results (Quảng Ninh)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # after a reset or creation
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # consecutive wrong passwords
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # lock-out
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SipPassword(Base):
    """The current SIP password of a softphone endpoint, issued to one desktop session; replaced
    by an unknown one when that account logs out, is disabled or has its password reset."""

    __tablename__ = "sip_passwords"

    phone: Mapped[str] = mapped_column(String(40), primary_key=True)
    password: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgentLogin(Base):
    """Operators logged in to their queues: survives restarts, replayed into Asterisk on resync."""

    __tablename__ = "agent_logins"

    operator_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    queues: Mapped[str] = mapped_column(String(500))  # comma-separated queue ids
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str] = mapped_column(String(40), default="")
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Agency(Base):
    """An agency that handles reports: its phone for urgent calls, its fields, its people."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20))  # see agencies.LEVELS
    fields: Mapped[str] = mapped_column(String(500), default="")  # comma-separated topic ids
    phone: Mapped[str | None] = mapped_column(String(20))  # dialled for urgent (live) transfers
    route: Mapped[str] = mapped_column(String(32), default="local")  # outbound route (settings)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class AgencyContact(Base):
    """A named person of an agency: focal point (receives transfers and slips) or head."""

    __tablename__ = "agency_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # focal_point | head
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # for calls and SMS
    email: Mapped[str | None] = mapped_column(String(200))  # for weekly reports (heads)


class Transfer(Base):
    """One attempt to hand a call to an agency (or back to a queue), as it happened."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    operator_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # warm | blind | queue
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str | None] = mapped_column(String(200))  # as it was at the time
    target: Mapped[str | None] = mapped_column(String(20))  # agency | focal_point
    number: Mapped[str | None] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(40))
    # dialing | consulting | completed | cancelled | no_answer | busy | unreachable | caller_hung_up
    # | agency_hung_up | failed
    outcome: Mapped[str] = mapped_column(String(20), default="dialing")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slip_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TicketEvent(Base):
    """The ticket's history, append-only: who did what, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(60))  # username, operator id, or "system"
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON


class SmsMessage(Base):
    """The durable SMS outbox: a message stays until the gateway accepts it or attempts run out."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(30))  # transfer_slip | ...
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Recording(Base):
    """One call's recording in the catalogue (issue #5). Paths are relative to the recordings
    folder. `status`: ok | damaged (kept, flagged, with `problem`) | expired (files removed at
    the end of the retention period; the row stays)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration: Mapped[float] = mapped_column(Float, default=0)
    status: Mapped[str] = mapped_column(String(10), default="ok", index=True)
    problem: Mapped[str | None] = mapped_column(String(500))
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    operators: Mapped[str] = mapped_column(String(400), default="")  # ",op1,op2,"
    path: Mapped[str] = mapped_column(String(300))  # the mixed original (WAV)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    legs: Mapped[str] = mapped_column(Text, default="{}")  # JSON {"caller": {path, sha256}, "operator": ...}
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
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)  # queued|running|done|failed
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
    words: Mapped[str] = mapped_column(Text, default="[]")
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


class AuditEntry(Base):
    """Who listened to, downloaded, granted or verified which recording (append-only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # listen | download | grant | revoke | verify
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class QueuedCallRow(Base):
    """One caller's stay in one queue, from Asterisk's queue_log (call statistics). `outcome`:
    waiting | answered | abandoned | timeout | exit_empty | exit_key; times in seconds."""

    __tablename__ = "queue_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str] = mapped_column(String(12), default="waiting")
    agent: Mapped[str] = mapped_column(String(64), default="")
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LogCursor(Base):
    """How far a log file has been read (file identity and byte offset), committed with what was
    read from it, so a restart neither skips nor repeats lines."""

    __tablename__ = "log_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    inode: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)


class EmailMessage(Base):
    """The durable e-mail outbox. `key` names what the message is (a week's report to one head),
    so a restart or a second process never queues it twice."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

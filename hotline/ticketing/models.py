"""Database tables of the store (minimal for now; issue #6 grows them through migrations)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


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
    role: Mapped[str] = mapped_column(String(20))  # operator | supervisor | admin
    operator_id: Mapped[str | None] = mapped_column(String(40))  # SIP endpoint of the softphone
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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

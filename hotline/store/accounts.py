"""Users, their desktop sessions, their per-session SIP passwords and their queue logins."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


Role = Literal["operator", "supervisor", "admin", "agency", "office"]

class User(Base):
    """A person with an account: operator, supervisor, administrator (agencies later)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
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
    ha1: Mapped[str] = mapped_column(String(32))  # MD5(phone:realm:password): hotline.security.sip_digest
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


class TwoFactor(Base):
    """A user's TOTP secret (encrypted with the installation's key: a database dump alone does not
    give it away). `confirmed_at` is None while enrolment waits for the first code; `last_step` is
    the time step of the last code accepted, so that a code is never accepted twice."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))  # AES-GCM ciphertext, base64
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    """A one-use recovery code, shown once at enrolment, kept only as an argon2 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginChallenge(Base):
    """A sign-in half done: the password was right, the second factor (or its enrolment) is still
    to come. Its cookie opens nothing else; it expires in minutes and allows a few codes."""

    __tablename__ = "login_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)

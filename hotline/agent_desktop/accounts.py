"""Accounts and sessions: argon2 password hashes, random session tokens stored only as SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.ticketing.models import AgentLogin, User, WebSession

ROLES = ("operator", "supervisor", "admin", "agency")
SESSION_HOURS = 12
_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("not a password")


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    full_name: str
    role: str
    operator_id: str | None
    agency_id: int | None = None  # role agency: the agency whose inbox this is
    agency_leader: bool = False  # role agency: approves results (Quảng Ninh)

    def public(self) -> dict:
        return {"username": self.username, "full_name": self.full_name, "role": self.role,
                "operator_id": self.operator_id, "agency_id": self.agency_id, "agency_leader": self.agency_leader}


def _principal(u: User) -> Principal:
    return Principal(u.id, u.username, u.full_name, u.role, u.operator_id, u.agency_id, bool(u.agency_leader))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def create_user(self, username: str, full_name: str, role: str, password: str,
                          operator_id: str | None = None, agency_id: int | None = None,
                          agency_leader: bool = False) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if (role == "agency") != (agency_id is not None):
            raise ValueError("an agency account needs its agency, and only an agency account has one")
        async with self.sessions() as s, s.begin():
            s.add(User(username=username, full_name=full_name, role=role, operator_id=operator_id,
                       agency_id=agency_id, agency_leader=agency_leader,
                       password_hash=await asyncio.to_thread(_hasher.hash, password), active=True))

    async def user_exists(self, username: str) -> bool:
        async with self.sessions() as s:
            return await s.scalar(select(User.id).where(User.username == username)) is not None

    async def set_password(self, username: str, password: str) -> None:
        async with self.sessions() as s, s.begin():
            user = await s.scalar(select(User).where(User.username == username))
            if user is None:
                raise KeyError(username)
            user.password_hash = await asyncio.to_thread(_hasher.hash, password)

    async def authenticate(self, username: str, password: str) -> Principal | None:
        async with self.sessions() as s:
            user = await s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        try:  # argon2 is deliberately slow: keep it off the event loop
            await asyncio.to_thread(_hasher.verify, user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return _principal(user) if user else None

    async def open_session(self, principal: Principal, hours: float = SESSION_HOURS) -> str:
        token = secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            s.add(WebSession(token_hash=_digest(token), user_id=principal.user_id, created_at=now,
                             expires_at=now + timedelta(hours=hours)))
        return token

    async def session_user(self, token: str | None) -> Principal | None:
        if not token or len(token) > 200:
            return None
        async with self.sessions() as s:
            row = (await s.execute(select(User, WebSession.expires_at).join(WebSession, WebSession.user_id == User.id)
                                   .where(WebSession.token_hash == _digest(token), User.active.is_(True)))).first()
        if row is None:
            return None
        user, expires = row
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        if expires <= datetime.now(timezone.utc):
            return None
        return _principal(user)

    async def close_session(self, token: str) -> None:
        async with self.sessions() as s, s.begin():
            await s.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))

    # -- agent logins (which operators are in their queues) ----------------------------------------
    async def record_agent_login(self, operator_id: str, queues: list[str]) -> None:
        async with self.sessions() as s, s.begin():
            row = await s.get(AgentLogin, operator_id)
            if row is None:
                s.add(AgentLogin(operator_id=operator_id, queues=",".join(queues), paused=False, pause_reason=""))
            else:
                row.queues = ",".join(queues)

    async def record_agent_pause(self, operator_id: str, paused: bool, reason: str = "") -> None:
        async with self.sessions() as s, s.begin():
            row = await s.get(AgentLogin, operator_id)
            if row is not None:
                row.paused, row.pause_reason = paused, reason if paused else ""

    async def record_agent_logout(self, operator_id: str) -> None:
        async with self.sessions() as s, s.begin():
            await s.execute(delete(AgentLogin).where(AgentLogin.operator_id == operator_id))

    async def agent_logins(self) -> dict[str, tuple[list[str], bool, str]]:
        async with self.sessions() as s:
            rows = await s.scalars(select(AgentLogin))
            return {r.operator_id: ([q for q in r.queues.split(",") if q], r.paused, r.pause_reason) for r in rows}

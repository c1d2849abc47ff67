"""One key per app: made by an administrator (`hotline open311-key add NAME`), shown once, kept
as its SHA-256, revoked by name. A request with a key that is unknown or revoked is refused."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.store.open311 import AppKey


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class AppKeys:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def add(self, name: str) -> str:
        """A new key for the app `name` (its only showing)."""
        name = " ".join(name.split())
        if not 2 <= len(name) <= 60:
            raise Refused(422, "Tên ứng dụng từ 2 đến 60 ký tự")
        key = secrets.token_urlsafe(32)
        try:
            async with self.sessions() as s, s.begin():
                s.add(AppKey(name=name, key_hash=_digest(key)))
        except IntegrityError:
            raise Refused(409, f"Đã có ứng dụng tên “{name}”") from None
        return key

    async def revoke(self, name: str) -> bool:
        async with self.sessions() as s, s.begin():
            done = await s.execute(update(AppKey).where(AppKey.name == name, AppKey.revoked_at.is_(None))
                                   .values(revoked_at=datetime.now(timezone.utc)))
        return done.rowcount == 1

    async def listing(self) -> list[dict]:
        async with self.sessions() as s:
            return [{"name": k.name, "created_at": k.created_at, "revoked_at": k.revoked_at,
                     "last_used_at": k.last_used_at} for k in await s.scalars(select(AppKey).order_by(AppKey.id))]

    async def app_of(self, key: str | None) -> str:
        """The app's name for a valid key; Refused(403) otherwise (same answer for unknown and
        revoked keys)."""
        if not key or len(key) > 200:
            raise Refused(403, "api_key is missing or not valid")
        digest = _digest(key)
        async with self.sessions() as s, s.begin():
            row = await s.scalar(select(AppKey).where(AppKey.key_hash == digest))
            if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
                raise Refused(403, "api_key is missing or not valid")
            row.last_used_at = datetime.now(timezone.utc)
            return row.name

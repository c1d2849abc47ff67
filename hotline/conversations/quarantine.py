"""E-mails the mailbox could not keep: each failed try is counted in the database (a restart does
not start again), and at the policy's number of tries, or at once for what a limit refused, the
message is quarantined: marked read in the mailbox so the reader goes on with the rest, kept raw
with its reason for the supervisors."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import defer

from hotline.conversations.mail import body_text, one_line
from hotline.errors import Refused
from hotline.store.base import aware
from hotline.store.conversations import MailQuarantine


class Quarantine:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def failed(self, raw: bytes, reason: str, sender: str | None, subject: str | None, tries: int,
                     now: datetime | None = None) -> bool:
        """One more failed try; True when this one quarantined it (the reader is done with it)."""
        return await self._record(raw, reason, sender, subject, tries, now)

    async def refuse(self, raw: bytes, reason: str, sender: str | None, subject: str | None,
                     now: datetime | None = None) -> None:
        """Quarantined at once: trying again would give the same answer."""
        await self._record(raw, reason, sender, subject, 1, now)

    async def _record(self, raw, reason, sender, subject, tries, now) -> bool:
        now = now or datetime.now(timezone.utc)
        digest = hashlib.sha256(raw).hexdigest()
        reason = one_line(body_text(reason), 500) or "lỗi không rõ"
        for _ in range(2):  # two readers at once: the second finds the first's row
            try:
                async with self.sessions() as s, s.begin():
                    row = await s.scalar(select(MailQuarantine).where(MailQuarantine.digest == digest)
                                         .options(defer(MailQuarantine.raw)))
                    if row is None:
                        row = MailQuarantine(digest=digest, raw=raw, size=len(raw), attempts=0, reason=reason,
                                             first_seen_at=now)
                        s.add(row)
                    row.sender = one_line(sender, 200) or None if sender else None
                    row.subject = one_line(subject, 300) or None if subject else None
                    row.attempts = (row.attempts or 0) + 1
                    row.reason, row.last_tried_at = reason, now
                    if row.quarantined_at is None and row.attempts >= tries:
                        row.quarantined_at = now
                    return row.quarantined_at is not None
            except IntegrityError:
                continue
        return False

    async def kept(self, raw: bytes) -> None:
        """Kept after all: its failed tries are forgotten."""
        async with self.sessions() as s, s.begin():
            await s.execute(delete(MailQuarantine).where(MailQuarantine.digest == hashlib.sha256(raw).hexdigest(),
                                                         MailQuarantine.quarantined_at.is_(None)))

    async def listing(self, limit: int = 200) -> list[dict]:
        async with self.sessions() as s:
            rows = list(await s.scalars(select(MailQuarantine).options(defer(MailQuarantine.raw)).where(
                MailQuarantine.quarantined_at.is_not(None)).order_by(MailQuarantine.id.desc()).limit(limit)))
        return [{"id": r.id, "sender": r.sender, "subject": r.subject, "size": r.size, "reason": r.reason,
                 "attempts": r.attempts, "first_seen_at": aware(r.first_seen_at).isoformat(),
                 "quarantined_at": aware(r.quarantined_at).isoformat()} for r in rows]

    async def raw(self, quarantine_id: int) -> bytes:
        async with self.sessions() as s:
            raw = await s.scalar(select(MailQuarantine.raw).where(MailQuarantine.id == quarantine_id,
                                                                  MailQuarantine.quarantined_at.is_not(None)))
        if raw is None:
            raise Refused(404, "Không có thư này trong khu cách ly")
        return raw

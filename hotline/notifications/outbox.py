"""The durable SMS outbox: messages are rows written in the same transaction as what caused them
(a slip, an escalation), so a crash never loses one nor sends one that was rolled back. A sender
task hands due messages to the gateway, retrying with back-off up to a limit, then marks them
failed with the reason."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.notifications.gateways import GatewayError
from hotline.notifications.sms import MAX_SEGMENTS, segments
from hotline.phones import vietnamese_mobile
from hotline.security.masking import mask_phone
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import add_event

log = logging.getLogger(__name__)


# Messages to citizens (as opposed to agency staff): capped per number and day, Vietnamese mobiles only.
CITIZEN_PURPOSES = ("receipt", "result", "status", "clarify", "duplicate", "refusal", "delay", "forwarded")


async def enqueue_to_citizen(session: AsyncSession, to: str | None, text: str, purpose: str,
                             ticket_id: int | None, per_day: int) -> SmsMessage | None:
    """Like `enqueue`, for a citizen: only to a Vietnamese mobile number, and at most `per_day`
    messages to one number in 24 hours (a script cannot make the hotline text anyone without end)."""
    number = vietnamese_mobile(to)
    if number is None:
        log.info("no SMS (%s) to %s: not a Vietnamese mobile number", purpose, mask_phone(to))
        return None
    since = datetime.now(timezone.utc) - timedelta(days=1)
    sent = await session.scalar(select(func.count(SmsMessage.id)).where(
        SmsMessage.to_number == number, SmsMessage.created_at >= since, SmsMessage.purpose.in_(CITIZEN_PURPOSES)))
    if sent >= per_day:
        log.warning("no SMS (%s) to %s: %d already sent in 24 hours", purpose, mask_phone(number), sent)
        return None
    return enqueue(session, number, text, purpose, ticket_id)


def enqueue(session: AsyncSession, to: str, text: str, purpose: str, ticket_id: int | None = None) -> SmsMessage:
    """Add a message to the outbox inside the caller's transaction."""
    if segments(text) > MAX_SEGMENTS:
        raise ValueError(f"SMS too long: {segments(text)} parts")
    msg = SmsMessage(to_number=to, text=text, purpose=purpose, ticket_id=ticket_id, status="pending", attempts=0,
                     next_attempt_at=datetime.now(timezone.utc))
    session.add(msg)
    return msg


class SmsSender:
    def __init__(self, sessions: async_sessionmaker, gateway, max_attempts: int = 5, retry_seconds: float = 30,
                 poll_seconds: float = 2, lease: Lease | None = None):
        self.sessions = sessions
        self.gateway = gateway
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self._loop = Periodic("sms outbox", self.send_due, poll_seconds, lease)
        self.start = self._loop.start
        self.wake = self._loop.wake  # something was queued: send now rather than at the next poll

    async def stop(self) -> None:
        await self._loop.stop()
        await self.gateway.close()

    async def send_due(self) -> int:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s:
            due = list(await s.scalars(select(SmsMessage).where(SmsMessage.status == "pending",
                                                                SmsMessage.next_attempt_at <= now)
                                       .order_by(SmsMessage.id).limit(50)))
        for msg in due:
            error = None
            try:
                await self.gateway.send(msg.id, msg.to_number, msg.text)
            except GatewayError as exc:
                error = str(exc)[:500]
            except Exception as exc:  # a gateway bug must not stop the outbox
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with self.sessions() as s, s.begin():
                row = await s.get(SmsMessage, msg.id)
                record_attempt(row, error, self.max_attempts, self.retry_seconds, f"SMS to {row.to_number}")
                if row.status == "failed":  # on the ticket's history: the supervisors see it (#31)
                    add_event(s, row.ticket_id, "system", "sms_failed", purpose=row.purpose, error=row.last_error)
        return len(due)


def record_attempt(row, error: str | None, max_attempts: int, retry_seconds: float, what: str) -> None:
    """After one hand-over attempt of an outbox row (SMS or e-mail): sent, retried later with
    back-off, or failed for good with its reason."""
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", datetime.now(timezone.utc), None
        return
    row.last_error = error
    if row.attempts >= max_attempts:
        row.status = "failed"
        log.error("#%d (%s) failed for good: %s", row.id, what, error)
    else:
        row.next_attempt_at = datetime.now(timezone.utc) + timedelta(seconds=retry_seconds * 2 ** (row.attempts - 1))

"""The durable outboxes: messages are rows written in the same transaction as what caused them
(a slip, an escalation, an answer to a citizen), so a crash never loses one nor sends one that
was rolled back. One send loop (`Outbox`) hands due rows to their gateway, retrying with back-off
up to a limit, then marks them failed with the reason; SMS, e-mail and chat messages are three
instances of it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

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


class Outbox:
    """One durable outbox's send loop, the same for SMS, e-mail and chat messages (their tables share
    `store.outbox.Delivery`): due rows are handed to `deliver` one by one (by one node at a time
    under the lease), each attempt recorded by `record_attempt` (sent, retried with back-off, or
    failed for good with the reason after `max_attempts`). `deliver` raises with the reason when
    the message did not go; any exception counts as a failed attempt (a sender bug must not stop
    the outbox). `on_failed(session, row)` runs when a row fails for good."""

    def __init__(self, name: str, sessions: async_sessionmaker, model, deliver: Callable[[Any], Awaitable[None]],
                 max_attempts: int, retry_seconds: float, poll_seconds: float, lease: Lease | None = None,
                 batch: int = 50, describe: Callable[[Any], str] | None = None,
                 on_failed: Callable[[AsyncSession, Any], None] | None = None):
        self.name = name
        self.sessions = sessions
        self.model = model
        self.deliver = deliver
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self.batch = batch
        self.describe = describe or (lambda row: name)
        self.on_failed = on_failed
        self._loop = Periodic(name, self.send_due, poll_seconds, lease)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        """Something was queued: send now rather than at the next poll."""
        self._loop.wake()

    async def stop(self) -> None:
        await self._loop.stop()

    async def send_due(self) -> int:
        now = datetime.now(timezone.utc)
        m = self.model
        async with self.sessions() as s:
            due = list(await s.scalars(select(m).where(m.status == "pending", m.next_attempt_at <= now)
                                       .order_by(m.id).limit(self.batch)))
        for row in due:
            error = None
            try:
                await self.deliver(row)
            except GatewayError as exc:
                error = str(exc)[:500]
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with self.sessions() as s, s.begin():
                kept = await s.get(m, row.id)
                record_attempt(kept, error, self.max_attempts, self.retry_seconds, self.describe(kept))
                if kept.status == "failed" and self.on_failed is not None:
                    self.on_failed(s, kept)
        return len(due)


class SmsSender(Outbox):
    """The SMS outbox: messages go to the gateway; one failed for good is written on its ticket's
    history (the supervisors see it, #31)."""

    def __init__(self, sessions: async_sessionmaker, gateway, max_attempts: int = 5, retry_seconds: float = 30,
                 poll_seconds: float = 2, lease: Lease | None = None):
        self.gateway = gateway
        super().__init__("sms outbox", sessions, SmsMessage, lambda row: gateway.send(row.id, row.to_number, row.text),
                         max_attempts, retry_seconds, poll_seconds, lease,
                         describe=lambda row: f"SMS to {row.to_number}", on_failed=self._failed)

    @staticmethod
    def _failed(s: AsyncSession, row: SmsMessage) -> None:
        add_event(s, row.ticket_id, "system", "sms_failed", purpose=row.purpose, error=row.last_error)

    async def stop(self) -> None:
        await super().stop()
        await self.gateway.close()


def record_attempt(row, error: str | None, max_attempts: int, retry_seconds: float, what: str) -> None:
    """After one hand-over attempt of an outbox row (SMS, e-mail or chat): sent, retried later with
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

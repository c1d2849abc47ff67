"""The durable outbox of replies to citizens on Zalo and Facebook: written in the same transaction
as the conversation's message, handed to the platform's send API by one node at a time, retried
with back-off when the platform fails (HTTP 5xx, timeouts, an error answer), failed for good with
the reason after `max_attempts`. It also keeps the Zalo OA's access token renewed."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.conversations.platforms import PlatformSender
from hotline.conversations.zalo_token import ZaloToken
from hotline.notifications.gateways import GatewayError
from hotline.notifications.outbox import record_attempt
from hotline.settings import Messaging
from hotline.store.outbox import ChatOutMessage


async def add_once(s: AsyncSession, key: str, channel: str, recipient: str, text: str) -> None:
    if await s.scalar(select(ChatOutMessage.id).where(ChatOutMessage.key == key)) is None:
        s.add(ChatOutMessage(key=key, channel=channel, recipient=recipient, text=text, status="pending", attempts=0,
                             next_attempt_at=datetime.now(timezone.utc)))


class ChatSender:
    def __init__(self, sessions: async_sessionmaker, config: Messaging, sender: PlatformSender | None = None,
                 lease: Lease | None = None):
        self.sessions = sessions
        self.config = config
        # The Zalo OA's token, renewed by the hotline when the settings allow it.
        self.zalo_token = ZaloToken(sessions, config.zalo, lease) if config.zalo and config.zalo.renews else None
        self.sender = sender or PlatformSender(
            config.zalo, config.facebook, zalo_token=self.zalo_token.current if self.zalo_token else None,
            zalo_refused=self.zalo_token.refused if self.zalo_token else lambda: None)
        self._loop = Periodic("chat outbox", self.send_due, config.poll_seconds, lease)
        self.wake = self._loop.wake

    def start(self) -> None:
        if self.zalo_token is not None:
            self.zalo_token.start()
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self.zalo_token is not None:
            await self.zalo_token.stop()
        await self.sender.close()

    async def send_due(self) -> int:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s:
            due = list(await s.scalars(select(ChatOutMessage).where(ChatOutMessage.status == "pending",
                                                                    ChatOutMessage.next_attempt_at <= now)
                                       .order_by(ChatOutMessage.id).limit(50)))
        for msg in due:
            error = None
            try:
                await self.sender.send(msg.channel, msg.recipient, msg.text)
            except GatewayError as exc:
                error = str(exc)[:500]
            except Exception as exc:  # a sender bug must not stop the outbox
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with self.sessions() as s, s.begin():
                record_attempt(await s.get(ChatOutMessage, msg.id), error, self.config.max_attempts,
                               self.config.retry_seconds, f"{msg.channel} message")
        return len(due)

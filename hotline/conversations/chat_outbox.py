"""The durable outbox of replies to citizens on Zalo and Facebook: written in the same transaction
as the conversation's message, handed to the platform's send API by one node at a time, retried
with back-off when the platform fails (HTTP 5xx, timeouts, an error answer), failed for good with
the reason after `max_attempts` (the one outbox loop, `notifications.outbox.Outbox`). It also
keeps the Zalo OA's access token renewed."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Lease
from hotline.conversations.platforms import PlatformSender
from hotline.conversations.zalo_token import ZaloToken
from hotline.notifications.outbox import Outbox
from hotline.settings import Messaging
from hotline.store.outbox import ChatOutMessage


# A Messenger message tag (a notice outside the standard window) rides at the end of the row's key:
# the row has no column of its own for it, and the key is written once with the row.
TAG_MARK = "#tag="


def tag_of(key: str) -> str | None:
    return key.rpartition(TAG_MARK)[2] or None if TAG_MARK in key else None


async def add_once(s: AsyncSession, key: str, channel: str, recipient: str, text: str,
                   tag: str | None = None) -> None:
    key = f"{key}{TAG_MARK}{tag}" if tag else key
    if await s.scalar(select(ChatOutMessage.id).where(ChatOutMessage.key == key)) is None:
        s.add(ChatOutMessage(key=key, channel=channel, recipient=recipient, text=text, status="pending", attempts=0,
                             next_attempt_at=datetime.now(timezone.utc)))


class ChatSender(Outbox):
    """The chat outbox: each row goes to its platform's send API (an instance of the one outbox
    loop); the Zalo OA's access token is renewed beside it."""

    def __init__(self, sessions: async_sessionmaker, config: Messaging, sender: PlatformSender | None = None,
                 lease: Lease | None = None):
        self.config = config
        # The Zalo OA's token, renewed by the hotline when the settings allow it.
        self.zalo_token = ZaloToken(sessions, config.zalo, lease) if config.zalo and config.zalo.renews else None
        self.sender = sender or PlatformSender(
            config.zalo, config.facebook, zalo_token=self.zalo_token.current if self.zalo_token else None,
            zalo_refused=self.zalo_token.refused if self.zalo_token else lambda: None)
        super().__init__("chat outbox", sessions, ChatOutMessage,
                         lambda row: self.sender.send(row.channel, row.recipient, row.text, tag_of(row.key)),
                         config.max_attempts,
                         config.retry_seconds, config.poll_seconds, lease,
                         describe=lambda row: f"{row.channel} message")

    def start(self) -> None:
        if self.zalo_token is not None:
            self.zalo_token.start()
        super().start()

    async def stop(self) -> None:
        await super().stop()
        if self.zalo_token is not None:
            await self.zalo_token.stop()
        await self.sender.close()

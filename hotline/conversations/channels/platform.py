"""What Zalo OA and Messenger share as adapters: answers go through the durable chat outbox to the
platform's send API, the receipt is a short message with the ticket's code, and sender actions
(typing, read) are sent without making the operator wait (best effort, only logged on failure)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Awaitable, Callable

from hotline.conversations import chat_outbox
from hotline.conversations.channels.contract import Inbound, Quiet, Reach, Receipt, RemoteFile
from hotline.conversations.platforms import MAX_TEXT, ChatIn
from hotline.store.conversations import Conversation, ConversationMessage

log = logging.getLogger(__name__)

# The platform's sender actions (Messenger's names).
TYPING, SEEN = "typing_on", "mark_seen"


def inbound_of(chat: ChatIn) -> Inbound:
    return Inbound(chat.channel, chat.user_id, chat.message_id, chat.text,
                   remote_files=[RemoteFile(f.kind, f.url, f.name) for f in chat.attachments])


class PlatformChannel(Quiet):
    """A chat platform behind the chat outbox. `wake` wakes the outbox; `action` sends a sender
    action (None: the platform has none)."""

    webhook_max_bytes = 4 * 1024 * 1024  # Messenger batches up to 1,000 events in one request
    longest = MAX_TEXT

    def __init__(self, wake: Callable[[], None] = lambda: None,
                 action: Callable[[str, str, str], Awaitable[None]] | None = None):
        self.wake = wake
        self.action = action
        self._actions: set[asyncio.Task] = set()

    async def send(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
                   key: str) -> ConversationMessage:
        await chat_outbox.add_once(s, key, self.name, conv.citizen_address, text)
        msg = ConversationMessage(conversation_id=conv.id, channel=self.name, external_id=f"{self.name}:out:{key}",
                                  direction="out", author=author, body=text, created_at=now)
        s.add(msg)
        return msg

    async def notify(self, s, conv: Conversation, text: str, purpose: str, now: datetime, key: str,
                     reach: Reach) -> ConversationMessage:
        """Through the chat outbox, with the message tag the platform's rules ask for (if any)."""
        await chat_outbox.add_once(s, key, self.name, conv.citizen_address, text, tag=reach.tag)
        msg = ConversationMessage(conversation_id=conv.id, channel=self.name, external_id=f"{self.name}:out:{key}",
                                  direction="out", author=None, body=text, created_at=now)
        s.add(msg)
        return msg

    async def receipt(self, s, conv: Conversation, inbound: Inbound, receipt: Receipt, now: datetime,
                      policy) -> ConversationMessage:
        text = (f"Tổng đài 1022 đã nhận tin nhắn phản ánh của Ông/Bà, mã phản ánh {receipt.code}. "
                "Điện thoại viên sẽ trả lời Ông/Bà tại đây.")
        if receipt.link:
            text += f" Theo dõi tiến độ: {receipt.link}"
        return await self.send(s, conv, text, None, now, f"conversation:{conv.id}:receipt")

    async def sent(self, conv_id: int, message: ConversationMessage) -> None:
        self.wake()

    def _act(self, recipient: str, action: str) -> None:
        if self.action is None:
            return

        async def run() -> None:
            try:
                await self.action(self.name, recipient, action)
            except Exception as exc:
                log.info("%s %s to %s not sent: %s", self.name, action, recipient, exc)
        task = asyncio.create_task(run())
        self._actions.add(task)
        task.add_done_callback(self._actions.discard)

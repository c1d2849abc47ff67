"""A ticket's notices in the citizen's own thread: a citizen who wrote (e-mail, web chat, Zalo,
Messenger, SMS to the hotline) is told what a caller is told by SMS (forwarded, asked to complete,
refused with the reason, a new date, the result with the agency's whole answer) in the
conversation the ticket came from, through its channel's adapter, within that channel's messaging
rules (`Channel.reach`). The ticketing side calls `ThreadNotices.tell` inside the move's
transaction (registered at wiring as `Notices.in_thread`), so the move, the notice's outbox row and
the conversation's outgoing message are written together or not at all; the channel's outbox is
woken after the commit."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Awaitable, Callable

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline.conversations.channels import Channels
from hotline.errors import Refused
from hotline.store.base import aware
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.tickets import Ticket, add_event

log = logging.getLogger(__name__)

NO_THREAD, SENT, NOT_NOW = None, True, False  # what `tell` answers
IN_THREAD = "notice_in_thread"
RECEIPT = "receipt"  # the history event of a notice sent in the citizen's thread


class ThreadNotices:
    def __init__(self, channels: Channels,
                 changed: Callable[[int, str, str | None, ConversationMessage], Awaitable[None]] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.channels = channels
        self.changed = changed  # tells the desktops of the new message (after the commit)
        self.clock = clock  # the platforms' windows are counted on it
        self._after: set[asyncio.Task] = set()

    async def tell(self, s: AsyncSession, t: Ticket, text: str, purpose: str,
                   whole: str | None = None) -> bool | None:
        """Send the notice in the ticket's conversation: SENT; NOT_NOW when the channel's rules
        forbid it now (the caller falls back to SMS or records it undelivered); NO_THREAD when the
        ticket came from no conversation. `whole`: a longer form (the agency's whole answer) sent
        where the channel carries it in one message. The receipt is the conversation's own, sent
        when the citizen first wrote: it is not sent again when the operator submits the ticket."""
        conv = await s.scalar(select(Conversation).where(Conversation.ticket_id == t.id)
                              .order_by(Conversation.id.desc()).limit(1))
        if conv is None:
            return NO_THREAD
        if purpose == RECEIPT:
            return SENT
        now = self.clock()
        channel = self.channels[conv.channel]
        last_in = await s.scalar(select(func.max(ConversationMessage.created_at)).where(
            ConversationMessage.conversation_id == conv.id, ConversationMessage.direction == "in"))
        last_in = aware(last_in)
        out = select(func.count(ConversationMessage.id)).where(ConversationMessage.conversation_id == conv.id,
                                                               ConversationMessage.direction == "out")
        sent_since = await s.scalar(out.where(ConversationMessage.created_at > last_in) if last_in else out)
        reach = channel.reach(conv, last_in, sent_since or 0, now)
        if reach is None:
            log.info("ticket %d: %s notice not allowed now on %s", t.id, purpose, channel.name)
            return NOT_NOW
        if whole and (channel.longest is None or len(whole) <= channel.longest):
            text = whole
        key = f"notice:{t.id}:{purpose}:{t.version}"
        try:
            async with s.begin_nested():  # what the adapter refuses leaves the move's writes whole
                msg = await channel.notify(s, conv, text, purpose, now, key, reach)
                await s.flush()
        except Refused as exc:
            log.warning("ticket %d: %s notice refused by %s: %s", t.id, purpose, channel.name, exc)
            return NOT_NOW
        add_event(s, t.id, "system", IN_THREAD, purpose=purpose, channel=channel.name, conversation=conv.id,
                  **({"tag": reach.tag} if reach.tag else {}))
        self._after_commit(s, channel, conv, msg)
        return SENT

    def _after_commit(self, s: AsyncSession, channel, conv: Conversation, msg: ConversationMessage) -> None:
        """Wake the channel's outbox (or tell the chat page) and the desktops once the move is
        committed; a rolled-back move sends nothing."""
        loop = asyncio.get_running_loop()
        conv_id, status, assignee = conv.id, conv.status, conv.assignee

        def committed(_session) -> None:
            async def run() -> None:
                try:
                    await channel.sent(conv_id, msg)
                    if self.changed is not None:
                        await self.changed(conv_id, status, assignee, msg)
                except Exception:
                    log.exception("conversation %d: notice sent, but the wake-up failed", conv_id)
            task = loop.create_task(run())
            self._after.add(task)
            task.add_done_callback(self._after.discard)

        event.listen(s.sync_session, "after_commit", committed, once=True)

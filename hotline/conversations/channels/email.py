"""Citizens' e-mails as a channel: the mailbox reader (`hotline.conversations.imap`) hands each
parsed message over; a message continues a conversation only from its own address and by a
reference the hotline issued (the Message-ID of a mail it sent, or the ticket's code in the
subject); answers and receipts go through the e-mail outbox in the citizen's thread."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select

from hotline.config.conversations import ConversationPolicy
from hotline.conversations.channels.contract import EMAIL_ADDRESS, Inbound, InboundRefused, Quiet, Receipt
from hotline.conversations.mail import (InboundMail, code_in, new_message_id, reply_subject, tagged,
                                        thread_headers)
from hotline.notifications.email import add_once
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.outbox import EmailMessage as Outgoing
from hotline.store.tickets import Ticket

log = logging.getLogger(__name__)

SIGNATURE = "\n\n--\nTổng đài 1022\nVui lòng giữ nguyên tiêu đề (có mã phản ánh) khi trả lời thư này."
RECEIPT_SUBJECT = "Tổng đài 1022 đã nhận phản ánh"


def receipt_text(code: str, lookup_url: str | None) -> str:
    text = (f"Tổng đài 1022 đã nhận thư phản ánh của Ông/Bà, mã phản ánh {code}. Điện thoại viên sẽ xem xét "
            "và trả lời Ông/Bà qua thư này.")
    if lookup_url:
        text += f"\nTheo dõi tình trạng và quá trình xử lý (không cần số điện thoại): {lookup_url}"
    return text + SIGNATURE


class EmailChannel(Quiet):
    name = "email"
    address_kind = EMAIL_ADDRESS

    def __init__(self, sender: str, wake: Callable[[], None] = lambda: None):
        self.sender = sender  # the hotline's address (its Message-IDs)
        self.wake = wake  # the e-mail outbox

    def inbound(self, mail: InboundMail) -> Inbound:
        """A parsed e-mail as an inbound message; InboundRefused: no address to answer."""
        if not mail.automatic and "@" not in mail.sender:
            raise InboundRefused("không có địa chỉ người gửi hợp lệ")
        return Inbound(self.name, mail.sender, mail.message_id, mail.text, sender_name=mail.sender_name,
                       subject=mail.subject, files=mail.files, automatic=mail.automatic, original=mail)

    async def thread(self, s, inbound: Inbound) -> Conversation | None:
        """Only a conversation with the sender's own address, and only by a reference the hotline
        issued. A forged From naming someone else's conversation starts a new one."""
        mail: InboundMail = inbound.original
        ids = mail.thread_ids()
        if ids:
            conv = await s.scalar(select(Conversation).join(
                ConversationMessage, ConversationMessage.conversation_id == Conversation.id).where(
                ConversationMessage.channel == self.name, ConversationMessage.direction == "out",
                ConversationMessage.external_id.in_(ids), Conversation.channel == self.name,
                Conversation.citizen_address == mail.sender).order_by(Conversation.id.desc()).limit(1))
            if conv is not None:
                return conv
        code = code_in(mail.subject)  # a mail client that dropped the headers kept the subject's code
        if code:
            return await s.scalar(select(Conversation).join(Ticket, Conversation.ticket_id == Ticket.id).where(
                Ticket.code == code, Conversation.channel == self.name, Conversation.citizen_address == mail.sender))
        return None

    async def refuse_new(self, s, inbound: Inbound, now: datetime, policy: ConversationPolicy) -> str | None:
        started = await s.scalar(select(func.count(Conversation.id)).where(
            Conversation.channel == self.name, Conversation.citizen_address == inbound.sender,
            Conversation.created_at >= now - timedelta(days=1)))
        if started >= policy.new_per_sender_per_day:
            return f"người gửi đã mở {started} hội thoại trong 24 giờ (tối đa {policy.new_per_sender_per_day})"
        return None

    def ticket_fields(self, inbound: Inbound, text: str) -> dict:
        content = f"{inbound.subject}\n\n{inbound.text}" if inbound.subject else inbound.text
        return {"channel": self.name, "email": inbound.sender, "reporter_name": inbound.sender_name,
                "content": content[:20000]}

    def conversation_fields(self, inbound: Inbound) -> dict:
        return {"citizen_name": inbound.sender_name, "subject": inbound.subject or None}

    async def receipt(self, s, conv: Conversation, inbound: Inbound, receipt: Receipt, now: datetime,
                      policy: ConversationPolicy) -> ConversationMessage | None:
        """A forged sender would have the hotline mail its receipts to anyone: a fixed text
        (nothing of what was sent), marked as automatic (RFC 3834), and a few a day to one address
        at most (the conversation itself is kept whatever the count)."""
        sent = await s.scalar(select(func.count(Outgoing.id)).where(
            Outgoing.to_address == conv.citizen_address, Outgoing.key.like("conversation:%:receipt"),
            Outgoing.created_at >= now - timedelta(days=1)))
        if sent >= policy.receipts_per_address_per_day:
            return None
        return await self._queue(s, conv, receipt_text(receipt.code, receipt.link),
                                 tagged(RECEIPT_SUBJECT, receipt.code), answering=inbound.original, author=None,
                                 now=now, key=f"conversation:{conv.id}:receipt", automatic=True)

    async def send(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
                   key: str) -> ConversationMessage:
        """In the citizen's thread; the subject carries the ticket's code."""
        code = await s.scalar(select(Ticket.code).where(Ticket.id == conv.ticket_id)) if conv.ticket_id else None
        return await self._queue(s, conv, text + SIGNATURE, reply_subject(conv.subject, code or ""), answering=None,
                                 author=author, now=now, key=key)

    async def sent(self, conv_id: int, message: ConversationMessage) -> None:
        self.wake()

    async def _queue(self, s, conv: Conversation, body: str, subject: str, answering: InboundMail | None,
                     author: str | None, now: datetime, key: str, automatic: bool = False) -> ConversationMessage:
        message_id = new_message_id(self.sender)
        if answering is not None:
            headers = thread_headers(message_id, answering.message_id, answering.references)
        else:
            headers = await self._reply_headers(s, conv, message_id)
        if automatic:  # RFC 3834: responders must not answer it
            headers["Auto-Submitted"] = "auto-replied"
        await add_once(s, key, conv.citizen_address, subject, body, headers=headers)
        msg = ConversationMessage(conversation_id=conv.id, channel=self.name, external_id=message_id,
                                  direction="out", author=author, body=body, created_at=now)
        s.add(msg)
        return msg

    async def _reply_headers(self, s, conv: Conversation, message_id: str) -> dict[str, str]:
        """A reply answers the citizen's latest message; References carry the thread so far."""
        rows = list(await s.scalars(select(ConversationMessage).where(
            ConversationMessage.conversation_id == conv.id).order_by(ConversationMessage.id)))
        last_in = next((m.external_id for m in reversed(rows) if m.direction == "in"), None)
        return thread_headers(message_id, last_in, [m.external_id for m in rows if m.external_id != last_in])

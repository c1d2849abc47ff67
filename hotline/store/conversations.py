"""Written exchanges with citizens (e-mail, web chat, Zalo, Facebook, SMS): one conversation per
thread, its messages both ways, linked to the ticket it became."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText, utcnow

ConversationStatus = Literal["open", "answered", "closed"]
Direction = Literal["in", "out"]


class Conversation(Base):
    """`open`: the citizen wrote last (waiting for an operator); `answered`: an operator replied
    last; `closed`: done. `assignee`: the operator who has it (None: any operator may take it)."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    citizen_address: Mapped[str] = mapped_column(String(200), index=True)  # e-mail address, phone, platform id
    # What kind of address that is ("email", "phone", "platform"), as the channel's adapter says:
    # a citizen's erasure and access requests find her conversations by it, whatever the channel.
    address_kind: Mapped[str] = mapped_column(String(10), default="platform", server_default="platform")
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[ConversationStatus] = mapped_column(String(10), default="open", index=True)
    assignee: Mapped[str | None] = mapped_column(String(40), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # The citizen waits for an answer until then (None: answered); reminded and escalated once.
    reply_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Read states: the last citizen's message the operator has seen, the last answer the citizen
    # has seen (web chat; Zalo and Messenger tell us when the citizen read).
    operator_read_id: Mapped[int | None] = mapped_column(Integer)
    citizen_read_id: Mapped[int | None] = mapped_column(Integer)
    # For the reports: when the first answer went, and how many times a first-reply time passed.
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    late_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Web chat: the SHA-256 of the secret the citizen's page holds (the chat's only credential).
    access_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class ConversationMessage(Base):
    """One message. `external_id`: the channel's id of it (an e-mail's Message-ID), unique per
    channel, so a message read twice is stored once and replies find their thread."""

    __tablename__ = "conversation_messages"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversation_message_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(300))
    direction: Mapped[Direction] = mapped_column(String(3))
    author: Mapped[str | None] = mapped_column(String(60))  # the operator who wrote it (out)
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JsonText(), default=list)  # [{id, filename}] kept with the ticket
    refused: Mapped[list] = mapped_column(JsonText(), default=list)  # files not kept: [{filename, reason}]
    # Files sent on a platform, still to be fetched from it: [{kind, url, name, attempts}].
    pending_files: Mapped[list | None] = mapped_column(JsonText())
    files_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- a citizen's erasure and access requests (hotline.privacy) ------------------------------------
async def conversations_of(s, addresses: list[str], platform_ids: list[str], phone: str | None,
                           ticket_ids: list[int], same_phone=None) -> list[Conversation]:
    """The conversations held under e-mail `addresses` (case aside), a platform user id, a phone
    (`phone` in national form; a web chat holds it as the citizen typed it: `same_phone(written)`
    tells) or linked to `ticket_ids`."""
    from sqlalchemy import func, or_, select

    conds = []
    if addresses:
        conds.append((Conversation.address_kind == "email")
                     & func.lower(func.trim(Conversation.citizen_address)).in_([a.lower() for a in addresses]))
    if platform_ids:
        conds.append((Conversation.address_kind == "platform") & Conversation.citizen_address.in_(platform_ids))
    if ticket_ids:
        conds.append(Conversation.ticket_id.in_(ticket_ids))
    found = list(await s.scalars(select(Conversation).where(or_(*conds)))) if conds else []
    if phone:
        found += [c for c in await s.scalars(select(Conversation).where(
            Conversation.address_kind == "phone", Conversation.citizen_address.like(f"%{phone[-3:]}")))
            if (same_phone(c.citizen_address) if same_phone else c.citizen_address == phone) and c not in found]
    return found


async def messages_of(s, conversation_ids: list[int]) -> list[ConversationMessage]:
    from sqlalchemy import select

    if not conversation_ids:
        return []
    return list(await s.scalars(select(ConversationMessage).where(
        ConversationMessage.conversation_id.in_(conversation_ids)).order_by(ConversationMessage.id)))


def erase_conversation(conv: Conversation, messages: list[ConversationMessage], erased: str, mask: str) -> None:
    """What identifies the citizen goes; the rows, their channel, times and directions stay (the
    reports' counts). A message's channel id becomes `erased:<id>` (still unique per channel)."""
    conv.citizen_address, conv.citizen_name, conv.subject, conv.access_hash = mask, None, None, None
    for m in messages:
        m.body, m.external_id = erased, f"erased:{m.id}"
        m.attachments, m.refused, m.pending_files, m.files_pending = [], [], None, False


class MailQuarantine(Base):
    """A message of the mailbox that could not be kept. `attempts` counts the passes that failed
    on it (kept here, so that a restart does not start again); once `quarantined_at` is set (at
    the policy's number of tries, or at once for what a limit refused) it is marked read and the
    reader goes on; supervisors see the reason and download `raw`, the message as received."""

    __tablename__ = "mail_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of raw
    sender: Mapped[str | None] = mapped_column(String(200))  # as far as it could be read
    subject: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_tried_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    quarantined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

"""Written exchanges with citizens (e-mail, web chat, Zalo, Facebook): one conversation per
thread, its messages both ways, linked to the ticket it became."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
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
    citizen_address: Mapped[str] = mapped_column(String(200), index=True)  # e-mail address, platform user id
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

"""The durable outboxes: SMS and e-mail wait here until a gateway accepts them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText, utcnow


OutboxStatus = Literal["pending", "sent", "failed"]


class Delivery:
    """What every outbox row has: its state, the attempts made (see notifications.outbox.record_attempt)."""

    status: Mapped[OutboxStatus] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SmsMessage(Delivery, Base):
    """The durable SMS outbox: a message stays until the gateway accepts it or attempts run out."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(30))  # transfer_slip | ...
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)


class EmailMessage(Delivery, Base):
    """The durable e-mail outbox. `key` names what the message is (a week's report to one head),
    so a restart or a second process never queues it twice."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(500))  # a file sent with it (a report)
    # Threading (replies to citizens): Message-ID, In-Reply-To, References, as sent.
    headers: Mapped[dict] = mapped_column(JsonText(), default=dict)


class ChatOutMessage(Delivery, Base):
    """The durable outbox of messages to citizens on a platform (Zalo OA, Facebook Messenger): a
    reply stays until the platform's send API accepts it or attempts run out."""

    __tablename__ = "chat_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # zalo | facebook
    recipient: Mapped[str] = mapped_column(String(100))  # the platform's id of the citizen
    text: Mapped[str] = mapped_column(Text)

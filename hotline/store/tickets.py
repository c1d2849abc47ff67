"""Tickets, their attachments and their history (append-only), and the coordination between agencies on one ticket."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText, utcnow


# The values of hotline.config.statuses.TicketStatus (tests/unit/test_config.py checks they agree).
TicketStatusValue = Literal["received", "in_progress", "answered", "overdue", "closed", "rejected"]


def new_public_secret() -> str:
    """The secret of a ticket's look-up link: 16 URL-safe characters, 96 random bits."""
    return secrets.token_urlsafe(12)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    status: Mapped[TicketStatusValue] = mapped_column(String(32), default="received")
    topic: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), default="phone")
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)  # Asterisk call
    address: Mapped[str | None] = mapped_column(String(500))  # as said or typed, old names and all
    # Where the matter is, in the structure since 1 July 2025 (General Statistics Office codes, from
    # hotline.places): the province and its commune, ward or special zone.
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int | None] = mapped_column(Integer, index=True)
    # The pin an app put on its map (WGS 84 degrees), and the app (its Open311 key's name).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    via_app: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)  # created on answer, being written
    operator_id: Mapped[str | None] = mapped_column(String(40))
    recording_path: Mapped[str | None] = mapped_column(String(500))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)  # handling unit
    assignee_contact_id: Mapped[int | None] = mapped_column(ForeignKey("agency_contacts.id"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # The step of the profile's workflow (received, focal_point, head, overdue, answered, ...):
    # who must act, and by `due_at`.
    handling_stage: Mapped[str | None] = mapped_column(String(40), index=True, default="received")
    stage_entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=0)  # every workflow write is conditional on it
    counts: Mapped[dict] = mapped_column(JsonText(), default=dict)  # actions taken, by name (reschedules)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # a deadline was missed at some step
    classification: Mapped[str | None] = mapped_column(String(40))  # the action that classified it
    state_secret: Mapped[bool] = mapped_column(Boolean, default=False)  # never published
    answer_level: Mapped[int | None] = mapped_column(Integer)  # 1: the operator answered; 2: an agency
    reason: Mapped[str | None] = mapped_column(Text)  # the latest rejection / return / send-back reason
    question: Mapped[str | None] = mapped_column(Text)  # the citizen's latest follow-up or clarification
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 (rất không hài lòng) .. 5 (rất hài lòng)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # deadlines count from it
    result: Mapped[str | None] = mapped_column(Text)  # the handling agency's answer
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # SMS reminder due
    # The reporter's personal data was removed (retention period over, or the citizen's erasure request)
    personal_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The secret of the link in every receipt that opens the ticket's public page (`/p/{secret}`)
    # without a phone: status, timeline, result, nothing personal. Made with every new ticket.
    public_secret: Mapped[str | None] = mapped_column(String(24), unique=True, default=new_public_secret)


class Attachment(Base):
    """A file given with a report (citizen's photo, video, audio), with an answer (agency), or a
    letter scanned by staff."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))  # relative to the attachments folder
    uploaded_by: Mapped[str] = mapped_column(String(60))
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # part of a published answer
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A letter scanned by staff (Đồng Tháp Art. 3.5, 5.3) and its recognised text
    # (hotline/ticketing/scans.py): pending → done, or failed with the reason; folded for search.
    scan: Mapped[bool] = mapped_column(Boolean, default=False)
    text_status: Mapped[str | None] = mapped_column(String(10), index=True)
    text_error: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    text_folded: Mapped[str | None] = mapped_column(Text)


class CoordinationRequest(Base):
    """The handling agency asks another agency for its part of a ticket (Thanh Hóa Art. 12.4)."""

    __tablename__ = "coordination_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)  # the agency asked
    asked_by: Mapped[str] = mapped_column(String(60))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # cleared once late
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TicketEvent(Base):
    """The ticket's history, append-only: who did what, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(60))  # username, operator id, or "system"
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JsonText(), default=dict)


def add_event(s: AsyncSession, ticket_id: int | None, actor: str, action: str, *, at: datetime | None = None,
              **detail) -> None:
    """Append one step to a ticket's history (inside the caller's transaction); `at` defaults to now."""
    if ticket_id is not None:
        s.add(TicketEvent(ticket_id=ticket_id, actor=actor, action=action, detail=detail, at=at or utcnow()))


async def history(s: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    """A ticket's history, oldest first."""
    return list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.id)))

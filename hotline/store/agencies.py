"""Agencies, their contacts, and live transfers of calls to them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


ContactRole = Literal["focal_point", "head"]
# The names users read are in hotline/transfers/outcomes.py.
TransferOutcome = Literal["dialing", "consulting", "completed", "cancelled", "no_answer", "busy", "unreachable",
                          "caller_hung_up", "agency_hung_up", "failed", "interrupted"]

class Agency(Base):
    """An agency that handles reports: its phone for urgent calls, its fields, its people."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20))  # see agencies.LEVELS
    fields: Mapped[str] = mapped_column(String(500), default="")  # comma-separated topic ids
    phone: Mapped[str | None] = mapped_column(String(20))  # dialled for urgent (live) transfers
    route: Mapped[str] = mapped_column(String(32), default="local")  # outbound route (settings)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def field_list(self) -> list[str]:
        """The topic ids the agency handles (`fields` is kept comma-separated)."""
        return [f for f in (self.fields or "").split(",") if f]


class AgencyCommune(Base):
    """A commune (ward, special zone) an agency serves: the commune's People's Committee serves its
    own; an agency serving none serves the whole province (a department)."""

    __tablename__ = "agency_communes"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    commune_code: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)  # hotline.places


class AgencyContact(Base):
    """A named person of an agency: focal point (receives transfers and slips) or head."""

    __tablename__ = "agency_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    role: Mapped[ContactRole] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # for calls and SMS
    email: Mapped[str | None] = mapped_column(String(200))  # for weekly reports (heads)


class Transfer(Base):
    """One attempt to hand a call to an agency (or back to a queue), as it happened."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    operator_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # warm | blind | queue
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str | None] = mapped_column(String(200))  # as it was at the time
    target: Mapped[str | None] = mapped_column(String(20))  # agency | focal_point
    number: Mapped[str | None] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(40))
    # dialing | consulting | completed | cancelled | no_answer | busy | unreachable | caller_hung_up
    # | agency_hung_up | failed
    outcome: Mapped[TransferOutcome] = mapped_column(String(20), default="dialing")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slip_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

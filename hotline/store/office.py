"""The provincial office's letters to agencies about a ticket (Đồng Tháp Art. 9.5): a reminder
to act, or a request to explain why a ticket is late, with the agency's explanation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base

LetterKind = Literal["reminder", "explanation"]


class OfficeLetter(Base):
    __tablename__ = "office_letters"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # per year: "12/VP-1022"
    kind: Mapped[LetterKind] = mapped_column(String(12))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    body: Mapped[str] = mapped_column(Text)  # the office's own words, inside the template
    issued_by: Mapped[str] = mapped_column(String(60))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # an explanation's limit
    answer: Mapped[str | None] = mapped_column(Text)  # the agency's explanation
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Reviews of written answers (Đồng Nai CV 1407 items 1-2: the weekly check covers the answers
agencies and operators wrote, not only calls): a verdict per check, and for a finding against an
agency (wrong information, buck-passing) what it did about it, by a deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class AnswerReview(Base):
    __tablename__ = "answer_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)  # a finding sent to it
    verdict: Mapped[str] = mapped_column(String(20))  # as for calls: correct, wrong_info, buck_passing, other
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(60))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the agency acts by then
    response: Mapped[str | None] = mapped_column(Text)  # what the agency did, once
    responded_by: Mapped[str | None] = mapped_column(String(60))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

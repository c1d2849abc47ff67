"""Verification of calls with the profile's scorecard (issue #30 item 5): the calls drawn for each
operator's week, and the supervisors' scores of them (append-only; the latest counts)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText, utcnow


class ScorecardSample(Base):
    """A call drawn for an operator's week (Monday, local date): stored, so that opening the
    sample again never changes it."""

    __tablename__ = "scorecard_samples"
    __table_args__ = (UniqueConstraint("week_start", "operator", "recording_id", name="uq_scorecard_samples_call"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    operator: Mapped[str] = mapped_column(String(40), index=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScorecardReview(Base):
    """A supervisor's score of a sampled call: a mark per criterion (true: met, false: not met,
    null: does not apply), the weighted score out of 100, the criteria as they were when scored
    ({id: {title, weight}}) and the automatic suggestions shown beside them."""

    __tablename__ = "scorecard_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("scorecard_samples.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(60))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    marks: Mapped[dict] = mapped_column(JsonText(), default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    criteria: Mapped[dict] = mapped_column(JsonText(), default=dict)
    suggestions: Mapped[list] = mapped_column(JsonText(list), default=list)
    comment: Mapped[str] = mapped_column(Text, default="")

"""Statutory reports made: one row per report and period, so a report is made once across
restarts and processes (the unique key), with the file it was kept as."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, JsonText


class StatutoryReportRow(Base):
    __tablename__ = "statutory_reports"
    __table_args__ = (UniqueConstraint("report_id", "first_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(40))  # the profile's report id
    title: Mapped[str] = mapped_column(String(300))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str] = mapped_column(String(200))  # under the reports folder
    recipients: Mapped[list] = mapped_column(JsonText(list))

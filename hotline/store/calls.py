"""Calls as statistics see them (queue_log rows and the reader's cursor)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base


QueueOutcome = Literal["waiting", "answered", "abandoned", "timeout", "exit_empty", "exit_key"]

class QueuedCallRow(Base):
    """One caller's stay in one queue, from Asterisk's queue_log (call statistics). `outcome`:
    waiting | answered | abandoned | timeout | exit_empty | exit_key; times in seconds."""

    __tablename__ = "queue_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[QueueOutcome] = mapped_column(String(12), default="waiting")
    agent: Mapped[str] = mapped_column(String(64), default="")
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LogCursor(Base):
    """How far a log file has been read (file identity and byte offset), committed with what was
    read from it, so a restart neither skips nor repeats lines."""

    __tablename__ = "log_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    inode: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)

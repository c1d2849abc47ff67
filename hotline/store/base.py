"""The declarative base of every table, and the store's time helpers (UTC, always aware)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(d: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; the store keeps UTC."""
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def iso(d: datetime | None) -> str | None:
    """The one way a stored time leaves the store: ISO 8601 in UTC, or None."""
    return aware(d).isoformat() if d else None


class Base(DeclarativeBase):
    pass

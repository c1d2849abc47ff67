"""The declarative base of every table, and the store's time helpers (UTC, always aware)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


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


class JsonText(TypeDecorator):
    """A JSON value (dict or list) kept as text, the same on SQLite and PostgreSQL: Python values
    in, Python values out; an empty or missing value reads as `empty()`."""

    impl = Text
    cache_ok = True

    def __init__(self, empty: type = dict):
        super().__init__()
        self.empty = empty

    def process_bind_param(self, value, dialect):
        return json.dumps(self.empty() if value is None else value, ensure_ascii=False, default=str)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else self.empty()

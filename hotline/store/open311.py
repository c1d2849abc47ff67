"""The keys of the apps and portals that send reports through the Open311 GeoReport v2 API (one
key per app: Smart Quảng Ninh, App 1022, a province's portal). A key is shown once when made;
only its SHA-256 is kept (a random 256-bit key needs no slow hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class AppKey(Base):
    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # the app, as staff read it on a ticket
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

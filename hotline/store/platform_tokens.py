"""Access tokens a chat platform renews (Zalo OA): the current one, the refresh token for the
next renewal (each is used once), when it expires, and what the last renewal said. Kept in the
database so that every node sends with the same token and a restart does not lose the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base


class PlatformToken(Base):
    __tablename__ = "platform_tokens"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # SHA-256 of the refresh token from the environment the chain began with: a new one put there
    # (the chain was broken) starts a new chain.
    seed_hash: Mapped[str] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))

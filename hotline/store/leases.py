"""Leases on the hotline's shared background jobs: a row per job, who holds it and until when
(see `hotline.nodes.leases`); and the nodes' heartbeats, which elect the node serving the desktops
(see `hotline.nodes.serving`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NodeHeartbeat(Base):
    """A running node behind the SIP edge: its priority (as in the edge's settings), when it
    last said it was alive, and since when it is draining (`hotline drain`: no new calls, then
    it stops)."""

    __tablename__ = "node_heartbeats"

    holder: Mapped[str] = mapped_column(String(120), primary_key=True)
    priority: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    draining_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

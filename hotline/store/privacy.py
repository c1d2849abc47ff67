"""Personal data: the audit log of who read a ticket's personal data, its files or a recording
(Đồng Tháp Art. 3.4, 16; HCMC Art. 9), and citizens' requests to see or erase their data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.accounts import Role
from hotline.store.base import Base, JsonText, utcnow


class AuditEntry(Base):
    """Who read, downloaded, granted or verified what (append-only): a recording's listens,
    downloads, grants and verifications; a ticket's personal data, files and documents."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(String(20))
    # listen | download | grant | revoke | verify (recordings); read | file | document (tickets);
    # export | erase (a citizen's data request)
    action: Mapped[str] = mapped_column(String(20))
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class DataRequest(Base):
    """A citizen's request, received by the provincial office, to see (`access`) or erase
    (`erasure`) the personal data the hotline holds under their phone number, e-mail address or
    platform user id. `open` until the office carries it out (`done`, with what was found or
    erased by class) or refuses it (`refused`, with the reason).

    The identifiers are kept as keyed hashes (HMAC-SHA256 with the installation's secret: the
    office can tell whether a number asked before, nobody can read it back) and a masked hint; in
    clear only while needed: an open request, a done access request (its dossier) until the same
    citizen's erasure. A carried-out erasure and a refusal keep none."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # access | erasure
    phone: Mapped[str | None] = mapped_column(String(20))  # normalised digits, while needed
    email: Mapped[str | None] = mapped_column(String(200))  # lower case, while needed
    platform_id: Mapped[str | None] = mapped_column(String(200))  # a Zalo or Messenger user id, while needed
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    platform_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    hint: Mapped[str] = mapped_column(String(300), default="", server_default="")  # masked, for the list
    note: Mapped[str] = mapped_column(Text, default="")  # how the request came, who checked identity
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | done | refused
    requested_by: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_by: Mapped[str | None] = mapped_column(String(60))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict] = mapped_column(JsonText(), default=dict)  # counts by data class; a refusal's reason


class ErasureHold(Base):
    """A ticket an erasure reached while it was still being handled: what the agency needs to
    answer (the reporter's fields, the texts, the files, the history) stays until the ticket
    reaches a final step of the workflow, then the retention job erases it and records it on the
    request (HCMC Art. 8.1: every report is kept for the authorities; #31 item 15).

    `identifiers` are the citizen's other identifiers that the ticket's texts may quote (the
    ticket itself holds the same until then); emptied when the hold is released."""

    __tablename__ = "erasure_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    identifiers: Mapped[list] = mapped_column(JsonText(list), default=list)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

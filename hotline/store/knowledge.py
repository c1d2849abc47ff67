"""The knowledge base operators answer from (articles on procedures and public services, each
with its versions: drafted by agencies, approved by the hotline), the tickets that cite them, and
application statuses imported from a province's one-stop system for look-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow

VersionState = Literal["draft", "submitted", "approved", "rejected", "superseded"]


class Article(Base):
    """One question citizens ask, in one field, kept by one agency. `current_version_id` is the
    approved version operators and citizens see (None until one is approved); `search_title` and
    `search_body` hold that version's text folded for search (lower case, no diacritics)."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(40), index=True)  # a topic id (queues file)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    review_by: Mapped[date | None] = mapped_column(Date, index=True)  # the current version's; stale after
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArticleVersion(Base):
    """One wording of an article: who wrote it, who reviewed it and when. Only one version of an
    article is open (draft or submitted) at a time; approving it supersedes the previous one."""

    __tablename__ = "kb_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[VersionState] = mapped_column(String(12), default="draft", index=True)
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    steps: Mapped[str] = mapped_column(Text, default="")
    papers: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[str] = mapped_column(String(1000), default="")
    processing_time: Mapped[str] = mapped_column(String(500), default="")
    submit_where: Mapped[str] = mapped_column(String(1000), default="")
    legal_basis: Mapped[str] = mapped_column(String(1000), default="")
    legal_document: Mapped[str] = mapped_column(String(100), default="")  # e.g. 15/2021/NĐ-CP
    legal_effective: Mapped[date | None] = mapped_column(Date)
    review_by: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")  # an import: the file and row
    author: Mapped[str] = mapped_column(String(60))
    author_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(60))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(String(2000), default="")


class Citation(Base):
    """A ticket answered from an article's version (the operator inserted its answer)."""

    __tablename__ = "kb_citations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_versions.id"))
    cited_by: Mapped[str] = mapped_column(String(60))
    cited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Term(Base):
    """A word of an approved version, folded: typing mistakes are corrected against these."""

    __tablename__ = "kb_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)


class ApplicationStatus(Base):
    """An administrative application's status as exported by the one-stop system (table source)."""

    __tablename__ = "application_statuses"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # as printed on the receipt
    keypad: Mapped[str] = mapped_column(String(40), index=True)  # its digits: what a phone can key
    status: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str] = mapped_column(String(500), default="")
    agency: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

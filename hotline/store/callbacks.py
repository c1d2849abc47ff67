"""Calls to citizens: callback requests and their attempts, and every outbound call the hotline
places (from a ticket, a callback, or a survey)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow

CallbackReason = Literal["after_hours", "queue_timeout", "virtual_hold", "survey"]
CallbackStatus = Literal["open", "taken", "done", "unreached"]
CallbackOutcome = Literal["reached", "no_answer", "busy", "wrong_number"]
OutboundPurpose = Literal["ticket", "callback", "survey"]
OutboundStatus = Literal["requested", "dialing", "answered", "busy", "no_answer", "failed", "expired"]


class CallbackRequest(Base):
    """A caller asked to be called back (after hours) or waited too long in a queue. `open`: in
    the work list (from `next_attempt_at` on); `taken` by an operator (back to open after the
    profile's hold time); `done` (reached, or a wrong number) and `unreached` (attempts used up)
    are handled (`handled_at`)."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[CallbackReason] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(40))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[CallbackStatus] = mapped_column(String(12), default="open", index=True)
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[CallbackOutcome | None] = mapped_column(String(16))
    handled_by: Mapped[str | None] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class CallbackAttempt(Base):
    """One try at calling a requester back, with what came of it."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    operator_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[CallbackOutcome] = mapped_column(String(16))
    outbound_call_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_calls.id"))
    note: Mapped[str] = mapped_column(String(500), default="")


class OutboundCall(Base):
    """A call to a citizen. Asked for in the desktop (`requested`, with a one-time `token` the
    softphone dials), claimed by the dialplan when the softphone's call arrives (`dialing`, with
    the call's `linkedid`), then what the citizen's phone did."""

    __tablename__ = "outbound_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    purpose: Mapped[OutboundPurpose] = mapped_column(String(10))
    operator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    number: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    status: Mapped[OutboundStatus] = mapped_column(String(12), default="requested")
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    dialed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


VirtualHoldStatus = Literal["waiting", "retry", "connected", "callback"]


class VirtualHold(Base):
    """A caller who chose to be called back keeping their place in a queue. `waiting`: a
    placeholder holds the place (`placeholder_linkedid`), and, once an operator takes it, the
    citizen's phone rings; `retry`: the citizen did not answer, a new placeholder goes to the front
    at `next_attempt_at`; `connected`: they talk; `callback`: tries used up or the placeholder's
    wait ran out, handed to the callback work list."""

    __tablename__ = "virtual_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    queue: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(40))
    ivr_path: Mapped[str] = mapped_column(String(100), default="")
    linkedid: Mapped[str | None] = mapped_column(String(64))  # the caller's own call
    position: Mapped[int] = mapped_column(Integer, default=1)  # in the queue when they left it
    status: Mapped[VirtualHoldStatus] = mapped_column(String(12), default="waiting", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    placeholder_linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback_requests.id"))


SurveyStatus = Literal["pending", "calling", "rated", "unrated", "not_reached"]


class SurveyCall(Base):
    """An automated call asking a citizen to rate the answer to their ticket. `pending` until
    `due_at` (and calling hours); `calling`; then `rated`, `unrated` (answered, no valid key) or
    `not_reached` (busy, no answer): the last two send the result SMS instead (`sms_sent`)."""

    __tablename__ = "survey_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[SurveyStatus] = mapped_column(String(12), default="pending", index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    dial_status: Mapped[str | None] = mapped_column(String(20))
    sms_sent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

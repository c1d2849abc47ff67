"""The callback work list: requests from the IVR (after hours, queue timeout), taken by one
operator at a time, called back from the desktop, with attempts and retries by the profile's
rules and a deadline in working hours after which supervisors are alerted.

Every change is a conditional UPDATE, so two operators clicking "take" on the same request get one
winner and a clear refusal; state lives in the database only."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.config.profile import Profile
from hotline.events.bus import EventBus
from hotline.events.types import CallbacksChanged
from hotline.errors import Refused
from hotline.outbound.service import OutboundCalls
from hotline.phones import national
from hotline.security.masking import mask_phone
from hotline.store.base import aware, iso
from hotline.store.callbacks import CallbackAttempt, CallbackRequest, OutboundCall
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.views import summary
from hotline.workhours import WorkCalendar

log = logging.getLogger(__name__)
OUTCOMES = {"reached": "Đã gặp công dân", "no_answer": "Không nghe máy", "busy": "Máy bận",
            "wrong_number": "Sai số"}
STATUSES = {"open": "Chờ gọi lại", "taken": "Đang gọi lại", "done": "Đã gọi lại",
            "unreached": "Không liên lạc được"}
REASONS = {"after_hours": "Ngoài giờ", "queue_timeout": "Chờ quá lâu", "virtual_hold": "Giữ chỗ gọi lại",
           "survey": "Khảo sát"}
HANDLED = ("done", "unreached")
SETTLING = ("reached", "wrong_number")  # outcomes that handle the request at once
UNKNOWN = "Không có yêu cầu gọi lại này"


def callback_view(r: CallbackRequest, now: datetime) -> dict:
    due = aware(r.due_at)
    return {"id": r.id, "caller_number": r.caller_number, "reason": r.reason, "queue": r.queue,
            "requested_at": iso(r.requested_at), "status": r.status, "taken_by": r.taken_by,
            "taken_at": iso(r.taken_at), "attempts": r.attempts, "next_attempt_at": iso(r.next_attempt_at),
            "due_at": iso(r.due_at),
            "overdue": r.status not in HANDLED and bool(r.escalated_at or (due and due <= now)),
            "escalated_at": iso(r.escalated_at), "outcome": r.outcome, "handled_at": iso(r.handled_at),
            "handled_by": r.handled_by, "ticket_id": r.ticket_id}


class Callbacks:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, outbound: OutboundCalls,
                 bus: EventBus | None = None, scan_seconds: float = 30, lease: Lease | None = None):
        self.sessions = sessions
        self.policy = profile.callbacks
        self.calendar = WorkCalendar(profile.calendar)
        self.outbound = outbound
        self.bus = bus
        self._loop = Periodic("callback deadlines", self.scan, scan_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def _changed(self, **data) -> None:
        if self.bus is not None:
            await self.bus.publish(CallbacksChanged(data=data))

    # -- requests from the IVR ------------------------------------------------------------------
    async def add(self, caller_number: str, reason: str, queue: str | None = None, linkedid: str | None = None,
                  now: datetime | None = None) -> CallbackRequest:
        """A caller asked to be called back; due within the profile's working hours."""
        now = now or datetime.now(timezone.utc)
        try:
            due = self.calendar.add_working_hours(now, self.policy.deadline_working_hours)
        except ValueError:  # a calendar with no working time at all: no deadline to keep
            due = None
        async with self.sessions() as s, s.begin():
            req = CallbackRequest(caller_number=national(caller_number)[:32] or caller_number[:32], reason=reason,
                                  queue=queue, linkedid=linkedid, requested_at=now, status="open", due_at=due)
            s.add(req)
        log.info("callback request %d (%s) from %s, due %s", req.id, reason, mask_phone(caller_number), due)
        await self._changed(id=req.id, status="open")
        return req

    # -- the work list ---------------------------------------------------------------------------
    def _free(self, now: datetime):
        """Requests an operator may take now: open and due for an attempt, or held too long."""
        return or_(and_(CallbackRequest.status == "open",
                        or_(CallbackRequest.next_attempt_at.is_(None), CallbackRequest.next_attempt_at <= now)),
                   and_(CallbackRequest.status == "taken",
                        CallbackRequest.taken_at < now - timedelta(minutes=self.policy.hold_minutes)))

    async def work_list(self, store, now: datetime | None = None, limit: int = 200) -> list[dict]:
        """Requests not yet handled, oldest first, each with the caller's previous tickets."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s:
            rows = list(await s.scalars(select(CallbackRequest).where(CallbackRequest.status.in_(("open", "taken")))
                                        .order_by(CallbackRequest.requested_at, CallbackRequest.id).limit(limit)))
            free = set(await s.scalars(select(CallbackRequest.id).where(
                CallbackRequest.id.in_([r.id for r in rows]), self._free(now))))
        previous = await store.previous_tickets_of([r.caller_number for r in rows])
        return [{**callback_view(r, now), "can_take": r.id in free,
                 "previous_tickets": [summary(t, hide_secret=True) for t in previous.get(r.caller_number, [])]}
                for r in rows]

    async def get(self, request_id: int) -> dict:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s:
            r = await s.get(CallbackRequest, request_id)
            if r is None:
                raise Refused(404, UNKNOWN)
            attempts = list(await s.scalars(select(CallbackAttempt).where(CallbackAttempt.request_id == r.id)
                                            .order_by(CallbackAttempt.id)))
        return {**callback_view(r, now), "attempts_made": [
            {"operator_id": a.operator_id, "at": iso(a.at), "outcome": a.outcome, "note": a.note} for a in attempts]}

    async def take(self, operator: str, request_id: int, now: datetime | None = None) -> dict:
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            taken = await s.execute(update(CallbackRequest).where(CallbackRequest.id == request_id, self._free(now))
                                    .values(status="taken", taken_by=operator, taken_at=now)
                                    .execution_options(synchronize_session=False))
            r = await s.get(CallbackRequest, request_id)
            if r is None:
                raise Refused(404, UNKNOWN)
            if taken.rowcount != 1:
                if r.status == "taken" and r.taken_by == operator:
                    return callback_view(r, now)  # a second click by the same operator
                if r.status == "taken":
                    raise Refused(409, f"Tổng đài viên {r.taken_by} đã nhận yêu cầu này", "callback_taken")
                if r.status in HANDLED:
                    raise Refused(409, "Yêu cầu này đã được xử lý", "callback_handled")
                raise Refused(409, "Chưa đến lúc gọi lại lần tiếp theo", "callback_not_due")
            await s.refresh(r)
            view = callback_view(r, now)
        await self._changed(id=request_id, status="taken", taken_by=operator)
        return view

    async def _own(self, s, operator: str, request_id: int) -> CallbackRequest:
        r = await s.get(CallbackRequest, request_id, with_for_update=True)
        if r is None:
            raise Refused(404, UNKNOWN)
        if r.status != "taken" or r.taken_by != operator:
            raise Refused(409, "Bạn chưa nhận yêu cầu gọi lại này", "callback_not_taken")
        return r

    async def release(self, operator: str, request_id: int) -> dict:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await self._own(s, operator, request_id)
            r.status, r.taken_by, r.taken_at = "open", None, None
            view = callback_view(r, now)
        await self._changed(id=request_id, status="open")
        return view

    async def call(self, operator: str, request_id: int, now: datetime | None = None) -> dict:
        """Call the requester from the operator's softphone (the request must be theirs)."""
        async with self.sessions() as s, s.begin():
            r = await self._own(s, operator, request_id)
            call = await self.outbound.request(s, operator, "callback", r.caller_number, callback_id=r.id,
                                               ticket_id=r.ticket_id, now=now)
        return self.outbound.dial_view(call)

    async def record_outcome(self, operator: str, request_id: int, outcome: str, note: str = "",
                             now: datetime | None = None) -> dict:
        """What came of an attempt. Reached or a wrong number: handled. No answer or busy: back in
        the list after the retry time, or unreached once the attempts are used up."""
        if outcome not in OUTCOMES:
            raise Refused(400, "Kết quả phải là: " + ", ".join(OUTCOMES))
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            r = await self._own(s, operator, request_id)
            last = await s.scalar(select(OutboundCall).where(OutboundCall.callback_id == r.id,
                                                             OutboundCall.operator_id == operator,
                                                             OutboundCall.status != "requested")
                                  .order_by(OutboundCall.id.desc()).limit(1))
            if last is not None and r.ticket_id is None and last.linkedid:
                # A ticket written during the callback is the request's ticket.
                r.ticket_id = await s.scalar(select(Ticket.id).where(Ticket.linkedid == last.linkedid))
            s.add(CallbackAttempt(request_id=r.id, operator_id=operator, at=now, outcome=outcome,
                                  outbound_call_id=last.id if last else None, note=note[:500]))
            r.attempts += 1
            r.outcome = outcome
            if outcome in SETTLING or r.attempts >= self.policy.max_attempts:
                r.status = "done" if outcome in SETTLING else "unreached"
                r.handled_at, r.handled_by = now, operator
            else:
                r.status, r.taken_by, r.taken_at = "open", None, None
                r.next_attempt_at = now + timedelta(minutes=self.policy.retry_minutes)
            add_event(s, r.ticket_id, operator, "callback", at=now, outcome=outcome, callback_id=r.id,
                      attempt=r.attempts)
            view = callback_view(r, now)
        log.info("callback %d: attempt %d by %s: %s -> %s", request_id, view["attempts"], operator, outcome,
                 view["status"])
        await self._changed(id=request_id, status=view["status"])
        return view

    # -- the deadline ----------------------------------------------------------------------------
    async def scan(self, now: datetime | None = None) -> list[int]:
        """Alert supervisors once about every request past its deadline and not handled."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            late = list(await s.scalars(select(CallbackRequest).where(
                CallbackRequest.status.in_(("open", "taken")), CallbackRequest.due_at <= now,
                CallbackRequest.escalated_at.is_(None))))
            for r in late:
                r.escalated_at = now
        ids = [r.id for r in late]
        if ids:
            log.warning("callback requests past their deadline: %s", ids)
            await self._changed(overdue=ids)
        return ids

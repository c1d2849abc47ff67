"""The ticket workflow engine: plain Python over a profile's workflow file, no I/O.

Given where a ticket stands (`TicketState`), it decides whether an action is allowed for a role,
where the ticket goes and what its new deadline is (`Move`), and what happens when a deadline
passes. The store (`hotline.ticketing.handling`) applies a Move in one transaction with its
history line and SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from hotline.config.workflow import Action, Step, WorkflowFile
from hotline.errors import Refused
from hotline.store.base import aware
from hotline.ticketing.deadlines import ahead_of, due_at
from hotline.workhours import CalendarConfig


@dataclass
class TicketState:
    """What the engine needs to know of a ticket."""

    stage: str
    topic: str | None = None
    received_at: datetime | None = None
    transferred_at: datetime | None = None
    stage_entered_at: datetime | None = None
    due_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)  # actions taken so far, by name


@dataclass
class Move:
    action: str  # an action's name, or "expired"
    from_stage: str
    stage: str
    status: str
    due_at: datetime | None
    notify: list[str]
    publish: bool
    late: bool = False  # a deadline was missed (the step stays, or escalates)
    transferred: bool = False  # the ticket reaches an agency now: transfer time starts
    citizen_notice: str = "status"  # what the citizen's SMS says (the action's notice, else the step's)


def _utc(d: datetime | None) -> datetime | None:
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


class Workflow:
    def __init__(self, config: WorkflowFile, calendar: CalendarConfig):
        self.config = config
        self.calendar = calendar

    @property
    def initial(self) -> str:
        return self.config.initial

    def step(self, name: str) -> Step:
        return self.config.steps[name]

    def steps_with_deadlines(self) -> list[str]:
        return [n for n, s in self.config.steps.items() if s.deadline]

    def timed_steps(self) -> list[str]:
        """Steps where a ticket may have a due time: those with a deadline, and those where an
        action sets a date (a completion date the agency committed to, in a step without one)."""
        dated = {src for a in self.config.actions.values() if "date" in a.needs and a.to is None for src in a.from_}
        return [n for n, s in self.config.steps.items() if s.deadline or n in dated]

    def agency_steps(self) -> list[str]:
        return [n for n, s in self.config.steps.items() if s.holder in ("agency", "leader")]

    def final_steps(self) -> list[str]:
        """Steps a ticket ends in (closed, rejected, answered where nothing follows but a rating)."""
        return [n for n, s in self.config.steps.items() if s.final]

    def deadline(self, stage: str, t: TicketState, entered: datetime) -> datetime | None:
        step = self.step(stage)
        limit = step.deadline_by_topic.get(t.topic or "", step.deadline)
        if limit is None:
            return None
        start = {"entered": entered, "received": _utc(t.received_at) or entered,
                 "transferred": _utc(t.transferred_at) or entered}[step.deadline_from]
        return due_at(start, limit, self.calendar)

    def reminder(self, stage: str, due: datetime | None, entered: datetime) -> datetime | None:
        """When the step's holder is reminded of the deadline `due`, if the step asks for it and
        that instant comes after entering the step."""
        step = self.step(stage)
        if step.remind_before is None or due is None:
            return None
        at = ahead_of(_utc(due), step.remind_before, self.calendar)
        return at if at > _utc(entered) else None

    def actions_for(self, t: TicketState, roles: set[str], now: datetime) -> list[str]:
        """The actions these roles may take on the ticket now."""
        out = []
        for name in self.config.actions:
            try:
                self._check(name, t, roles, now)
            except Refused:
                continue
            out.append(name)
        return out

    def _check(self, name: str, t: TicketState, roles: set[str], now: datetime) -> Action:
        action = self.config.actions.get(name)
        if action is None:
            raise Refused(404, f"Không có thao tác '{name}' trong quy trình của tỉnh")
        if not roles & set(action.by):
            raise Refused(403, f"Bạn không được thực hiện thao tác “{action.title}”")
        if t.stage not in action.from_:
            raise Refused(409, f"Không thể “{action.title}” khi phiếu đang ở bước “{self.step(t.stage).title}”")
        if action.topics and t.topic not in action.topics:
            raise Refused(409, f"“{action.title}” không áp dụng cho lĩnh vực của phiếu này")
        if action.after and not any(t.counts.get(a) for a in action.after):
            raise Refused(409, f"“{action.title}” không áp dụng cho phiếu này")
        if action.limit is not None and t.counts.get(name, 0) >= action.limit:
            raise Refused(409, f"Chỉ được “{action.title}” {action.limit} lần")
        if action.within is not None:
            entered = _utc(t.stage_entered_at) or now
            if now > due_at(entered, action.within, self.calendar):
                raise Refused(409, f"Đã quá thời hạn để “{action.title}”")
        return action

    def needs(self, name: str, stage: str) -> list[str]:
        """What the action must be given when taken from this step (nothing for an unknown action:
        `act` refuses it by name)."""
        action = self.config.actions.get(name)
        if action is None:
            return []
        return list(dict.fromkeys(action.needs + action.needs_by_step.get(stage, [])))

    def target(self, action: Action, topic: str | None) -> str | None:
        return action.to_by_topic.get(topic or "", action.to)

    def act(self, name: str, t: TicketState, roles: set[str], now: datetime,
            new_date: datetime | None = None) -> Move:
        """The move an action makes, or Refused with the reason in Vietnamese."""
        action = self._check(name, t, roles, now)
        transferred = "agency" in action.needs
        to = self.target(action, t.topic)
        if to is None:  # stays: a reschedule sets the new due date, a rating keeps it
            due = _utc(t.due_at)
            if "date" in action.needs:
                if new_date is None:
                    raise Refused(422, "Cần ngày hẹn mới")
                new_date = _utc(new_date).astimezone(timezone.utc)  # stored in UTC (SQLite keeps no zone)
                if new_date <= now or (due is not None and new_date <= due):
                    raise Refused(422, "Ngày hẹn mới phải sau hạn hiện tại")
                due = new_date
            step = self.step(t.stage)
            return Move(name, t.stage, t.stage, step.status, due, list(action.notify), False,
                        citizen_notice=action.citizen_notice or "status")
        if transferred:
            t = TicketState(**{**t.__dict__, "transferred_at": now})
        step = self.step(to)
        return Move(name, t.stage, to, step.status, self.deadline(to, t, now),
                    list(dict.fromkeys(action.notify + step.notify)), step.publish, transferred=transferred,
                    citizen_notice=action.citizen_notice or step.citizen_notice)

    def expire(self, t: TicketState, now: datetime) -> Move | None:
        """What happens when the ticket's deadline has passed: the next step (escalation,
        overdue, closing) or, without one, a late mark on the same step."""
        due = _utc(t.due_at)
        if due is None or due > now:
            return None
        step = self.step(t.stage)
        if step.on_expiry is None:
            return Move("expired", t.stage, t.stage, step.status, None, [], False, late=True)
        nxt = self.step(step.on_expiry)
        # Counted from where the step's own limit says; a deadline already gone (the head's 48
        # working hours from a transfer long ago) falls due at once and is scanned again.
        new_due = self.deadline(step.on_expiry, t, due)
        late = step.holder != "citizen"  # the citizen's own silence (a clarification) is nobody's delay
        return Move("expired", t.stage, step.on_expiry, nxt.status, new_due, list(nxt.notify), nxt.publish,
                    late=late, citizen_notice=nxt.citizen_notice)


def state_of(t) -> TicketState:
    """The workflow's view of a ticket row (`hotline.store.tickets.Ticket`)."""
    return TicketState(stage=t.handling_stage or "received", topic=t.topic, received_at=aware(t.created_at),
                       transferred_at=aware(t.transferred_at), stage_entered_at=aware(t.stage_entered_at),
                       due_at=aware(t.due_at), counts=dict(t.counts or {}))

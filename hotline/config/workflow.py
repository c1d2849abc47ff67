"""A province's ticket workflow as data: the steps a ticket goes through, the deadline of each
step and what happens when it passes, and the actions that move a ticket, with who may take them.

A workflow file lives in `config/workflows/<name>.yaml`; a profile names it (`workflow:`). The
engine (`hotline.ticketing.workflow`) knows nothing of any province: everything that differs
between Đồng Tháp, Đồng Nai, Hồ Chí Minh City, Quảng Ninh and Thanh Hóa is in these files.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hotline.config.deadline import Deadline
from hotline.config.statuses import TicketStatus

# Who takes an action: the hotline's staff (operator, supervisor), an agency's account, an
# agency's leader (an agency account marked as leader), the provincial office's account, the
# citizen (public pages, by ticket code and phone), or the system (deadline scan).
# A supervisor is an operator too; "supervisor" names actions only the hotline's operating unit
# takes (HCMC Art. 6.3: it decides where a report of unknown unit goes).
Role = Literal["operator", "supervisor", "agency", "leader", "office", "citizen"]
# Who is told when a ticket enters a step: SMS to the citizen and the agency's contacts; SMS and
# e-mail to the provincial office (the profile's `office`).
Recipient = Literal["citizen", "focal_point", "head", "office"]
# What an action must be given.
# "note": a free-text record for the history (the sub-unit dispatched, what the site check found);
# "photos": at least one image attached to the ticket since it entered the step (HCMC's site photos).
Need = Literal["reason", "result", "agency", "date", "rating", "question", "note", "photos"]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str  # shown to users (Vietnamese)
    status: TicketStatus  # the coarse status the IVR and the public look-up speak of
    # Who must act while the ticket is in this step: the hotline, the handling agency (its inbox),
    # the agency's leader, the citizen, or nobody (a final step).
    holder: Literal["hotline", "agency", "leader", "office", "citizen", "none"]
    deadline: Deadline | None = None
    deadline_by_topic: dict[str, Deadline] = {}  # a different limit for some fields (topics)
    # The limit counts from entering the step, from the ticket's receipt, or from its transfer to
    # the agency (Đồng Tháp: the head's 48 working hours count from the transfer).
    deadline_from: Literal["entered", "received", "transferred"] = "entered"
    # The step entered when the deadline passes (escalation, overdue, closing an unanswered
    # clarification). Unset: the ticket stays and is only marked late.
    on_expiry: str | None = None
    notify: list[Recipient] = []  # SMS on entering the step
    # What the citizen's SMS on entering the step says: where the report is (the step's title),
    # that the citizen is asked to complete it within the step's deadline (Thanh Hóa Art. 11), or
    # why it is refused and where to go instead (Đồng Tháp Art. 8.2).
    citizen_notice: Literal["status", "clarify", "refusal"] = "status"
    # An SMS reminder to whoever holds the step (its `notify` contacts; else the focal point, or
    # the head for a leader's step) this long before the deadline, counted the same way.
    remind_before: Deadline | None = None
    publish: bool = False  # entering it publishes the result (never confidential or secret ones)
    final: bool = False
    # What the step's deadline is for, as the transfer slip, escalation and reminders name it: take
    # the ticket up, verify the incident, fix it, answer the citizen, approve the result.
    due_means: Literal["take_up", "verify", "fix", "answer", "approve"] = "answer"
    # Where the step's limit is not the answer's: the step whose deadline is (counted from the
    # receipt or the transfer, so that it is known on entering this one), e.g. Quảng Ninh's 1-day
    # take-up and the 5 working days of handling.
    answer_by: str | None = None


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    title: str
    from_: list[str] = Field(..., alias="from", min_length=1)
    to: str | None = None  # unset: the ticket stays in its step (a reschedule, a rating)
    # A different next step for some fields (HCMC: an infrastructure transfer starts the incident
    # steps: verify, dispatch, site check, fix).
    to_by_topic: dict[str, str] = {}
    topics: list[str] = []  # offered only for tickets of these fields; empty: any field
    by: list[Role] = Field(..., min_length=1)
    needs: list[Need] = []
    needs_by_step: dict[str, list[Need]] = {}  # more needs when taken from these steps
    limit: int | None = Field(None, ge=1)  # at most this many times per ticket (reschedule: 1)
    within: Deadline | None = None  # only this long after entering the step (an agency's return)
    notify: list[Recipient] = []  # SMS when the action is taken (besides the new step's own)
    # Instead of the step's notice, the citizen's SMS says the new completion date, or the delay,
    # with the agency's reason (Đồng Tháp Art. 9.3, HCMC Art. 7.2b, Thanh Hóa Art. 12.4), or which
    # agency the report was forwarded to (Quảng Ninh step 1.2).
    # Or thanks the citizen for a proposal the unit found good (HCMC Art. 7.3: a thank-you letter).
    citizen_notice: Literal["delay", "forwarded", "thanks"] | None = None
    # Offered only for tickets that went through one of these actions (HCMC: only a proposal, one
    # the City office dispatched, can be commended as a good one).
    after: list[str] = []
    # The operator may name other agencies besides the one the ticket goes to: each is asked for
    # its part as if by that (lead) agency, under the workflow's coordination (Quảng Ninh step 1.2:
    # "cơ quan xử lý có thể là một hoặc nhiều").
    also_agencies: bool = False
    # A dated progress update that keeps the ticket where it is (HCMC Art. 7.2b, 11.1: the unit
    # updates progress, measures and results, as often as it has news): the public timeline shows
    # its title and date; the citizen's own look-up also its note. With `photos` in needs, each
    # update brings its own (images attached since the previous update).
    progress: bool = False


class Coordination(BaseModel):
    """The handling agency may ask other agencies for their part while it holds the ticket; each
    asked agency answers within `deadline` of the request (Thanh Hóa Art. 12.4: 5 working days)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: list[str] = Field(..., alias="from", min_length=1)  # the steps in which it may ask
    deadline: Deadline


class WorkflowFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    initial: str = "received"
    steps: dict[str, Step]
    actions: dict[str, Action]
    coordination: Coordination | None = None  # unset: no coordination requests

    @model_validator(mode="after")
    def _references(self) -> "WorkflowFile":
        names = set(self.steps)
        for kind, keys in (("steps", self.steps), ("actions", self.actions)):
            for key in keys:
                if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key):
                    raise ValueError(f"{kind}.{key}: a name is lower-case letters, digits and _, at most 40")
        if self.initial not in names:
            raise ValueError(f"initial: no step {self.initial!r}")
        for name, step in self.steps.items():
            if step.on_expiry and step.on_expiry not in names:
                raise ValueError(f"steps.{name}.on_expiry: no step {step.on_expiry!r}")
            if (step.on_expiry or step.deadline_by_topic) and not step.deadline:
                raise ValueError(f"steps.{name}: on_expiry and deadline_by_topic need a deadline")
            if step.answer_by:
                target = self.steps.get(step.answer_by)
                if target is None or target.deadline is None or target.deadline_from == "entered":
                    raise ValueError(f"steps.{name}.answer_by: {step.answer_by!r} is not a step whose deadline counts "
                                     "from the receipt or the transfer")
            if step.remind_before and not (step.deadline and step.holder in ("agency", "leader")):
                raise ValueError(f"steps.{name}.remind_before: only for an agency's or leader's step with a deadline")
        for name, action in self.actions.items():
            for src in action.from_:
                if src not in names:
                    raise ValueError(f"actions.{name}.from: no step {src!r}")
                if self.steps[src].final and action.to is not None:
                    raise ValueError(f"actions.{name}.from: {src!r} is a final step (only a rating may follow)")
            for target in [action.to, *action.to_by_topic.values()]:
                if target and target not in names:
                    raise ValueError(f"actions.{name}.to: no step {target!r}")
            if action.to_by_topic and action.to is None:
                raise ValueError(f"actions.{name}.to_by_topic: needs a default 'to'")
            if action.citizen_notice:
                need = {"delay": "reason", "forwarded": "agency", "thanks": "note"}[action.citizen_notice]
                if "citizen" not in action.notify or need not in action.needs:
                    raise ValueError(f"actions.{name}.citizen_notice: {action.citizen_notice!r} needs "
                                     f"notify: [citizen] and needs: [{need}]")
            if action.progress and (action.to is not None or "note" not in action.needs):
                raise ValueError(f"actions.{name}.progress: an update keeps the step (no 'to') and needs [note]")
            for before in action.after:
                if before not in self.actions:
                    raise ValueError(f"actions.{name}.after: no action {before!r}")
            for src in action.needs_by_step:
                if src not in action.from_:
                    raise ValueError(f"actions.{name}.needs_by_step: {src!r} is not in its 'from'")
        if self.coordination:
            for src in self.coordination.from_:
                if src not in names or self.steps[src].holder != "agency":
                    raise ValueError(f"coordination.from: {src!r} is not an agency's step")
        for name, action in self.actions.items():
            if action.also_agencies and not ("agency" in action.needs and self.coordination
                                             and action.to in self.coordination.from_):
                raise ValueError(f"actions.{name}.also_agencies: needs [agency] and a 'to' step in coordination.from")
        return self

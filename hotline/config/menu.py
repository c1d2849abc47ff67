"""The IVR menu tree, as data. One YAML file per menu; see config/menus/dong_thap.yaml."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DTMF_KEY = re.compile(r"^[0-9*#]$")
# How a menu prompt names a key: "xin nhấn phím 1", "phím sao" (*), "phím thăng" (#).
KEY_WORDS = {"*": "sao", "#": "thăng"}
NAMED_KEY = re.compile(r"phím\s+(\d|sao|thăng)\b", re.IGNORECASE)
# What a one-stop system says of an application, as the hotline speaks and shows it.
# What a queue says to a waiting caller (rendered into queues.conf, numbers from sounds/vi/digits).
QUEUE_PROMPTS = ("queue_next", "queue_position_intro", "queue_position_outro")
APPLICATION_STATUSES = ("received", "in_progress", "supplement_required", "ready", "delivered", "refused",
                        "withdrawn")


class Option(BaseModel):
    """What one key does. Exactly one action: goto, queue, say, lookup or hangup."""

    model_config = ConfigDict(extra="forbid")

    goto: str | None = None  # another node
    queue: str | None = None  # a queue id from the queues file: the IVR ends, the call queues
    say: list[str] | None = None  # prompts to play, then go to `then`
    # a look-up, then go to `then`: a report's status by its ticket code, or an administrative
    # application's status from the one-stop system by its receipt number
    lookup: Literal["ticket_status", "application_status"] | None = None
    hangup: bool = False
    then: str | None = None  # node after `say`/`lookup` (default: the node it was chosen in)
    # With `queue`: an urgent matter in the hotline's scope (Đồng Tháp Art. 9.1): the call joins the
    # queue ahead of every waiting caller (Asterisk's QUEUE_PRIO) and is marked urgent
    # (HOTLINE_URGENT) on the operator's screen and the ticket.
    urgent: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> "Option":
        actions = [self.goto, self.queue, self.say, self.lookup, self.hangup or None]
        if sum(a is not None for a in actions) != 1:
            raise ValueError("give exactly one of goto, queue, say, lookup, hangup")
        if self.then is not None and self.say is None and self.lookup is None:
            raise ValueError("'then' only goes with 'say' or 'lookup'")
        if self.urgent and self.queue is None:
            raise ValueError("'urgent' only goes with 'queue'")
        return self


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str
    options: dict[str, Option]

    @field_validator("options")
    @classmethod
    def _keys(cls, options: dict[str, Option]) -> dict[str, Option]:
        for key in options:
            if not DTMF_KEY.match(key):
                raise ValueError(f"option key {key!r} is not one DTMF key (0-9, *, #)")
        if not options:
            raise ValueError("a node needs at least one option")
        return options


class TicketLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enter_code: str = "lookup_enter_code"
    invalid_code: str = "lookup_invalid_code"
    not_found: str = "lookup_not_found"
    status_intro: str = "lookup_status_intro"  # "Phản ánh mã số"
    status_prefix: str = "status_"  # + the ticket status, e.g. status_in_progress
    unknown_status: str = "status_unknown"
    too_many: str = "lookup_too_many"  # the caller's number looked up too many codes lately
    code_length: int = Field(8, ge=4, le=16)
    max_tries: int = Field(2, ge=1, le=5)


class ApplicationLookup(BaseModel):
    """Prompts of the application status look-up. A status is said by `status_prefix` + the
    status (e.g. application_in_progress), then the date results are due where known."""

    model_config = ConfigDict(extra="forbid")

    enter_code: str = "application_enter_code"
    invalid_code: str = "application_invalid_code"
    not_found: str = "application_not_found"
    unavailable: str = "application_unavailable"
    status_intro: str = "application_status_intro"
    status_prefix: str = "application_"
    due_intro: str = "application_due_intro"  # "hẹn trả kết quả ngày"
    month: str = "date_month"  # "tháng"
    min_digits: int = Field(6, ge=4, le=30)
    max_digits: int = Field(20, ge=4, le=30)
    max_tries: int = Field(2, ge=1, le=5)


class AfterHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = "after_hours"
    callback_key: str = "1"
    callback_done: str = "callback_registered"
    goodbye: str = "goodbye"


class Menu(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str
    greeting: str | None = None
    timeout_seconds: float = Field(5, ge=1, le=30)
    max_invalid: int = Field(3, ge=1, le=10)
    max_silence: int = Field(2, ge=1, le=10)
    invalid_prompt: str = "invalid_choice"
    fallback_queue: str = "operator"
    # Urgent options join their queue with this priority (QUEUE_PRIO; a transfer back is 10, others 0).
    urgent_priority: int = Field(20, ge=11, le=1000)
    queue_timeout_prompt: str = "queue_timeout"  # after the queue's max wait: callback noted
    nodes: dict[str, Node]
    # The menu's own prompt texts (its wording), merged into the prompts file's; a profile's
    # prompt_overrides still win.
    texts: dict[str, str] = {}
    ticket_lookup: TicketLookup = TicketLookup()
    application_lookup: ApplicationLookup = ApplicationLookup()
    after_hours: AfterHours = AfterHours()

    @model_validator(mode="after")
    def _targets(self) -> "Menu":
        if self.start not in self.nodes:
            raise ValueError(f"start node {self.start!r} is not in nodes")
        for name, node in self.nodes.items():
            for key, opt in node.options.items():
                for target in (opt.goto, opt.then):
                    if target is not None and target not in self.nodes:
                        raise ValueError(f"nodes.{name}.options.{key}: no node named {target!r}")
        return self

    def prompts(self) -> set[str]:
        """Every prompt this menu can play, except the per-status ones."""
        # the queue's own announcements (queues.conf) where the profile announces the place
        names = {self.invalid_prompt, self.queue_timeout_prompt, *QUEUE_PROMPTS}
        if self.greeting:
            names.add(self.greeting)
        for node in self.nodes.values():
            names.add(node.prompt)
            for opt in node.options.values():
                names.update(opt.say or [])
        lk = self.ticket_lookup
        names.update({lk.enter_code, lk.invalid_code, lk.not_found, lk.status_intro, lk.unknown_status})
        if self.looks_up("application_status"):
            al = self.application_lookup
            names.update({al.enter_code, al.invalid_code, al.not_found, al.unavailable, al.status_intro,
                          al.due_intro, al.month})
            names.update(al.status_prefix + s for s in APPLICATION_STATUSES)
        ah = self.after_hours
        names.update({ah.prompt, ah.callback_done, ah.goodbye})
        return names

    def wording_errors(self, texts: dict[str, str]) -> list[tuple[str, str]]:
        """Each menu prompt must name exactly the keys its node offers, so that what the caller
        hears is what the keys do: (field, message) for each node whose wording disagrees."""
        errors = []
        for name, node in self.nodes.items():
            text = unicodedata.normalize("NFC", texts.get(node.prompt, "")).lower()
            said = {m.group(1) for m in NAMED_KEY.finditer(text)}
            offered = {KEY_WORDS.get(k, k) for k in node.options}
            if said != offered:
                missing, extra = sorted(offered - said), sorted(said - offered)
                errors.append((f"nodes.{name}.prompt", f"{node.prompt!r} " + "; ".join(
                    part for part in (missing and f"does not name key(s) {', '.join(missing)}",
                                      extra and f"names key(s) {', '.join(extra)} that do nothing") if part)))
        return errors

    def looks_up(self, kind: str) -> bool:
        return any(o.lookup == kind for n in self.nodes.values() for o in n.options.values())

    def queues(self) -> dict[str, str]:
        """Queue ids the menu sends to, with the field path that names each."""
        found = {"fallback_queue": self.fallback_queue}
        for name, node in self.nodes.items():
            for key, opt in node.options.items():
                if opt.queue:
                    found[f"nodes.{name}.options.{key}.queue"] = opt.queue
        return found

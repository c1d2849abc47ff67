"""What the IVR does with one call: walk the menu tree, look up tickets, handle after-hours.

Plain Python against the small `Channel` interface, so it unit-tests without Asterisk; the
FastAGI adapter (`agi.py`) implements `Channel` over a real call.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Protocol
from zoneinfo import ZoneInfo

from hotline.applications.status import NoSource, StatusSource, Unavailable
from hotline.config.menu import Menu
from hotline.config.queues import QueuesFile
from hotline.ivr.say import number_prompts
from hotline.security.masking import mask_code
from hotline.ticketing.codes import is_valid_code

log = logging.getLogger(__name__)

ALL_KEYS = "0123456789*#"


class CallerHungUp(Exception):
    """The call ended while the IVR was talking to it."""


class Channel(Protocol):
    caller: str
    linkedid: str

    async def play(self, prompts: list[str], escape: str = ALL_KEYS) -> str | None:
        """Play prompts in turn; return the key that interrupted them, or None."""

    async def wait_key(self, seconds: float) -> str | None: ...

    async def read_digits(self, prompt: str, max_digits: int, seconds: float) -> str:
        """Play `prompt`, then collect up to `max_digits` keys ending at '#' or a timeout."""

    async def set_var(self, name: str, value: str) -> None: ...


@dataclass
class Outcome:
    """How the IVR leaves the call to the dialplan."""

    action: str  # "queue" or "hangup"
    reason: str  # choice | no_input | invalid | error | after_hours
    queue: str | None = None
    topic: str | None = None
    queue_timeout: int | None = None
    path: list[str] = field(default_factory=list)
    priority: int = 0  # the caller's priority in the queue (Asterisk QUEUE_PRIO): urgent matters

    def variables(self) -> dict[str, str]:
        """Channel variables the dialplan and the CTI read (documented in docs/interfaces.md)."""
        v = {"HOTLINE_ACTION": self.action, "HOTLINE_EXIT_REASON": self.reason,
             "HOTLINE_IVR_PATH": "-".join(self.path)}
        if self.queue:
            v.update(HOTLINE_QUEUE=self.queue, HOTLINE_TOPIC=self.topic or "",
                     HOTLINE_QUEUE_TIMEOUT=str(self.queue_timeout or ""))
            if self.priority:
                v.update(QUEUE_PRIO=str(self.priority), HOTLINE_URGENT="1")
        return v


StatusLookup = Callable[[str], Awaitable[str | None]]
CallbackRecorder = Callable[[str, str, str | None, str], Awaitable[None]]


class IvrSession:
    def __init__(self, menu: Menu, queues: QueuesFile, prompts: set[str], lookup_status: StatusLookup,
                 record_callback: CallbackRecorder, lookup_allowed: Callable[[str], bool] | None = None,
                 applications: StatusSource | None = None, application_wait: float = 10,
                 timezone: str = "Asia/Ho_Chi_Minh"):
        self.menu = menu
        self.timezone = timezone  # dates said to callers are local
        self.queues = queues.by_id()
        self.known_prompts = prompts
        self.lookup_status = lookup_status
        self.record_callback = record_callback
        # Whether this calling number may look up one more code now (guessing codes by phone).
        self.lookup_allowed = lookup_allowed or (lambda caller: True)
        self.applications = applications or NoSource()
        self.application_wait = application_wait  # the longest a caller waits for the one-stop system

    def to_queue(self, queue_id: str, reason: str, path: list[str], urgent: bool = False) -> Outcome:
        """The call leaves the IVR for a queue at once: nothing is played before it joins, so its
        place counts from the key press (the queue itself says the place and the wait)."""
        q = self.queues[queue_id]
        return Outcome("queue", reason, q.id, q.topic, q.max_wait_seconds, list(path),
                       priority=self.menu.urgent_priority if urgent else 0)

    async def run(self, ch: Channel, is_open: bool) -> Outcome:
        if not is_open:
            return await self.after_hours(ch)
        m = self.menu
        path: list[str] = []
        pending = await ch.play([m.greeting]) if m.greeting else None
        node_name, invalid, silence = m.start, 0, 0
        while True:
            node = m.nodes[node_name]
            key = pending or await ch.play([node.prompt]) or await ch.wait_key(m.timeout_seconds)
            pending = None
            if key is None:
                silence += 1
                if silence >= m.max_silence:
                    return self.to_queue(m.fallback_queue, "no_input", path)
                continue
            option = node.options.get(key)
            if option is None:
                invalid += 1
                log.info("call %s: invalid key %r in %s (%d)", ch.linkedid, key, node_name, invalid)
                if invalid >= m.max_invalid:
                    return self.to_queue(m.fallback_queue, "invalid", path)
                pending = await ch.play([m.invalid_prompt])
                continue
            invalid = silence = 0
            path.append(key)
            await ch.set_var("HOTLINE_IVR_PATH", "-".join(path))
            if option.goto:
                node_name = option.goto
            elif option.queue:
                return self.to_queue(option.queue, "choice", path, urgent=option.urgent)
            elif option.say:
                pending = await ch.play(option.say)
                node_name = option.then or node_name
            elif option.lookup == "ticket_status":
                pending = await self.ticket_status(ch)
                node_name = option.then or node_name
            elif option.lookup == "application_status":
                pending = await self.application_status(ch)
                node_name = option.then or node_name
            elif option.hangup:
                await ch.play([m.after_hours.goodbye], escape="")
                return Outcome("hangup", "choice", path=path)

    async def ticket_status(self, ch: Channel) -> str | None:
        """Ask for a ticket code and say its status. Returns a key pressed during the answer."""
        lk = self.menu.ticket_lookup
        for _ in range(lk.max_tries):
            # One more than the code's length, so the caller's closing '#' ends the input rather
            # than spilling into the answer as a menu key; without '#', the timeout ends it.
            code = await ch.read_digits(lk.enter_code, lk.code_length + 1, self.menu.timeout_seconds)
            if not code:
                continue
            if not is_valid_code(code, lk.code_length):
                log.info("call %s: malformed ticket code %r", ch.linkedid, mask_code(code))
                await ch.set_var("HOTLINE_TICKET_STATUS", "invalid_code")
                await ch.play([lk.invalid_code])
                continue
            await ch.set_var("HOTLINE_TICKET_CODE", code)
            if not self.lookup_allowed(ch.caller):
                log.info("call %s: too many look-ups from this number", ch.linkedid)
                await ch.set_var("HOTLINE_TICKET_STATUS", "limited")
                return await ch.play([lk.too_many])
            status = await self.lookup_status(code)
            if status is None:
                await ch.set_var("HOTLINE_TICKET_STATUS", "not_found")
                return await ch.play([lk.not_found])
            await ch.set_var("HOTLINE_TICKET_STATUS", status)
            return await ch.play([lk.status_intro, *(f"digit_{d}" for d in code), *self.status_prompts(status)])
        return None

    def status_prompts(self, status: str) -> list[str]:
        """What is said of a ticket's status (`hotline.ticketing.store.SpokenStatus`, or a plain
        status): the most specific prompt the prompts file has (a step's own, then the status's);
        a duplicate names its original and says the original's status; where the citizen is to
        complete the report, the day it is due."""
        lk = self.menu.ticket_lookup
        names = [lk.status_prefix + k for k in (*getattr(status, "keys", ()), str(status))]
        out = [next((n for n in names if n in self.known_prompts), lk.unknown_status)]
        original = getattr(status, "original", None)
        if original is not None:
            code, original_status = original
            out += [*(f"digit_{d}" for d in code), *self.status_prompts(original_status)]
        due = getattr(status, "due", None)
        if due is not None and {"status_due_intro", "date_month"} <= self.known_prompts:
            day = due.astimezone(ZoneInfo(self.timezone))
            out += ["status_due_intro", *number_prompts(day.day), "date_month", *number_prompts(day.month)]
        return out

    async def application_status(self, ch: Channel) -> str | None:
        """Ask for an application's receipt number (its digits) and say its status from the
        one-stop system, or that it was not found, or that the system cannot answer now."""
        al = self.menu.application_lookup
        for _ in range(al.max_tries):
            code = await ch.read_digits(al.enter_code, al.max_digits + 1, self.menu.timeout_seconds)
            if not code:
                continue
            if not code.isdigit() or not al.min_digits <= len(code) <= al.max_digits:
                log.info("call %s: malformed receipt number (%d keys)", ch.linkedid, len(code))
                await ch.set_var("HOTLINE_APPLICATION_STATUS", "invalid_code")
                await ch.play([al.invalid_code])
                continue
            if not self.lookup_allowed(ch.caller):
                await ch.set_var("HOTLINE_APPLICATION_STATUS", "limited")
                return await ch.play([self.menu.ticket_lookup.too_many])
            try:
                app = await asyncio.wait_for(self.applications.find(code), self.application_wait)
            except (Unavailable, asyncio.TimeoutError) as exc:
                log.warning("call %s: application look-up unavailable: %s", ch.linkedid, exc or "timeout")
                await ch.set_var("HOTLINE_APPLICATION_STATUS", "unavailable")
                return await ch.play([al.unavailable])
            if app is None:
                await ch.set_var("HOTLINE_APPLICATION_STATUS", "not_found")
                return await ch.play([al.not_found])
            await ch.set_var("HOTLINE_APPLICATION_STATUS", app.status)
            prompts = [al.status_intro, al.status_prefix + app.status]
            if app.due_on and app.status in ("received", "in_progress", "supplement_required"):
                prompts += [al.due_intro, *number_prompts(app.due_on.day), al.month,
                            *number_prompts(app.due_on.month)]
            return await ch.play(prompts)
        return None

    async def after_hours(self, ch: Channel) -> Outcome:
        ah = self.menu.after_hours
        key = await ch.play([ah.prompt]) or await ch.wait_key(self.menu.timeout_seconds)
        if key == ah.callback_key:
            await self.record_callback(ch.caller, "after_hours", None, ch.linkedid)
            await ch.set_var("HOTLINE_CALLBACK", "requested")
            await ch.play([ah.callback_done], escape="")
        await ch.play([ah.goodbye], escape="")
        return Outcome("hangup", "after_hours")

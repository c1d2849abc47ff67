"""Asterisk's queue_log, read as the durable record of what happened to each queued call.

Asterisk appends one line per queue event to `<astlogdir>/queue_log` whether or not anyone is
connected to AMI, so statistics built from it survive a dropped AMI connection or a restart of
the hotline. A line is `time|callid|queue|agent|EVENT|data1|data2|...`; `callid` is the caller
channel's unique id. This module only parses lines and folds them into a per-call record; reading
the file and storing the records is `hotline.reports.call_log`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# How a queued call ended its wait. `waiting` until one of the others is seen.
OUTCOMES = {"CONNECT": "answered", "ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeout",
            "EXITEMPTY": "exit_empty", "EXITWITHKEY": "exit_key"}
# Events that end the conversation of an answered call; the talk time is the field before last.
COMPLETIONS = {"COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    def number(self, index: int) -> int | None:
        try:
            return max(0, int(self.data[index]))
        except (IndexError, ValueError):
            return None


def parse_line(line: str) -> Entry | None:
    """One queue_log line, or None for a line that is not a per-call queue event (QUEUESTART,
    member events with callid NONE, blank or malformed lines)."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5:
        return None
    stamp, callid, queue, agent, event = parts[:5]
    try:
        at = datetime.fromtimestamp(float(stamp), timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    if not callid or callid == "NONE" or not queue or queue == "NONE":
        return None
    return Entry(at, callid[:64], queue[:64], agent[:64] if agent != "NONE" else "", event, tuple(parts[5:]))


@dataclass
class QueuedCall:
    """What the statistics need of one caller's stay in one queue."""
    callid: str
    queue: str
    entered_at: datetime
    caller: str = ""
    outcome: str = "waiting"
    agent: str = ""
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    ended_at: datetime | None = None


def apply(call: QueuedCall | None, e: Entry) -> QueuedCall | None:
    """The record of the call after entry `e`; a new record on ENTERQUEUE, None when `e` concerns
    a call whose entry into the queue was never seen (nothing to attach it to)."""
    if e.event == "ENTERQUEUE":
        return QueuedCall(e.callid, e.queue, e.at, caller=(e.data[1] if len(e.data) > 1 else "")[:64])
    if call is None:
        return None
    if e.event in OUTCOMES and call.outcome == "waiting":
        call.outcome = OUTCOMES[e.event]
        if e.event == "CONNECT":
            call.agent = e.agent
            call.wait_seconds = e.number(0)
        else:
            # ABANDON / EXITWITHTIMEOUT / EXITEMPTY: position|origposition|waittime; EXITWITHKEY has the key first.
            call.wait_seconds = e.number(-1)
            call.ended_at = e.at
    elif e.event in COMPLETIONS and call.outcome == "answered" and call.ended_at is None:
        call.talk_seconds = e.number(-2)
        call.ended_at = e.at
    return call

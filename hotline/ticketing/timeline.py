"""A ticket's progress as the citizen reads it: received, forwarded (to which agency), escalated,
approved, answered, each with its date (HCMC Art. 8.2, Quảng Ninh Art. 7.2), built from the
ticket's history and the profile's workflow. Plain Python, no I/O.

The public results page shows it for every published result, so an entry holds only what the
workflow names (action and step titles, the agency's name, dates), never free text that may carry
personal data. The citizen's own look-up page adds the agency's reason for a delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.store.base import aware
from hotline.ticketing.workflow import Workflow

RECEIVED = "Tiếp nhận phản ánh"
MISSED = "Chưa xử lý đúng hạn"


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str
    due: datetime | None = None  # a new completion date the agency committed to
    reason: str | None = None  # the agency's reason for a delay (own view only)
    note: str | None = None  # what a progress update says (own view only)


def _instant(value) -> datetime | None:
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, str) and value:
        try:
            return aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def timeline(events, workflow: Workflow, own: bool = False) -> list[Entry]:
    """The entries of a ticket's history (`TicketEvent`s, oldest first) that the citizen may see.
    Moves show the action's title (with the agency a transfer went to); actions that keep the
    ticket where it is (a rating, a note) are left out, except a delay, which the citizen is told,
    and a progress update (its note in the citizen's own view only)."""
    out: list[Entry] = []
    actions = workflow.config.actions
    for e in events:
        d = e.detail or {}
        at = aware(e.at)
        if e.action == "submitted":
            out.append(Entry(at, RECEIVED))
        elif e.action in ("deadline_passed", "deadline_missed"):
            to = d.get("to")
            moved = to and to != d.get("from") and to in workflow.config.steps
            out.append(Entry(at, workflow.step(to).title if moved else MISSED))
        elif e.action in actions:
            action = actions[e.action]
            if action.progress:
                out.append(Entry(at, action.title, note=d.get("note") if own else None))
            elif action.citizen_notice == "thanks":
                out.append(Entry(at, action.title))
            elif action.citizen_notice == "delay":
                out.append(Entry(at, action.title, due=_instant(d.get("date")),
                                 reason=d.get("reason") if own else None))
            elif d.get("to") and d.get("to") != d.get("from"):
                agency = d.get("agency")
                out.append(Entry(at, f"{action.title}: {agency}" if agency else action.title))
    return out

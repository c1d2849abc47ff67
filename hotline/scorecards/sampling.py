"""The weekly random sample of each operator's calls (pure: no I/O).

Reproducible: a call's place in the draw is a keyed hash (HMAC with the installation's secret, so
nobody can tell during a call whether it will be drawn) of the week, the operator and the call's
Asterisk id, so drawing again gives the same calls, and a call that arrives later in the week
never moves the ones already drawn. What was drawn is stored (hotline/scorecards/service.py): the
sample is topped up, never redrawn."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date


def rank(week_start: date, operator: str, linkedid: str, key: bytes = b"") -> str:
    return hmac.new(key, f"{week_start.isoformat()}|{operator}|{linkedid}".encode(), hashlib.sha256).hexdigest()


def draw(week_start: date, operator: str, calls: dict[int, str], size: int, drawn: set[int],
         key: bytes = b"") -> list[int]:
    """Calls (recording id → linkedid) of one operator's week to add to the sample, which holds
    `drawn` already, so that it has `size` (or every call when there are fewer)."""
    wanted = size - len(drawn)
    if wanted <= 0:
        return []
    order = sorted((rid for rid in calls if rid not in drawn),
                   key=lambda rid: rank(week_start, operator, calls[rid], key))
    return order[:wanted]

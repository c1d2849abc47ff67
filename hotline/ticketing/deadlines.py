"""When a legal time limit falls: working time on the agencies' office calendar, or clock time.

Agencies keep office hours even where the switchboard itself is open around the clock (HCMC), so
working-time limits always use the office calendar of the profile.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hotline.config.deadline import Deadline
from hotline.workhours import CalendarConfig, WorkCalendar


def office_calendar(config: CalendarConfig) -> WorkCalendar:
    return WorkCalendar(config.model_copy(update={"always_open": False}))


CLOCK_UNITS = {"minutes", "hours", "days"}  # timedelta's own names


def _shift(at: datetime, limit: Deadline, calendar: CalendarConfig, sign: int) -> datetime:
    """`at` moved by `limit` forwards (sign 1) or backwards (-1): clock units as they are,
    working units over the office calendar."""
    if limit.unit in CLOCK_UNITS:
        return (at + sign * timedelta(**{limit.unit: limit.amount})).astimezone(timezone.utc)
    office = office_calendar(calendar)
    hours = limit.amount if limit.unit == "working_hours" else limit.amount * office.hours_per_day
    return office.add_working_hours(at, hours) if sign > 0 else office.subtract_working_hours(at, hours)


def due_at(start: datetime, limit: Deadline, calendar: CalendarConfig) -> datetime:
    """The instant (UTC) a limit counted from `start` runs out."""
    return _shift(start, limit, calendar, 1)


def ahead_of(due: datetime, limit: Deadline, calendar: CalendarConfig) -> datetime:
    """The instant (UTC) `limit` before `due`, counted the same way (a reminder's time)."""
    return _shift(due, limit, calendar, -1)

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


def due_at(start: datetime, limit: Deadline, calendar: CalendarConfig) -> datetime:
    """The instant (UTC) a limit counted from `start` runs out."""
    if limit.unit == "minutes":
        return (start + timedelta(minutes=limit.amount)).astimezone(timezone.utc)
    if limit.unit == "hours":
        return (start + timedelta(hours=limit.amount)).astimezone(timezone.utc)
    if limit.unit == "days":
        return (start + timedelta(days=limit.amount)).astimezone(timezone.utc)
    office = office_calendar(calendar)
    hours = limit.amount if limit.unit == "working_hours" else limit.amount * office.hours_per_day
    return office.add_working_hours(start, hours)


def ahead_of(due: datetime, limit: Deadline, calendar: CalendarConfig) -> datetime:
    """The instant (UTC) `limit` before `due`, counted the same way (a reminder's time)."""
    if limit.unit == "minutes":
        return (due - timedelta(minutes=limit.amount)).astimezone(timezone.utc)
    if limit.unit == "hours":
        return (due - timedelta(hours=limit.amount)).astimezone(timezone.utc)
    if limit.unit == "days":
        return (due - timedelta(days=limit.amount)).astimezone(timezone.utc)
    office = office_calendar(calendar)
    hours = limit.amount if limit.unit == "working_hours" else limit.amount * office.hours_per_day
    return office.subtract_working_hours(due, hours)

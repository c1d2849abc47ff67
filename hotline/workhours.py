"""Office hours and working time: is the switchboard open at an instant, and when does a
deadline of N working hours (or days) fall?

Pure logic, no I/O. Public holidays come from the `holidays` package (Vietnam); a profile adds
closed days and compensatory working days as data. Deadlines in clock hours (HCMC's minutes and
hours) do not use this module: they are plain `timedelta`s.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WeeklyHours(BaseModel):
    """Days of the week and periods of the day, local time: the shape of office hours and of the
    hours citizens may be called."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[str] = list(WEEKDAYS)
    hours: list[tuple[time, time]] = []

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in WEEKDAYS:
                raise ValueError(f"{d!r} is not one of {WEEKDAYS}")
        return v

    @model_validator(mode="after")
    def _hours(self) -> "WeeklyHours":
        for start, end in self.hours:
            if end <= start:
                raise ValueError(f"hours: {start}-{end} ends before it starts")
        return self


class CalendarConfig(WeeklyHours):
    timezone: str = "Asia/Ho_Chi_Minh"
    always_open: bool = False  # 24/7 lines (HCMC, Quảng Ninh)
    weekdays: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    hours: list[tuple[time, time]] = [(time(7, 0), time(11, 30)), (time(13, 30), time(17, 0))]
    public_holidays: str | None = "VN"  # country code for the holidays package; None: none
    closed_days: list[date] = []  # extra days off decided locally
    working_days: list[date] = []  # compensatory working days (e.g. a Saturday)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v


@lru_cache(maxsize=32)
def _holiday_set(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


class WorkCalendar:
    def __init__(self, config: CalendarConfig):
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self._weekdays = {WEEKDAYS.index(d) for d in config.weekdays}

    def is_working_day(self, day: date) -> bool:
        c = self.config
        if day in c.working_days:
            return True
        if day in c.closed_days:
            return False
        if c.public_holidays and day in _holiday_set(c.public_holidays, day.year):
            return False
        return day.weekday() in self._weekdays

    def is_open(self, instant: datetime) -> bool:
        """`instant` must be timezone-aware (UTC in storage, any zone accepted)."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        if self.config.always_open:
            return True
        local = instant.astimezone(self.tz)
        if not self.is_working_day(local.date()):
            return False
        t = local.time()
        return any(start <= t < end for start, end in self.config.hours)

    # -- working time ----------------------------------------------------------------------------
    MAX_DAYS = 3660  # a deadline further than ten years away is a configuration error

    @property
    def hours_per_day(self) -> float:
        return sum((_seconds(end) - _seconds(start)) / 3600 for start, end in self.config.hours)

    def _windows(self, day: date):
        """The working periods of a local day, as aware local datetimes."""
        if not self.is_working_day(day):
            return
        for start, end in self.config.hours:
            yield (datetime.combine(day, start, tzinfo=self.tz), datetime.combine(day, end, tzinfo=self.tz))

    def add_working_hours(self, instant: datetime, hours: float) -> datetime:
        """The instant `hours` of working time after `instant` (returned in UTC). Time outside
        office hours, weekends and holidays does not count; a 24/7 calendar adds clock time."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        if hours < 0:
            raise ValueError("hours must not be negative")
        if self.config.always_open:
            return (instant + timedelta(hours=hours)).astimezone(timezone.utc)
        remaining = timedelta(hours=hours)
        local = instant.astimezone(self.tz)
        day = local.date()
        for _ in range(self.MAX_DAYS):
            for start, end in self._windows(day):
                begin = max(start, local)
                if begin >= end:
                    continue
                if begin + remaining <= end:
                    return (begin + remaining).astimezone(timezone.utc)
                remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError(f"no working time found within {self.MAX_DAYS} days: check the calendar")

    def subtract_working_hours(self, instant: datetime, hours: float) -> datetime:
        """The instant `hours` of working time before `instant` (in UTC): the mirror of
        `add_working_hours`, for reminders ahead of a deadline."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        if hours < 0:
            raise ValueError("hours must not be negative")
        if self.config.always_open:
            return (instant - timedelta(hours=hours)).astimezone(timezone.utc)
        remaining = timedelta(hours=hours)
        local = instant.astimezone(self.tz)
        day = local.date()
        for _ in range(self.MAX_DAYS):
            for start, end in reversed(list(self._windows(day))):
                finish = min(end, local)
                if finish <= start:
                    continue
                if finish - remaining >= start:
                    return (finish - remaining).astimezone(timezone.utc)
                remaining -= finish - start
            day -= timedelta(days=1)
        raise ValueError(f"no working time found within {self.MAX_DAYS} days: check the calendar")

    def add_working_days(self, instant: datetime, days: int) -> datetime:
        """`days` working days after `instant`: as many full working days of office hours."""
        return self.add_working_hours(instant, days * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working time from `start` to `end`, in hours (negative if `end` is earlier)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        if end < start:
            return -self.working_hours_between(end, start)
        if self.config.always_open:
            return (end - start).total_seconds() / 3600
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for w_start, w_end in self._windows(day):
                lo, hi = max(w_start, a), min(w_end, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second

"""Office hours: is the switchboard open at a given instant?

Pure logic, no I/O. Public holidays come from the `holidays` package (Vietnam); a profile adds
closed days and compensatory working days as data. Issue #6 builds working-hour deadlines on the
same calendar.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class CalendarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

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

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in WEEKDAYS:
                raise ValueError(f"{d!r} is not one of {WEEKDAYS}")
        return v

    @model_validator(mode="after")
    def _hours(self) -> "CalendarConfig":
        for start, end in self.hours:
            if end <= start:
                raise ValueError(f"hours: {start}-{end} ends before it starts")
        return self


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

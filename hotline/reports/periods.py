"""Report periods in the profile's local time: week (Monday to Sunday), month, quarter, year, or
a custom range; as UTC instants [start, end) for the queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hotline.errors import Refused

KINDS = ("day", "week", "month", "quarter", "year", "custom")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first local day
    last: date  # last local day (inclusive)
    start: datetime  # UTC
    end: datetime  # UTC, exclusive

    @property
    def label(self) -> str:
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"


def period(kind: str, day: date, tz: str, until: date | None = None) -> Period:
    if kind == "day":
        first = last = day
    elif kind == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    elif kind == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif kind == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        last = (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    elif kind == "year":
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    elif kind == "custom":
        if until is None or until < day or (until - day).days > 3660:
            raise Refused(422, "Khoảng thời gian không hợp lệ (từ ngày ≤ đến ngày, tối đa 10 năm)")
        first, last = day, until
    else:
        raise Refused(422, f"Kỳ báo cáo phải là một trong: {', '.join(KINDS)}")
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), zone).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
    return Period(kind, first, last, start, end)

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from hotline.workhours import CalendarConfig, WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def dong_thap():
    return WorkCalendar(CalendarConfig())


@pytest.mark.parametrize("instant,is_open", [
    (local(2026, 11, 23, 8, 0), True),  # Monday morning
    (local(2026, 11, 23, 6, 59), False),  # before opening
    (local(2026, 11, 23, 12, 0), False),  # lunch break
    (local(2026, 11, 23, 13, 30), True),
    (local(2026, 11, 23, 17, 0), False),  # closes at 17:00
    (local(2026, 11, 22, 9, 0), False),  # Sunday
    (local(2026, 2, 17, 9, 0), False),  # Tết 2026 (a Tuesday)
    (local(2026, 9, 2, 9, 0), False),  # National Day
])
def test_dong_thap_office_hours(dong_thap, instant, is_open):
    assert dong_thap.is_open(instant) is is_open


def test_utc_instants_are_read_in_local_time(dong_thap):
    # 01:00 UTC on Monday is 08:00 in Vietnam: open.
    assert dong_thap.is_open(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))
    with pytest.raises(ValueError):
        dong_thap.is_open(datetime(2026, 11, 23, 1, 0))


def test_local_overrides_are_data():
    cal = WorkCalendar(CalendarConfig(working_days=[date(2026, 11, 28)], closed_days=[date(2026, 11, 23)]))
    assert cal.is_open(local(2026, 11, 28, 9, 0))  # a compensatory working Saturday
    assert not cal.is_open(local(2026, 11, 23, 9, 0))  # a local day off


def test_a_24_7_line_is_always_open():
    cal = WorkCalendar(CalendarConfig(always_open=True))
    assert cal.is_open(local(2026, 2, 17, 3, 0))


def test_bad_calendar_data_is_refused():
    with pytest.raises(ValueError):
        CalendarConfig(hours=[(time(17, 0), time(7, 0))])
    with pytest.raises(ValueError):
        CalendarConfig(weekdays=["monday"])
    with pytest.raises(ValueError):
        CalendarConfig(timezone="Asia/Nowhere")

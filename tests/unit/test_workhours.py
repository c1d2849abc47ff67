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


UTC = timezone.utc


def test_dong_thap_focal_point_deadline_of_8_working_hours(dong_thap):
    # Transferred Friday 2026-11-20 at 15:00: 2 h left on Friday, then Monday 07:00-11:30 (4.5 h)
    # and 1.5 h from 13:30: due Monday 15:00 local.
    due = dong_thap.add_working_hours(local(2026, 11, 20, 15, 0), 8)
    assert due.tzinfo == UTC
    assert due.astimezone(VN) == local(2026, 11, 23, 15, 0)


def test_a_deadline_skips_tet_and_starts_at_the_next_opening(dong_thap):
    # Friday 2026-02-13 at 18:00 (after hours), 1 working hour: Tết runs 16-20 February,
    # so the next opening is Monday 23 February 07:00.
    due = dong_thap.add_working_hours(local(2026, 2, 13, 18, 0), 1)
    assert due.astimezone(VN) == local(2026, 2, 23, 8, 0)


def test_48_working_hours_for_the_agency_head(dong_thap):
    due = dong_thap.add_working_hours(local(2026, 11, 23, 7, 0), 48)
    # 8 working hours a day: six working days, 23, 25, 26, 27, 30 November and 1 December (24
    # November 2026 is Vietnam Culture Day, a public holiday in the holidays package).
    assert due.astimezone(VN) == local(2026, 12, 1, 17, 0)
    assert dong_thap.working_hours_between(local(2026, 11, 23, 7, 0), due) == pytest.approx(48)


def test_working_days_and_elapsed_time(dong_thap):
    assert dong_thap.hours_per_day == 8
    due = dong_thap.add_working_days(local(2026, 11, 23, 9, 0), 5)  # Thanh Hóa's 5 working days
    assert due.astimezone(VN) == local(2026, 12, 1, 9, 0)  # 24 November is a holiday
    assert dong_thap.working_hours_between(local(2026, 11, 20, 16, 0), local(2026, 11, 23, 8, 0)) == \
        pytest.approx(2)
    assert dong_thap.working_hours_between(local(2026, 11, 23, 8, 0), local(2026, 11, 20, 16, 0)) == \
        pytest.approx(-2)


def test_a_compensatory_saturday_counts_and_a_24_7_line_adds_clock_time():
    cal = WorkCalendar(CalendarConfig(working_days=[date(2026, 11, 28)]))
    due = cal.add_working_hours(local(2026, 11, 27, 16, 0), 2)
    assert due.astimezone(VN) == local(2026, 11, 28, 8, 0)
    hcm = WorkCalendar(CalendarConfig(always_open=True))
    assert hcm.add_working_hours(local(2026, 2, 17, 3, 0), 1).astimezone(VN) == local(2026, 2, 17, 4, 0)


def test_a_calendar_without_working_days_is_reported():
    cal = WorkCalendar(CalendarConfig(weekdays=[], public_holidays=None))
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_hours(local(2026, 11, 23, 8, 0), 1)


def test_working_time_before_a_deadline_for_reminders(dong_thap):
    # 2 working hours before Monday 23/11 15:00: 13:30-15:00, then 30 minutes before 11:30.
    assert dong_thap.subtract_working_hours(local(2026, 11, 23, 15, 0), 2).astimezone(VN) == \
        local(2026, 11, 23, 11, 0)
    # 8 working hours before Wednesday 25/11 09:00 cross the holiday of 24/11 back to Monday.
    back = dong_thap.subtract_working_hours(local(2026, 11, 25, 9, 0), 8)
    assert back.astimezone(VN) == local(2026, 11, 23, 9, 0)
    assert dong_thap.working_hours_between(back, local(2026, 11, 25, 9, 0)) == pytest.approx(8)
    # Over Tết: 1 working hour before Monday 23/02/2026 08:00 is 07:00 the same day; 2 hours go
    # back to Friday 13/02 at 16:00.
    assert dong_thap.subtract_working_hours(local(2026, 2, 23, 8, 0), 2).astimezone(VN) == local(2026, 2, 13, 16, 0)
    for start, hours in ((local(2026, 11, 20, 15, 0), 8), (local(2026, 2, 13, 18, 0), 3.5)):
        due = dong_thap.add_working_hours(start, hours)
        assert dong_thap.working_hours_between(dong_thap.subtract_working_hours(due, hours), due) == \
            pytest.approx(hours)

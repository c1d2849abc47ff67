"""Alerts heard in calls, counted in a report period on a real store (SQLite and PostgreSQL):
by phrase, with the number of calls, in Vietnam's days."""

from datetime import date, datetime, timezone

from hotline.reports.figures import alert_report
from hotline.reports.periods import period
from hotline.store.recordings import CallAlert

UTC = timezone.utc


async def test_alerts_are_counted_by_phrase_and_call_in_the_period(sessions):
    heard = [("call-1", "cháy", datetime(2026, 11, 2, 2, 0, tzinfo=UTC)),
             ("call-1", "cháy", datetime(2026, 11, 2, 2, 1, tzinfo=UTC)),  # said twice in one call
             ("call-1", "cấp cứu", datetime(2026, 11, 2, 2, 1, tzinfo=UTC)),
             ("call-2", "cháy", datetime(2026, 11, 2, 16, 59, tzinfo=UTC)),  # 23:59 on 2/11 in Vietnam
             ("call-3", "lũ", datetime(2026, 11, 2, 17, 0, tzinfo=UTC))]  # 00:00 on 3/11: another day
    async with sessions() as s, s.begin():
        s.add_all(CallAlert(linkedid=lid, phrase=phrase, heard=f"... {phrase} ...", side="caller", operator="op1",
                            caller_phone="0912555101", heard_at=at) for lid, phrase, at in heard)
    report = await alert_report(sessions, period("day", date(2026, 11, 2), "Asia/Ho_Chi_Minh"))
    assert report == {"alerts": 4, "calls": 2, "by_phrase": [{"name": "cháy", "alerts": 3, "calls": 2},
                                                              {"name": "cấp cứu", "alerts": 1, "calls": 1}]}
    empty = await alert_report(sessions, period("day", date(2026, 11, 4), "Asia/Ho_Chi_Minh"))
    assert empty == {"alerts": 0, "calls": 0, "by_phrase": []}

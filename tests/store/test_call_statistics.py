"""Call statistics from Asterisk's queue_log on a real store (SQLite and PostgreSQL): the import
reads each line once across passes and restarts, waits for half-written lines, follows a rotated
log, and the report counts offered, answered, abandoned and timed-out calls, waits, talk and
the service level."""

import asyncio
from datetime import date

from sqlalchemy import func, select

from hotline.reports.call_log import CallLog
from hotline.reports.figures import call_report
from hotline.reports.periods import period
from hotline.store.calls import QueuedCallRow

T = 1793592000  # 2026-11-02 02:00 UTC, 09:00 local (Monday)

FIRST = [f"{T}|NONE|NONE|NONE|QUEUESTART|",
         f"{T}|a.1|infrastructure|NONE|ENTERQUEUE||0912000001|1",
         f"{T}|b.2|infrastructure|NONE|ENTERQUEUE||0912000002|2",
         f"{T + 8}|a.1|infrastructure|op1|CONNECT|8|x.1|3",
         f"{T + 50}|b.2|infrastructure|NONE|ABANDON|1|2|50"]
SECOND = [f"{T + 100}|c.3|operator|NONE|ENTERQUEUE||0912000003|1",
          f"{T + 128}|a.1|infrastructure|op1|COMPLETEAGENT|8|120|1",
          f"{T + 130}|c.3|operator|NONE|EXITWITHTIMEOUT|1|1|30",
          f"{T + 200}|d.4|operator|NONE|ENTERQUEUE||0912000004|1",
          f"{T + 225}|d.4|operator|op2|CONNECT|25|x.4|2",
          f"{T + 265}|d.4|operator|op2|COMPLETECALLER|25|40|1"]


def write(path, lines, mode="a"):
    with open(path, mode) as f:
        f.write("".join(line + "\n" for line in lines))


async def rows(sessions):
    async with sessions() as s:
        return {(r.callid, r.outcome, r.agent, r.wait_seconds, r.talk_seconds)
                for r in await s.scalars(select(QueuedCallRow))}


async def test_import_is_incremental_and_survives_a_restart(sessions, tmp_path):
    log = tmp_path / "queue_log"
    write(log, FIRST)
    assert await CallLog(sessions, log).import_new() == 5
    assert await rows(sessions) == {("a.1", "answered", "op1", 8, None), ("b.2", "abandoned", "", 50, None)}

    with open(log, "a") as f:  # Asterisk is in the middle of writing a line
        f.write("\n".join(SECOND[:2]) + "\n" + SECOND[2][:12])
    restarted = CallLog(sessions, log)  # a new process: the position comes from the database
    assert await restarted.import_new() == 2
    with open(log, "a") as f:
        f.write(SECOND[2][12:] + "\n" + "\n".join(SECOND[3:]) + "\n")
    assert await restarted.import_new() == 4
    assert await restarted.import_new() == 0
    assert await rows(sessions) == {("a.1", "answered", "op1", 8, 120), ("b.2", "abandoned", "", 50, None),
                                    ("c.3", "timeout", "", 30, None), ("d.4", "answered", "op2", 25, 40)}


async def test_a_rotated_log_is_read_from_its_start(sessions, tmp_path):
    log = tmp_path / "queue_log"
    write(log, FIRST)
    importer = CallLog(sessions, log, max_bytes=64)  # several commits for one backlog
    assert await importer.import_new() == 5
    log.rename(tmp_path / "queue_log.1")
    write(log, SECOND)
    assert await importer.import_new() == 6
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(QueuedCallRow)) == 4


async def test_the_report_counts_calls_of_the_period(sessions, tmp_path):
    log = tmp_path / "queue_log"
    write(log, FIRST + SECOND + [f"{T - 86400 * 7}|old.1|operator|NONE|ENTERQUEUE||0912|1"])
    await CallLog(sessions, log).import_new()
    p = period("custom", date(2026, 11, 2), "Asia/Ho_Chi_Minh", date(2026, 11, 2))
    r = await call_report(sessions, p, {"infrastructure": "Hạ tầng", "operator": "Tổng đài viên"},
                          {"infrastructure": 10, "operator": 20})
    t = r["totals"]
    assert (t["offered"], t["answered"], t["abandoned"], t["timed_out"]) == (4, 2, 1, 1)
    assert t["avg_wait_seconds"] == 16.5 and t["avg_talk_seconds"] == 80.0
    assert t["service_level"] == 25.0  # a.1 within 10 s; d.4 waited 25 s > 20 s
    assert t["abandon_rate"] == 25.0
    by = {q["name"]: (q["offered"], q["answered"], q["service_level"]) for q in r["by_queue"]}
    assert by == {"Hạ tầng": (2, 1, 50.0), "Tổng đài viên": (2, 1, 0.0)}
    empty = await call_report(sessions, period("custom", date(2026, 11, 3), "Asia/Ho_Chi_Minh", date(2026, 11, 3)), {}, {})
    assert empty["totals"]["offered"] == 0 and empty["totals"]["service_level"] is None


async def test_two_importers_at_once_count_each_call_once(sessions, tmp_path):
    log = tmp_path / "queue_log"
    write(log, FIRST + SECOND)
    one, two = CallLog(sessions, log, max_bytes=100), CallLog(sessions, log, max_bytes=100)
    await asyncio.gather(one.import_new(), two.import_new(), one.import_new())
    await two.import_new()
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(QueuedCallRow)) == 4
    assert ("a.1", "answered", "op1", 8, 120) in await rows(sessions)

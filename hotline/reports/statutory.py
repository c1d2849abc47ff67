"""The reports a regulation requires on fixed dates (the profile's `statutory_reports`): made once
per period on the report's day (local time), or as soon as the hotline runs after it; kept as an
XLSX file; e-mailed with the file to each recipient through the durable outbox. The row of the
made report (unique per report and period) is written in the same transaction as its e-mails, so
a restart, a second process or a scan racing itself never makes or sends a period twice.

The figures are the reports page's (by field, agency, channel and level; satisfaction; overdue
and unresolved lists) with, per agency, the on-time rate and the average rating, and where the
report asks for it the units ranked by them (HCMC Art. 13).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.config.profile import Profile
from hotline.config.reports import StatutoryReport
from hotline.notifications.email import add_once
from hotline.reports.export import to_xlsx
from hotline.reports.figures import ticket_report
from hotline.reports.periods import period
from hotline.store.reports import StatutoryReportRow
from hotline.store.agencies import Agency
from hotline.store.base import aware
from hotline.store.tickets import Ticket, TicketEvent

log = logging.getLogger(__name__)

MONTHS = {"month": 1, "quarter": 3, "year": 12}
COMMEND = "commend"  # the workflow action that records a good proposal (HCMC Art. 7.3, 11.4)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _period_start(d: date, every: str) -> date:
    if every == "month":
        return d.replace(day=1)
    if every == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


@dataclass(frozen=True)
class Slot:
    made_on: date  # the local day the report is due to be made
    first: date  # the period it covers, local days, inclusive
    last: date


def slots(r: StatutoryReport, around: date) -> list[Slot]:
    """The report's making days for the periods around a day, each with what it covers."""
    if r.every == "week":  # Monday to Sunday, made on `day` of the next week
        monday = around - timedelta(days=around.weekday())
        return [Slot(monday + timedelta(days=7 * k + 7 + r.day - 1), monday + timedelta(days=7 * k),
                     monday + timedelta(days=7 * k + 6)) for k in range(-2, 2)]
    n = MONTHS[r.every]
    start = _period_start(around, r.every)
    out = []
    for k in range(-2, 2):
        first = _add_months(start, k * n)
        following = _add_months(first, n)
        if r.covers == "previous":
            offset = (r.month - 1) if r.month else 0  # for a year: the month of the next year
            made = _add_months(following, offset).replace(day=r.day)
            out.append(Slot(made, first, following - timedelta(days=1)))
        else:
            offset = (r.month - 1) if r.month else (n - 1 if r.every == "quarter" else 0)
            made = _add_months(first, offset).replace(day=r.day)
            if made > first:
                out.append(Slot(made, first, made - timedelta(days=1)))
    return out


def latest_slot(r: StatutoryReport, today: date) -> Slot | None:
    """The last making day not after `today` (a report missed while the hotline was down is made
    as soon as it runs again)."""
    due = [s for s in slots(r, today) if s.made_on <= today]
    return max(due, key=lambda s: s.made_on) if due else None


def ranking(by_agency: list[dict], ratings: dict) -> list[dict]:
    """Units with tickets in the period, by on-time rate (answered on time among those answered or
    overdue), then average rating, then volume."""
    out = []
    for a in by_agency:
        if a["key"] is None:
            continue
        decided = a["on_time"] + a["late"] + a["overdue"]
        rate = round(100 * a["on_time"] / decided, 1) if decided else None
        avg, rated = ratings.get(a["key"], (None, 0))
        out.append({**a, "on_time_rate": rate, "rating_avg": round(float(avg), 2) if avg is not None else None,
                    "rated": rated})
    out.sort(key=lambda a: (-(a["on_time_rate"] if a["on_time_rate"] is not None else -1),
                            -(a["rating_avg"] or 0), -a["received"]))
    for i, a in enumerate(out, 1):
        a["rank"] = i
    return out


class StatutoryReports:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, folder: Path, on_queued=None,
                 period_seconds: float = 600, lease: Lease | None = None):
        self.sessions = sessions
        self.profile = profile
        self.folder = folder
        self.tz = ZoneInfo(profile.calendar.timezone)
        self.on_queued = on_queued or (lambda: None)
        self._loop = Periodic("statutory reports", self.run, period_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def run(self, now: datetime | None = None) -> list[str]:
        """Make the reports that are due and not made yet; return their file names."""
        now = now or datetime.now(timezone.utc)
        today = now.astimezone(self.tz).date()
        made = []
        for r in self.profile.statutory_reports:
            slot = latest_slot(r, today)
            if slot is None:
                continue
            async with self.sessions() as s:
                if await s.scalar(select(StatutoryReportRow.id).where(StatutoryReportRow.report_id == r.id,
                                                                      StatutoryReportRow.first_day == slot.first)):
                    continue
                # A period that ended before the hotline received anything is not reported: a new
                # installation does not send its recipients reports of months it did not run.
                end = datetime.combine(slot.last + timedelta(days=1), time(), self.tz).astimezone(timezone.utc)
                if not await s.scalar(select(Ticket.id).where(Ticket.created_at < end).limit(1)):
                    continue
            name = await self._make(r, slot, now)
            if name:
                made.append(name)
        if made:
            self.on_queued()
        return made

    async def figures(self, r: StatutoryReport, slot: Slot) -> dict:
        p = period("custom", slot.first, self.profile.calendar.timezone, until=slot.last)
        report = await ticket_report(self.sessions, p, self.profile.queues.topic_names())
        report["title"] = r.title
        async with self.sessions() as s:
            ratings = {k: (avg, n) for k, avg, n in await s.execute(
                select(Ticket.agency_id, func.avg(Ticket.rating), func.count(Ticket.rating))
                .where(Ticket.created_at >= p.start, Ticket.created_at < p.end, Ticket.draft.is_(False),
                       Ticket.rating.is_not(None)).group_by(Ticket.agency_id))}
        report["agencies"] = ranking(report["by_agency"], ratings)
        report["ranked"] = r.ranking
        if r.good_proposals:
            report["good_proposals"] = await self.good_proposals(p.start, p.end)
        return report

    async def good_proposals(self, start: datetime, end: datetime) -> list[dict]:
        """The proposals commended as good in [start, end): code, field, unit, when, the unit's note."""
        topics = self.profile.queues.topic_names()
        async with self.sessions() as s:
            rows = await s.execute(
                select(Ticket.code, Ticket.topic, Agency.name, TicketEvent.at, TicketEvent.detail)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id).outerjoin(Agency, Agency.id == Ticket.agency_id)
                .where(TicketEvent.action == COMMEND, TicketEvent.at >= start, TicketEvent.at < end)
                .order_by(TicketEvent.at))
            return [{"code": code, "field": topics.get(topic or "", topic or ""), "agency": agency or "",
                     "at": aware(at).astimezone(self.tz).strftime("%d/%m/%Y"), "note": (detail or {}).get("note", "")}
                    for code, topic, agency, at, detail in rows]

    async def _make(self, r: StatutoryReport, slot: Slot, now: datetime) -> str | None:
        report = await self.figures(r, slot)
        name = f"{r.id}-{slot.first:%Y-%m-%d}-{slot.last:%Y-%m-%d}.xlsx"
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        partial = path.with_suffix(".part")
        partial.write_bytes(to_xlsx(report))
        partial.replace(path)  # whole or absent: never a half-written report
        subject = f"{r.title} ({slot.first:%d/%m/%Y} - {slot.last:%d/%m/%Y})"[:300]
        body = self._body(r, slot, report)
        try:
            async with self.sessions() as s, s.begin():
                s.add(StatutoryReportRow(report_id=r.id, title=r.title[:300], first_day=slot.first,
                                         last_day=slot.last, made_at=now, file_name=name,
                                         recipients=[x.email for x in r.recipients]))
                await s.flush()  # the unique key: another process made it first
                for x in r.recipients:
                    await add_once(s, f"statutory:{r.id}:{slot.first.isoformat()}:{x.email}", x.email, subject,
                                   body, attachment=str(path))
        except IntegrityError:
            return None
        log.info("statutory report %s for %s - %s made: %s", r.id, slot.first, slot.last, name)
        return name

    def _body(self, r: StatutoryReport, slot: Slot, report: dict) -> str:
        t = report["totals"]
        lines = [f"Kính gửi: {', '.join(x.name for x in r.recipients)}", "",
                 f"Tổng đài 1022 {self.profile.name} báo cáo kết quả tiếp nhận, xử lý phản ánh, kiến nghị "
                 f"từ ngày {slot.first:%d/%m/%Y} đến ngày {slot.last:%d/%m/%Y}"
                 + (f" ({r.basis})" if r.basis else "") + ":", "",
                 f"- Tiếp nhận: {t['received']}; tổng đài trả lời trực tiếp: {t['answered_directly']}; "
                 f"chuyển cơ quan: {t['transferred']}",
                 f"- Trả lời đúng hạn: {t['on_time']}; trễ hạn: {t['late']}; đang quá hạn: {t['overdue']}; "
                 f"đang xử lý: {t['pending']}; không tiếp nhận: {t['rejected']}"]
        rated = sum(x["count"] for x in report["satisfaction"])
        if rated:
            lines.append("- Đánh giá của người dân: " + "; ".join(f"{x['name']} {x['count']}"
                                                                  for x in report["satisfaction"]))
        if r.good_proposals:
            lines += ["", f"Hiến kế hay, sáng tạo được các đơn vị ghi nhận: {len(report['good_proposals'])}"]
            lines += [f"- {g['code']} ({g['agency']}, {g['at']}): {g['note']}" for g in report["good_proposals"][:50]]
        if r.ranking and report["agencies"]:
            lines += ["", "Xếp hạng đơn vị (tỷ lệ đúng hạn, mức hài lòng):"]
            for a in report["agencies"][:50]:
                rate = f"{a['on_time_rate']}%" if a["on_time_rate"] is not None else "chưa có"
                lines.append(f"{a['rank']}. {a['name']}: đúng hạn {rate}; hài lòng "
                             f"{a['rating_avg'] if a['rating_avg'] is not None else 'chưa có'}")
        lines += ["", "Số liệu chi tiết trong tệp đính kèm.",
                  "Thư được gửi tự động từ hệ thống Tổng đài 1022; vui lòng không trả lời thư."]
        return "\n".join(lines)

    async def listing(self, limit: int = 200) -> list[dict]:
        async with self.sessions() as s:
            rows = await s.scalars(select(StatutoryReportRow).order_by(StatutoryReportRow.id.desc()).limit(limit))
            return [{"id": x.id, "report_id": x.report_id, "title": x.title, "from": x.first_day.isoformat(),
                     "to": x.last_day.isoformat(), "made_at": x.made_at.isoformat(), "file": x.file_name,
                     "recipients": x.recipients} for x in rows]

    async def file(self, row_id: int) -> Path | None:
        async with self.sessions() as s:
            x = await s.get(StatutoryReportRow, row_id)
        path = self.folder / x.file_name if x else None
        return path if path and path.is_file() else None

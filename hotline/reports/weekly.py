"""The weekly report to each agency's head (HCMC Art. 14), by e-mail: last week's tickets of the
agency (received, answered, on time, late, overdue, pending) and the list of its tickets still
open with their deadlines. Queued once per week and head (the outbox key), whenever the hotline
runs after the profile's slot; a restart or a second process never sends it twice."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.config.profile import Profile
from hotline.notifications.email import enqueue_once
from hotline.reports.figures import PENDING, counts_of, ticket_totals
from hotline.store.agencies import Agency, AgencyContact
from hotline.store.base import aware
from hotline.store.tickets import Ticket

log = logging.getLogger(__name__)

LABELS = [("received", "Phiếu nhận trong tuần"), ("answered_directly", "Tổng đài trả lời trực tiếp"),
          ("transferred", "Chuyển đến cơ quan"), ("on_time", "Trả lời đúng hạn"), ("late", "Trả lời trễ hạn"),
          ("overdue", "Đang quá hạn"), ("pending", "Đang xử lý")]


def report_week(now: datetime, weekday: int, at: str, tz: ZoneInfo) -> tuple[date, datetime]:
    """(Monday of the week reported, the slot it is sent at) for the latest slot not after `now`."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    slot = datetime.combine(monday + timedelta(days=weekday), time.fromisoformat(at), tzinfo=tz)
    if local < slot:
        slot -= timedelta(days=7)
    slot_monday = slot.date() - timedelta(days=slot.weekday())
    return slot_monday - timedelta(days=7), slot


class WeeklyReports:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, on_queued=None, period: float = 300,
                 lease: Lease | None = None):
        self.sessions = sessions
        self.profile = profile
        self.tz = ZoneInfo(profile.calendar.timezone)
        self.on_queued = on_queued or (lambda: None)
        self._loop = Periodic("weekly reports", self.run, period, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def run(self, now: datetime | None = None) -> int:
        policy = self.profile.weekly_report
        if not policy.enabled:
            return 0
        now = now or datetime.now(timezone.utc)
        monday, _ = report_week(now, policy.weekday, policy.time, self.tz)
        start = datetime.combine(monday, time(), tzinfo=self.tz).astimezone(timezone.utc)
        end = start + timedelta(days=7)
        async with self.sessions() as s:
            heads = list(await s.execute(
                select(Agency, AgencyContact).join(AgencyContact, AgencyContact.agency_id == Agency.id)
                .where(Agency.active.is_(True), AgencyContact.role == "head", AgencyContact.email.is_not(None))
                .order_by(Agency.id, AgencyContact.id)))
            if not heads:
                return 0
            ids = list({a.id for a, _ in heads})
            figures = {r.key: counts_of(r) for r in await s.execute(
                select(Ticket.agency_id.label("key"), *ticket_totals())
                .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.draft.is_(False),
                       Ticket.agency_id.in_(ids)).group_by(Ticket.agency_id))}
            open_rows = await s.execute(select(Ticket.agency_id, Ticket.code, Ticket.handling_stage, Ticket.due_at,
                                               Ticket.status)
                                        .where(Ticket.agency_id.in_(ids), Ticket.status.in_(PENDING))
                                        .order_by(Ticket.due_at))
            still_open: dict[int, list] = {}
            for r in open_rows:
                still_open.setdefault(r.agency_id, []).append(r)
        queued = 0
        for agency, head in heads:
            subject = (f"Tổng đài 1022 {self.profile.name}: báo cáo tuần {monday:%d/%m} - "
                       f"{monday + timedelta(days=6):%d/%m/%Y} của {agency.name}")[:300]
            body = self._body(agency, head, monday, figures.get(agency.id, {}), still_open.get(agency.id, []))
            if await enqueue_once(self.sessions, f"weekly:{monday.isoformat()}:{agency.id}:{head.id}",
                                  head.email, subject, body):
                queued += 1
        if queued:
            log.info("weekly reports of the week of %s queued: %d", monday, queued)
            self.on_queued()
        return queued

    def _body(self, agency: Agency, head: AgencyContact, monday: date, figures: dict, still_open: list) -> str:
        wf = self.profile.workflow
        lines = [f"Kính gửi {head.name},", "",
                 f"Tổng đài 1022 {self.profile.name} báo cáo tình hình tiếp nhận và xử lý phản ánh, kiến nghị "
                 f"chuyển đến {agency.name} trong tuần {monday:%d/%m/%Y} - {monday + timedelta(days=6):%d/%m/%Y}:", ""]
        lines += [f"- {label}: {figures.get(key, 0)}" for key, label in LABELS]
        lines += ["", f"Phiếu đang xử lý hoặc quá hạn ({len(still_open)}):"]
        for r in still_open[:100]:
            due = aware(r.due_at).astimezone(self.tz).strftime("%H:%M %d/%m/%Y") if r.due_at else "—"
            step = wf.steps[r.handling_stage].title if r.handling_stage in wf.steps else r.status
            lines.append(f"- Phiếu {r.code}: {step}; hạn {due}{' (QUÁ HẠN)' if r.status == 'overdue' else ''}")
        if len(still_open) > 100:
            lines.append(f"- ... và {len(still_open) - 100} phiếu khác")
        if not still_open:
            lines.append("- Không có")
        lines += ["", "Thư này được gửi tự động từ hệ thống Tổng đài 1022; vui lòng không trả lời thư."]
        return "\n".join(lines)

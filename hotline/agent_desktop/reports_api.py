"""HTTP routes of the reports (supervisors, administrators): figures of a period as JSON, and
the same as CSV or XLSX; and the statutory reports made on their dates (also for the provincial
office, their recipient)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.web.auth import path_id, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import CHANNEL_NAMES
from hotline.config.profile import Profile
from hotline.errors import Refused
from hotline.reports.export import to_csv, to_xlsx
from hotline.reports.call_log import CallLog
from hotline.reports.figures import (alert_report, call_report, callback_report, conversation_report, knowledge_report,
                                     ticket_report)
from hotline.reports.periods import period
from hotline.reports.statutory import StatutoryReports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str | None, default: date | None = None) -> date | None:
    if not value:
        return default
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Refused(422, "Ngày phải có dạng YYYY-MM-DD") from None


class ReportsApi(Resource):
    def __init__(self, accounts: Accounts, sessions, profile: Profile, call_log: CallLog | None = None,
                 statutory: StatutoryReports | None = None):
        self.accounts = accounts
        self.sessions = sessions
        self.profile = profile
        self.call_log = call_log  # imported before a report, so the figures include the last minutes
        self.statutory = statutory

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/reports", self.report, "Report figures of a period (kind, date, until)"),
            Route("GET", "/api/reports/export", self.export, "The report as CSV or XLSX (format)"),
            Route("GET", "/api/reports/today-calls", self.today_calls,
                  "Today's calls so far, in total and by queue: offered, answered, abandoned, service level "
                  "(the wallboard)"),
            Route("GET", "/api/reports/statutory", self.statutory_list,
                  "The statutory reports made on their dates (the profile's statutory_reports), newest first"),
            Route("GET", "/api/reports/statutory/{id}/file", self.statutory_file,
                  "One of them as the XLSX file sent to its recipients"),
        ]

    async def _calls(self, p) -> dict:
        queues = self.profile.queues.queues
        if self.call_log is not None:  # imported first, so the figures include the last minutes
            await self.call_log.import_new()
        return await call_report(self.sessions, p, {q.id: q.name for q in queues},
                                 {q.id: q.service_level_seconds for q in queues})

    async def _report(self, request: web.Request) -> dict:
        q = request.query
        tz = self.profile.calendar.timezone
        today = datetime.now(ZoneInfo(tz)).date()
        p = period(q.get("kind", "month"), _day(q.get("date"), today), tz, _day(q.get("until")))
        topics = self.profile.queues.topic_names()
        report = await ticket_report(self.sessions, p, topics)
        report["calls"] = await self._calls(p)
        report["callbacks"] = await callback_report(self.sessions, p)
        report["knowledge"] = await knowledge_report(self.sessions, p, topics)
        report["conversations"] = await conversation_report(self.sessions, p, CHANNEL_NAMES)
        report["alerts"] = await alert_report(self.sessions, p)
        return report

    @requires("supervisor", "admin")
    async def today_calls(self, request: web.Request) -> web.Response:
        tz = self.profile.calendar.timezone
        return web.json_response(await self._calls(period("day", datetime.now(ZoneInfo(tz)).date(), tz)))

    @requires("supervisor", "admin")
    async def report(self, request: web.Request) -> web.Response:
        return web.json_response(await self._report(request))

    @requires("supervisor", "admin")
    async def export(self, request: web.Request) -> web.Response:
        fmt = request.query.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Refused(422, "Định dạng: csv hoặc xlsx")
        report = await self._report(request)
        name = f"bao-cao-{report['period']['from']}-{report['period']['to']}.{fmt}"
        body, ctype = (to_csv(report), "text/csv") if fmt == "csv" else (to_xlsx(report), XLSX)
        return web.Response(body=body, content_type=ctype,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @requires("supervisor", "admin", "office")
    async def statutory_list(self, request: web.Request) -> web.Response:
        return web.json_response(await self.statutory.listing() if self.statutory else [])

    @requires("supervisor", "admin", "office")
    async def statutory_file(self, request: web.Request) -> web.StreamResponse:
        path = await self.statutory.file(path_id(request, "id", "Không có báo cáo này")) if self.statutory else None
        if path is None:
            raise Refused(404, "Không có báo cáo này")
        return web.FileResponse(path, headers={"Content-Type": XLSX,
                                               "Content-Disposition": f'attachment; filename="{path.name}"'})

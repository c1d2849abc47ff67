"""HTTP routes of supervision: the live state of calls, agents and queues, listening to a call,
and the overdue tickets."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.cti.ami import ActionError, AmiBridge
from hotline.ticketing import views
from hotline.ticketing.handling import TicketHandling
from hotline.ticketing.notices import undelivered
from hotline.web.auth import error, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import ListenIn, parse_body

log = logging.getLogger(__name__)


class SupervisorApi(Resource):
    def __init__(self, accounts: Accounts, cti: AmiBridge, phones: set[str], handling: TicketHandling):
        self.accounts = accounts
        self.cti = cti
        self.phones = phones
        self.handling = handling

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/supervisor/state", self.state, "Live calls, agents and queues"),
            Route("POST", "/api/supervisor/listen", self.listen,
                  "Listen to or whisper on a call from the supervisor's phone", ListenIn, extra=("404", "502")),
            Route("GET", "/api/supervisor/overdue", self.overdue,
                  "Overdue transferred tickets (the provincial office's list)"),
            Route("GET", "/api/supervisor/undelivered", self.undelivered,
                  "Notices that reached no one in the last 30 days: a required notice without a mobile number, "
                  "an SMS failed after its tries"),
        ]

    @requires("supervisor", "admin")
    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(self.cti.model.snapshot())

    @requires("supervisor", "admin")
    async def listen(self, request: web.Request) -> web.Response:
        phone = principal(request).operator_id
        body = await parse_body(request, ListenIn)
        linkedid, mode = body.linkedid, body.mode
        if not phone or phone not in self.phones:
            return error(409, "Tài khoản giám sát chưa được gán máy điện thoại")
        call = self.cti.model.calls.get(linkedid)
        if call is None or call.state != "talking" or not call.agent:
            return error(404, "Không có cuộc gọi đang nói chuyện này")
        try:
            await self.cti.spy(phone, f"PJSIP/{call.agent}", whisper=mode == "whisper")
        except ActionError as exc:
            return error(502, f"Tổng đài không nhận lệnh: {exc}")
        log.info("supervisor %s %s on call %s (operator %s)", principal(request).username, mode, linkedid,
                 call.agent)
        return web.json_response({"ok": True})

    @requires("supervisor", "admin")
    async def undelivered(self, request: web.Request) -> web.Response:
        async with self.handling.sessions() as s:
            return web.json_response(await undelivered(s, datetime.now(timezone.utc) - timedelta(days=30)))

    @requires("supervisor", "admin")
    async def overdue(self, request: web.Request) -> web.Response:
        wf, now = self.handling.workflow, datetime.now(timezone.utc)
        return web.json_response([views.work_item(t, wf.step(t.handling_stage or wf.initial), now, name)
                                  for t, name in await self.handling.overdue()])

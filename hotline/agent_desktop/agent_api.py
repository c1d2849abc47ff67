"""HTTP routes of the operator as a queue member: join and leave the queues, pause with a reason."""

from __future__ import annotations

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.config.profile import Profile
from hotline.cti.ami import ActionError, AmiBridge
from hotline.web.auth import error, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import PauseIn, parse_body

PAUSE_REASONS = {"break": "Nghỉ giải lao", "meal": "Ăn trưa", "training": "Đào tạo", "meeting": "Họp",
                 "paperwork": "Xử lý hồ sơ"}


class AgentApi(Resource):
    def __init__(self, accounts: Accounts, cti: AmiBridge, profile: Profile):
        self.accounts = accounts
        self.cti = cti
        self.profile = profile

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/pause-reasons", self.pause_reasons, "Pause reason codes and their names"),
            Route("POST", "/api/agent/login", self.agent_login, "Join the operator's queues", extra=("502",)),
            Route("POST", "/api/agent/logout", self.agent_logout, "Leave the queues"),
            Route("POST", "/api/agent/pause", self.agent_pause, "Pause with a reason (a code of /api/pause-reasons)",
                  PauseIn),
            Route("POST", "/api/agent/unpause", self.agent_unpause, "End the pause"),
        ]

    def operator_queues(self, operator_id: str) -> list[str]:
        return [q.id for q in self.profile.queues.queues if operator_id in q.members]

    async def leave_queues(self, operator_id: str) -> None:
        """The operator leaves every queue (logout, or an account whose access ended)."""
        async with self.cti.members_lock:
            await self.cti.logout(operator_id, self.operator_queues(operator_id))
            await self.accounts.record_agent_logout(operator_id)

    @requires("operator", "supervisor")
    async def pause_reasons(self, request: web.Request) -> web.Response:
        return web.json_response(PAUSE_REASONS)

    @requires("operator")
    async def agent_login(self, request: web.Request) -> web.Response:
        op = principal(request).operator_id
        queues = self.operator_queues(op)
        # A pause recorded earlier stays: the operator may come back to another node (after a
        # failover) or to an Asterisk that lost its queue members.
        async with self.cti.members_lock:
            paused, reason = await self.accounts.recorded_pause(op)
            try:
                await self.cti.login(op, queues)
                if paused:
                    await self.cti.pause(op, reason)
            except ActionError as exc:
                return error(502, f"Tổng đài không nhận lệnh: {exc}")
            await self.accounts.record_agent_login(op, queues)
        return web.json_response({"queues": queues, "paused": paused, "pause_reason": reason})

    @requires("operator")
    async def agent_logout(self, request: web.Request) -> web.Response:
        await self.leave_queues(principal(request).operator_id)
        return web.json_response({"ok": True})

    @requires("operator")
    async def agent_pause(self, request: web.Request) -> web.Response:
        op = principal(request).operator_id
        reason = (await parse_body(request, PauseIn)).reason
        if reason not in PAUSE_REASONS:
            return error(400, f"Lý do tạm nghỉ không hợp lệ; chọn một trong: {', '.join(PAUSE_REASONS)}")
        async with self.cti.members_lock:
            try:
                await self.cti.pause(op, reason)
            except ActionError as exc:
                return error(409, f"Chưa đăng nhập hàng đợi: {exc}")
            await self.accounts.record_agent_pause(op, True, reason)
        return web.json_response({"paused": True, "reason": reason})

    @requires("operator")
    async def agent_unpause(self, request: web.Request) -> web.Response:
        op = principal(request).operator_id
        async with self.cti.members_lock:
            try:
                await self.cti.unpause(op)
            except ActionError as exc:
                return error(409, f"Chưa đăng nhập hàng đợi: {exc}")
            await self.accounts.record_agent_pause(op, False)
        return web.json_response({"paused": False})

"""The desktop's HTTP server (aiohttp): login, JSON API, the WebSocket, and the pages.

Every API route and the WebSocket need a session (cookie `hl_session`, HttpOnly, SameSite=Strict)
and the right role; pages and static assets hold no data and are public. State-changing requests
must be JSON (a cross-site form cannot send it), which with SameSite cookies closes CSRF.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from aiohttp import WSMsgType, web

from hotline.agent_desktop.accounts import Accounts, Principal
from hotline.web.auth import COOKIE, error, path_id, refusals, requires
from hotline.agent_desktop.hub import Hub
from hotline.agent_desktop.openapi import openapi_document
from hotline.web.validation import ListenIn, PasswordChange, PauseIn, TicketEdit, parse_body
from hotline.asterisk.sip_auth import SipPasswords
from hotline.config.profile import Profile
from hotline.cti.ami import ActionError, AmiBridge
from hotline.security.clients import client_address
from hotline.security.limits import RateLimiter
from hotline.security.passwords import Busy
from hotline.settings import Security
from hotline.ticketing.calls import ticket_public
from hotline.ticketing.handling import Actor, TicketHandling
from hotline.ticketing.store import TicketStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAUSE_REASONS = {"break": "Nghỉ giải lao", "meal": "Ăn trưa", "training": "Đào tạo", "meeting": "Họp",
                 "paperwork": "Xử lý hồ sơ"}

class DesktopServer:
    def __init__(self, accounts: Accounts, store: TicketStore, hub: Hub, cti: AmiBridge, profile: Profile,
                 sip: SipPasswords, ws_url: str, secure_cookies: bool = False, extra_apis=(),
                 handling: TicketHandling | None = None, max_request_bytes: int = 256 * 1024,
                 security: Security | None = None, middlewares=()):
        self.accounts = accounts
        self.store = store
        self.hub = hub
        self.cti = cti
        self.profile = profile
        self.sip = sip
        self.phones = set(sip.phones)
        self.ws_url = ws_url
        sec = security or Security()
        self.account_failures = RateLimiter(sec.login_failures_per_account, sec.login_window_seconds)
        self.address_failures = RateLimiter(sec.login_failures_per_address, sec.login_window_seconds)
        self.secure_cookies = secure_cookies
        self.handling = handling or TicketHandling(store.sessions, profile)
        self.app = web.Application(client_max_size=max_request_bytes, middlewares=[*middlewares, refusals])
        r = self.app.router
        r.add_get("/", self.index)
        r.add_get("/login", self.page("login.html"))
        r.add_get("/operator", self.page("operator.html"))
        r.add_get("/supervisor", self.page("supervisor.html"))
        r.add_get("/admin", self.page("admin.html"))
        r.add_get("/password", self.page("password.html"))
        r.add_get("/agency", self.page("agency.html"))
        r.add_get("/recordings", self.page("recordings.html"))
        r.add_get("/reports", self.page("reports.html"))
        r.add_static("/static", STATIC)
        r.add_post("/api/login", self.login)
        r.add_post("/api/logout", self.logout)
        r.add_get("/api/me", self.me)
        r.add_post("/api/password", self.change_password)
        r.add_get("/api/openapi.json", self.openapi)
        r.add_get("/api/sip-credentials", self.sip_credentials)
        r.add_get("/api/pause-reasons", self.pause_reasons)
        r.add_post("/api/agent/login", self.agent_login)
        r.add_post("/api/agent/logout", self.agent_logout)
        r.add_post("/api/agent/pause", self.agent_pause)
        r.add_post("/api/agent/unpause", self.agent_unpause)
        r.add_get("/api/calls/{linkedid}/ticket", self.call_ticket)
        r.add_put("/api/tickets/{id}", self.edit_ticket)
        r.add_get("/api/supervisor/state", self.supervisor_state)
        r.add_post("/api/supervisor/listen", self.supervisor_listen)
        r.add_get("/ws", self.websocket)
        for api in extra_apis:
            api.register(r)

    # -- pages -----------------------------------------------------------------------------------
    def page(self, name: str):
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                            "Content-Security-Policy": CSP})

        return handler

    async def index(self, request: web.Request) -> web.Response:
        p = await self.accounts.session_user(request.cookies.get(COOKIE))
        target = "/login" if p is None else {"operator": "/operator", "admin": "/admin", "agency": "/agency"}.get(p.role,
                                                                                             "/supervisor")
        raise web.HTTPFound(target)

    # -- session ---------------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return error(415, "Yêu cầu phải ở dạng JSON")
        try:
            body = json.loads(await request.read())
            username, password = str(body["username"])[:60], str(body["password"])[:200]
        except (ValueError, KeyError, TypeError):
            return error(400, "Thiếu tên đăng nhập hoặc mật khẩu")
        address = client_address(request)
        # Guessing is slowed down before any password is checked: per account and per address.
        wait = self.address_failures.retry_after(address) or self.account_failures.retry_after(username.lower())
        if wait:
            return _too_many(wait)
        try:
            result = await self.accounts.authenticate(username, password)
        except Busy:
            return _too_many(2)
        if result.locked_until is not None:
            log.warning("login refused for locked account %r from %s", username, address)
            return error(423, "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần; liên hệ quản trị viên",
                         "account_locked")
        p = result.principal
        if p is None:
            self.address_failures.hit(address)
            self.account_failures.hit(username.lower())
            log.warning("failed login for %r from %s", username, address)
            return error(401, "Sai tên đăng nhập hoặc mật khẩu")
        token = await self.accounts.open_session(p)
        resp = web.json_response(p.public())
        resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=self.secure_cookies, path="/")
        return resp

    @requires(before_password_change=True)
    async def logout(self, request: web.Request) -> web.Response:
        p: Principal = request["principal"]
        token = request.cookies[COOKIE]
        await self.accounts.close_session(token)
        if p.operator_id:
            await self._agent_logout(p.operator_id)
        await self.sip.revoke_user(p.user_id)
        await self.hub.drop_session(token)
        resp = web.json_response({"ok": True})
        resp.del_cookie(COOKIE, path="/")
        return resp

    async def end_access(self, p: Principal) -> None:
        """An account's access ended (disabled, password reset, role changed): its sockets close,
        its softphone leaves the queues and its SIP password is withdrawn, at once."""
        await self.hub.drop_user(p.user_id)
        if p.operator_id and p.role == "operator":
            await self._agent_logout(p.operator_id)
        await self.sip.revoke_user(p.user_id)

    @requires(before_password_change=True)
    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(request["principal"].public())

    @requires(before_password_change=True)
    async def change_password(self, request: web.Request) -> web.Response:
        body = await parse_body(request, PasswordChange)
        p: Principal = request["principal"]
        try:
            await self.accounts.change_password(p.user_id, body.current_password, body.new_password,
                                                keep_token=request.cookies[COOKIE])
        except Busy:
            return _too_many(2)
        await self.hub.drop_user(p.user_id, keep=request.cookies[COOKIE])
        return web.json_response({"ok": True})

    @requires()
    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document())

    # -- operator ---------------------------------------------------------------------------------
    @requires("operator", "supervisor")
    async def sip_credentials(self, request: web.Request) -> web.Response:
        """A SIP password issued to this session's softphone: the previous one stops working."""
        p: Principal = request["principal"]
        if not p.operator_id or p.operator_id not in self.phones:
            return error(409, "Tài khoản chưa được gán máy điện thoại")
        try:
            password = await self.sip.issue(p.operator_id, p.user_id)
        except ActionError as exc:
            return error(502, f"Tổng đài không nhận lệnh: {exc}")
        host = request.url.host or "127.0.0.1"
        return web.json_response({
            "ws_url": self.ws_url, "uri": f"sip:{p.operator_id}@{host}",
            "username": p.operator_id, "password": password, "display_name": p.full_name},
            headers={"Cache-Control": "no-store"})

    @requires("operator", "supervisor")
    async def pause_reasons(self, request: web.Request) -> web.Response:
        return web.json_response(PAUSE_REASONS)

    def operator_queues(self, operator_id: str) -> list[str]:
        return [q.id for q in self.profile.queues.queues if operator_id in q.members]

    @requires("operator")
    async def agent_login(self, request: web.Request) -> web.Response:
        op = request["principal"].operator_id
        queues = self.operator_queues(op)
        try:
            await self.cti.login(op, queues)
        except ActionError as exc:
            return error(502, f"Tổng đài không nhận lệnh: {exc}")
        await self.accounts.record_agent_login(op, queues)
        return web.json_response({"queues": queues})

    async def _agent_logout(self, op: str) -> None:
        await self.cti.logout(op, self.operator_queues(op))
        await self.accounts.record_agent_logout(op)

    @requires("operator")
    async def agent_logout(self, request: web.Request) -> web.Response:
        await self._agent_logout(request["principal"].operator_id)
        return web.json_response({"ok": True})

    @requires("operator")
    async def agent_pause(self, request: web.Request) -> web.Response:
        op = request["principal"].operator_id
        reason = (await parse_body(request, PauseIn)).reason
        if reason not in PAUSE_REASONS:
            return error(400, f"Lý do tạm nghỉ không hợp lệ; chọn một trong: {', '.join(PAUSE_REASONS)}")
        try:
            await self.cti.pause(op, reason)
        except ActionError as exc:
            return error(409, f"Chưa đăng nhập hàng đợi: {exc}")
        await self.accounts.record_agent_pause(op, True, reason)
        return web.json_response({"paused": True, "reason": reason})

    @requires("operator")
    async def agent_unpause(self, request: web.Request) -> web.Response:
        op = request["principal"].operator_id
        try:
            await self.cti.unpause(op)
        except ActionError as exc:
            return error(409, f"Chưa đăng nhập hàng đợi: {exc}")
        await self.accounts.record_agent_pause(op, False)
        return web.json_response({"paused": False})

    def _may_edit(self, p: Principal, ticket) -> bool:
        if p.role in ("supervisor", "admin"):
            return True
        return ticket.operator_id == p.operator_id and ticket.draft

    @requires("operator", "supervisor", "admin")
    async def call_ticket(self, request: web.Request) -> web.Response:
        ticket = await self.store.ticket_for_call(request.match_info["linkedid"][:64])
        if ticket is None:
            return error(404, "Cuộc gọi chưa có phiếu")
        if not self._may_edit(request["principal"], ticket):
            return error(403, "Phiếu này không thuộc cuộc gọi của bạn")
        return web.json_response(ticket_public(ticket))

    @requires("operator", "supervisor", "admin")
    async def edit_ticket(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        ticket = await self.store.ticket(ticket_id)
        if ticket is None:
            return error(404, "Không có phiếu này")
        if not self._may_edit(request["principal"], ticket):
            return error(403, "Phiếu này không thuộc cuộc gọi của bạn")
        edit = await parse_body(request, TicketEdit)
        fields = edit.model_dump(exclude_unset=True)
        submit = fields.pop("submit", False)
        ticket = await self.store.update_ticket(ticket_id, request["principal"].username, **fields)
        if submit:  # the ticket enters the workflow: its first deadline, the citizen's receipt
            ticket = await self.store.submit_draft(ticket_id, self.handling, Actor.of(request["principal"]))
        return web.json_response(ticket_public(ticket))

    # -- supervisor -----------------------------------------------------------------------------
    @requires("supervisor", "admin")
    async def supervisor_state(self, request: web.Request) -> web.Response:
        return web.json_response(self.cti.model.snapshot())

    @requires("supervisor", "admin")
    async def supervisor_listen(self, request: web.Request) -> web.Response:
        phone = request["principal"].operator_id
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
        log.info("supervisor %s %s on call %s (operator %s)", request["principal"].username, mode, linkedid,
                 call.agent)
        return web.json_response({"ok": True})

    # -- websocket -------------------------------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE)
        p = await self.accounts.session_user(token)
        if p is None:
            return error(401, "Chưa đăng nhập hoặc phiên đã hết hạn")
        # A page of another site must not open a socket with this site's cookie.
        origin = request.headers.get("Origin")
        if origin is None or origin.split("://", 1)[-1] != request.host:
            return error(403, "Nguồn kết nối không được phép", "origin_refused")
        if p.must_change_password:
            return error(403, "Bạn cần đổi mật khẩu trước khi tiếp tục")
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        self.hub.attach(ws, p, token)
        try:
            await self.hub.hello(ws, p)
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    # The only client message: a ping that also re-checks the session.
                    if await self.accounts.session_user(token) is None:
                        await ws.close(code=4401, message=b"session expired")
                        break
                    await ws.send_str(json.dumps({"v": 1, "type": "pong"}))
        finally:
            self.hub.detach(ws)
        return ws


def _too_many(seconds: int) -> web.Response:
    resp = error(429, f"Quá nhiều lần thử; thử lại sau {seconds} giây", "rate_limited")
    resp.headers["Retry-After"] = str(seconds)
    return resp


CSP = ("default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; "
       "style-src 'self'; script-src 'self'; frame-ancestors 'none'")

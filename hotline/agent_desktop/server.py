"""The desktop's HTTP server (aiohttp): the pages, the WebSocket, the API document, and the
resource modules' route tables put together into one application.

Every API route and the WebSocket need a session (cookie `hl_session`, HttpOnly, SameSite=Strict)
and the right role; pages and static assets hold no data and are public. State-changing requests
must be JSON (a cross-site form cannot send it), which with SameSite cookies closes CSRF.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from aiohttp import WSMsgType, web

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.hub import Hub
from hotline.agent_desktop.openapi import openapi_document
from hotline.web.auth import (COOKIE, MUST_CHANGE, cross_site_refusal, error, own_session_check, refusals, requires,
                               same_origin)
from hotline.web.routes import Resource, Route, public, register
from hotline.web.standby import HEALTH_PATH

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# Each role's start page, the one table of it: the log-in and password pages go to "/" after.
START_PAGES = {"operator": "/operator", "admin": "/admin", "agency": "/agency", "office": "/office"}
PAGES = {"/login": "login.html", "/operator": "operator.html", "/supervisor": "supervisor.html",
         "/admin": "admin.html", "/password": "password.html", "/agency": "agency.html",
         "/recordings": "recordings.html", "/reports": "reports.html", "/wallboard": "wallboard.html",
         "/knowledge": "knowledge.html", "/office": "office.html",
         "/reviews": "reviews.html", "/scorecards": "scorecards.html", "/map": "tickets_map.html"}


class DesktopServer:
    def __init__(self, accounts: Accounts, hub: Hub, apis: list[Resource], max_request_bytes: int = 256 * 1024,
                 middlewares=(), tiles_origin: str = ""):
        self.accounts = accounts
        # The maps' tiles come from their server (settings [maps]); nothing else from elsewhere.
        self.csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {tiles_origin}".rstrip())
        self.hub = hub
        self.routes: list[Route] = self._routes() + [r for api in apis for r in api.routes()]
        self.document = openapi_document(self.routes)
        middlewares = [*middlewares, cross_site_refusal, refusals]  # cross-site first: 403 before any handler
        self.app = web.Application(client_max_size=max_request_bytes, middlewares=middlewares)
        register(self.app.router, self.routes)
        self.app.router.add_static("/static", STATIC)

    def _routes(self) -> list[Route]:
        page = {"documented": False}
        return [Route("GET", "/", self.index, "The user's start page", **page),
                *(Route("GET", path, self.page(name), f"The page {name}", **page) for path, name in PAGES.items()),
                Route("GET", "/api/openapi.json", self.openapi, "This document"),
                Route("GET", HEALTH_PATH, self.health, "This web server is up (answers also on a standby node)"),
                Route("GET", "/ws", self.websocket, "WebSocket of events, schema v1 (docs/desktop-api.md); the "
                      "Origin must be this site's; a request without the WebSocket upgrade gets 426",
                      ok="101", extra=("426",))]

    @public
    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True}, headers={"Cache-Control": "no-store"})

    # -- pages -----------------------------------------------------------------------------------
    def page(self, name: str):
        @public
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                            "Content-Security-Policy": self.csp})

        return handler

    @public
    async def index(self, request: web.Request) -> web.Response:
        p = await self.accounts.session_user(request.cookies.get(COOKIE))
        target = "/login" if p is None else START_PAGES.get(p.role, "/supervisor")
        raise web.HTTPFound(target)

    @requires()
    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(self.document)

    # -- websocket -------------------------------------------------------------------------------
    @own_session_check
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE)
        p = await self.accounts.session_user(token)
        if p is None:
            return error(401, "Chưa đăng nhập hoặc phiên đã hết hạn")
        if p.must_change_password:
            return error(403, MUST_CHANGE, "password_change_required")
        # A page of another site must not open a socket with this site's cookie.
        if not same_origin(request):
            return error(403, "Nguồn kết nối không được phép", "origin_refused")
        ws = web.WebSocketResponse(heartbeat=20)
        if not ws.can_prepare(request).ok:
            return error(426, "Cần kết nối WebSocket", "websocket_upgrade_required")
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


CSP = ("default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; "
       "style-src 'self'; script-src 'self'; frame-ancestors 'none'")

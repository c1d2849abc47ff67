"""HTTP route of this process's own health for the people who run the centre: how late its event
loop wakes (hotline/loop_lag.py), the wait every call step and desktop request has behind the
work before it. The histogram is cumulative since the start: two readings give the lag between
them (as a monitoring system reads it)."""

from __future__ import annotations

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.loop_lag import LoopLag
from hotline.web.auth import requires
from hotline.web.routes import Resource, Route


class SystemApi(Resource):
    def __init__(self, accounts: Accounts, loop_lag: LoopLag):
        self.accounts = accounts
        self.loop_lag = loop_lag

    def routes(self) -> list[Route]:
        return [Route("GET", "/api/system/loop-lag", self.lag,
                      "How late this node's event loop wakes: the last minute's p50, p99 and max, and the "
                      "histogram since the start (milliseconds)")]

    @requires("supervisor", "admin")
    async def lag(self, request: web.Request) -> web.Response:
        return web.json_response(self.loop_lag.view(), headers={"Cache-Control": "no-store"})

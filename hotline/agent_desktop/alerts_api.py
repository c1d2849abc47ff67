"""HTTP route of the alerts heard in live calls (hotline/recordings/live.py): the supervisor page
lists the recent ones when it opens; new ones arrive on its WebSocket ("call.alert")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.agent_desktop.accounts import Accounts
from hotline.store.base import iso
from hotline.store.recordings import CallAlert
from hotline.web.auth import requires
from hotline.web.routes import Resource, Route

RECENT = timedelta(hours=24)


def view(a: CallAlert) -> dict:
    """As in the "call.alert" event."""
    return {"id": a.id, "linkedid": a.linkedid, "phrase": a.phrase, "heard": a.heard, "side": a.side,
            "operator": a.operator, "caller": a.caller_phone, "at": iso(a.heard_at)}


class AlertsApi(Resource):
    def __init__(self, accounts: Accounts, sessions: async_sessionmaker):
        self.accounts = accounts
        self.sessions = sessions

    def routes(self) -> list[Route]:
        return [Route("GET", "/api/alerts", self.recent,
                      "Alert phrases heard in live calls in the last 24 hours, newest first")]

    @requires("supervisor", "admin")
    async def recent(self, request: web.Request) -> web.Response:
        since = datetime.now(timezone.utc) - RECENT
        async with self.sessions() as s:
            rows = (await s.scalars(select(CallAlert).where(CallAlert.heard_at >= since)
                                    .order_by(CallAlert.heard_at.desc(), CallAlert.id.desc()).limit(200))).all()
        return web.json_response([view(a) for a in rows])

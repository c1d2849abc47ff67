"""The supervisors' map of open tickets (#35 item 4): every submitted ticket still open (received,
in progress, overdue) that has a position, by field and status, with the map's settings.
State-secret tickets only for the roles the profile lets read them. The map's settings alone for
the staff's ticket form (its location pin)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.config.statuses import STATUS_NAMES, TicketStatus
from hotline.errors import Refused
from hotline.settings import Maps
from hotline.store.tickets import Ticket
from hotline.ticketing.handling import TicketHandling
from hotline.ticketing.views import iso
from hotline.web.auth import principal, requires
from hotline.web.routes import Resource, Route

OPEN = (TicketStatus.RECEIVED.value, TicketStatus.IN_PROGRESS.value, TicketStatus.OVERDUE.value)
MAX_POINTS = 5000  # the newest open tickets with a position


class TicketsMapApi(Resource):
    def __init__(self, accounts: Accounts, handling: TicketHandling, maps: Maps):
        self.accounts = accounts
        self.handling = handling
        self.sessions = handling.sessions
        self.maps = maps
        self.topics = handling.profile.queues.topic_names()

    def routes(self) -> list[Route]:
        return [Route("GET", "/api/tickets/map", self.open_tickets,
                      "Open tickets with a position, for the supervisors' map (topic: one field; status: received, "
                      "in_progress or overdue), with the map's tile settings", extra=("400",)),
                Route("GET", "/api/map/settings", self.settings,
                      "The map's tile server, attribution, zoom and centre (the ticket form's location pin)")]

    @requires("operator", "supervisor", "admin")
    async def settings(self, request: web.Request) -> web.Response:
        return web.json_response(self.maps.public())

    def _filters(self, request: web.Request) -> tuple[str | None, str | None]:
        topic = request.query.get("topic", "")[:40] or None
        status = request.query.get("status", "")[:20] or None
        if topic is not None and topic not in self.topics:
            raise Refused(400, "Lĩnh vực không hợp lệ (topic); có: " + ", ".join(self.topics))
        if status is not None and status not in OPEN:
            raise Refused(400, "Trạng thái không hợp lệ (status); có: " + ", ".join(OPEN))
        return topic, status

    @requires("supervisor", "admin")
    async def open_tickets(self, request: web.Request) -> web.Response:
        topic, status = self._filters(request)
        query = (select(Ticket).where(Ticket.draft.is_(False), Ticket.status.in_(OPEN),
                                      Ticket.latitude.is_not(None), Ticket.longitude.is_not(None))
                 .order_by(Ticket.created_at.desc()).limit(MAX_POINTS))
        if topic is not None:
            query = query.where(Ticket.topic == topic)
        if status is not None:
            query = query.where(Ticket.status == status)
        if principal(request).role not in self.handling.profile.state_secret_readers:
            query = query.where(Ticket.state_secret.is_(False))
        async with self.sessions() as s:
            rows = list(await s.scalars(query))
        workflow = self.handling.workflow
        tickets = [{"id": t.id, "code": t.code, "topic": t.topic, "field": self.topics.get(t.topic or "", "Khác"),
                    "status": t.status, "status_text": STATUS_NAMES[t.status],
                    "stage_text": workflow.step(t.handling_stage or "received").title,
                    "address": t.address, "created_at": iso(t.created_at), "due_at": iso(t.due_at),
                    "lat": t.latitude, "lon": t.longitude} for t in rows]
        return web.json_response({"map": self.maps.public(), "tickets": tickets, "fields": self.topics,
                                  "statuses": {s: STATUS_NAMES[s] for s in OPEN}})

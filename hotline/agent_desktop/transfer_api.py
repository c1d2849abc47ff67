"""HTTP routes of the agency directory and of transfers (issue #4)."""

from __future__ import annotations

from aiohttp import web

from hotline.agencies.directory import AgencyDirectory, agency_public
from hotline.agencies.schemas import CONTACT_ROLES, LEVELS, AgencyIn
from hotline.agent_desktop.accounts import Accounts
from hotline.web.auth import error, path_id, requires
from hotline.web.validation import TransferRequest, parse_body
from hotline.settings import Settings
from hotline.ticketing.handling import TicketHandling, aware
from hotline.ticketing.store import TicketStore
from hotline.transfers.records import transfer_public
from hotline.transfers.service import TransferService


NO_AGENCY = "Không có cơ quan này"
NO_TRANSFER = "Không có lượt chuyển này"


class TransferApi:
    def __init__(self, accounts: Accounts, transfers: TransferService, store: TicketStore, settings: Settings,
                 deadlines: TicketHandling):
        self.accounts = accounts
        self.transfers = transfers
        self.directory: AgencyDirectory = transfers.directory
        self.store = store
        self.settings = settings
        self.deadlines = deadlines

    def register(self, r: web.UrlDispatcher) -> None:
        r.add_get("/api/agencies", self.list_agencies)
        r.add_get("/api/agencies/meta", self.agency_meta)
        r.add_get("/api/agencies/{id}", self.get_agency)
        r.add_post("/api/agencies", self.create_agency)
        r.add_put("/api/agencies/{id}", self.update_agency)
        r.add_post("/api/calls/{linkedid}/transfers", self.start_transfer)
        r.add_get("/api/calls/{linkedid}/transfers", self.call_transfers)
        r.add_post("/api/transfers/{id}/complete", self.complete)
        r.add_post("/api/transfers/{id}/cancel", self.cancel)
        r.add_post("/api/transfers/{id}/slip", self.slip)
        r.add_get("/api/supervisor/overdue", self.overdue)

    # -- directory --------------------------------------------------------------------------------
    @requires("operator", "supervisor", "admin")
    async def list_agencies(self, request: web.Request) -> web.Response:
        p = request["principal"]
        q = request.query.get("q", "")[:100]
        field = request.query.get("field", "")[:40] or None
        inactive = p.role == "admin" and request.query.get("all") == "1"
        found = await self.directory.search(q, field, include_inactive=inactive)
        return web.json_response([agency_public(a, c, with_phones=p.role == "admin") for a, c in found])

    @requires("operator", "supervisor", "admin")
    async def agency_meta(self, request: web.Request) -> web.Response:
        return web.json_response({"levels": LEVELS, "contact_roles": CONTACT_ROLES,
                                  "routes": sorted(self.settings.routes),
                                  "queues": {q.id: q.name for q in self.transfers.profile.queues.queues}})

    @requires("operator", "supervisor", "admin")
    async def get_agency(self, request: web.Request) -> web.Response:
        found = await self.directory.get(path_id(request, "id", NO_AGENCY))
        if found is None:
            return error(404, NO_AGENCY)
        return web.json_response(agency_public(*found, with_phones=request["principal"].role == "admin"))

    async def _save(self, request: web.Request, agency_id: int | None) -> web.Response:
        data = await parse_body(request, AgencyIn)
        if data.route not in self.settings.routes:
            return error(400, f"Tuyến gọi {data.route!r} chưa được cấu hình; có: {', '.join(sorted(self.settings.routes))}")
        agency, contacts = await self.directory.save(data, agency_id)
        return web.json_response(agency_public(agency, contacts, with_phones=True), status=200 if agency_id else 201)

    @requires("admin")
    async def create_agency(self, request: web.Request) -> web.Response:
        return await self._save(request, None)

    @requires("admin")
    async def update_agency(self, request: web.Request) -> web.Response:
        return await self._save(request, path_id(request, "id", NO_AGENCY))

    # -- transfers --------------------------------------------------------------------------------
    @requires("operator")
    async def start_transfer(self, request: web.Request) -> web.Response:
        body = await parse_body(request, TransferRequest)
        result = await self.transfers.start(request["principal"].operator_id, request.match_info["linkedid"][:64],
                                            body.kind, body.agency_id, body.target, body.queue)
        return web.json_response(result, status=201)

    @requires("operator", "supervisor", "admin")
    async def call_transfers(self, request: web.Request) -> web.Response:
        p = request["principal"]
        records = await self.transfers.records.for_call(request.match_info["linkedid"][:64])
        if p.role == "operator" and any(t.operator_id != p.operator_id for t in records):
            ticket = await self.store.ticket_for_call(request.match_info["linkedid"][:64])
            if ticket is None or ticket.operator_id != p.operator_id:
                return error(403, "Cuộc gọi này không phải của bạn")
        return web.json_response([transfer_public(t) for t in records])

    async def _act(self, request: web.Request, action) -> web.Response:
        return web.json_response(await action(path_id(request, "id", NO_TRANSFER)))

    @requires("operator")
    async def complete(self, request: web.Request) -> web.Response:
        op = request["principal"].operator_id
        return await self._act(request, lambda tid: self.transfers.complete(op, tid))

    @requires("operator")
    async def cancel(self, request: web.Request) -> web.Response:
        op = request["principal"].operator_id
        return await self._act(request, lambda tid: self.transfers.cancel(op, tid))

    @requires("operator", "supervisor", "admin")
    async def slip(self, request: web.Request) -> web.Response:
        p = request["principal"]
        only_own = p.operator_id if p.role == "operator" else None
        return await self._act(request, lambda tid: self.transfers.slip(p.username, tid, only_own))

    @requires("supervisor", "admin")
    async def overdue(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": t.id, "code": t.code, "topic": t.topic, "agency_name": name,
                                   "due_at": aware(t.due_at).isoformat() if t.due_at else None, "status": t.status}
                                  for t, name in await self.deadlines.overdue()])

"""HTTP routes of live transfers of a call to an agency (warm, blind, back to a queue) and of the
transfer slip."""

from __future__ import annotations

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.ticketing.store import TicketStore
from hotline.transfers.records import transfer_public
from hotline.transfers.service import TransferService
from hotline.web.auth import error, path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import TransferRequest, parse_body

NO_TRANSFER = "Không có lượt chuyển này"
LINKEDID = {"linkedid": "string"}


class TransferApi(Resource):
    def __init__(self, accounts: Accounts, transfers: TransferService, store: TicketStore):
        self.accounts = accounts
        self.transfers = transfers
        self.store = store

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/api/calls/{linkedid}/transfers", self.start_transfer,
                  "Transfer the call (warm, blind, or back to a queue); operator: own call", TransferRequest,
                  ok="201", extra=("404", "502"), param_types=LINKEDID),
            Route("GET", "/api/calls/{linkedid}/transfers", self.call_transfers,
                  "The call's transfer attempts; operator: own call", param_types=LINKEDID),
            Route("POST", "/api/transfers/{id}/complete", self.complete, "Complete a warm transfer"),
            Route("POST", "/api/transfers/{id}/cancel", self.cancel, "Cancel a warm transfer"),
            Route("POST", "/api/transfers/{id}/slip", self.slip,
                  "Send the transfer slip (SMS to the focal point); operator: own transfer"),
        ]

    @requires("operator")
    async def start_transfer(self, request: web.Request) -> web.Response:
        body = await parse_body(request, TransferRequest)
        result = await self.transfers.start(principal(request).operator_id, request.match_info["linkedid"][:64],
                                            body.kind, body.agency_id, body.target, body.queue)
        return web.json_response(result, status=201)

    @requires("operator", "supervisor", "admin")
    async def call_transfers(self, request: web.Request) -> web.Response:
        p = principal(request)
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
        op = principal(request).operator_id
        return await self._act(request, lambda tid: self.transfers.complete(op, tid))

    @requires("operator")
    async def cancel(self, request: web.Request) -> web.Response:
        op = principal(request).operator_id
        return await self._act(request, lambda tid: self.transfers.cancel(op, tid))

    @requires("operator", "supervisor", "admin")
    async def slip(self, request: web.Request) -> web.Response:
        p = principal(request)
        only_own = p.operator_id if p.role == "operator" else None
        return await self._act(request, lambda tid: self.transfers.slip(p.username, tid, only_own))

"""HTTP routes of calls to citizens: the callback work list (take, call, record the outcome,
release) and click-to-call from a ticket. The call itself is placed by the operator's softphone
with the `dial` target these routes return (see outbound/service.py)."""

from __future__ import annotations

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.callbacks.service import Callbacks
from hotline.outbound.service import OutboundCalls
from hotline.ticketing.store import TicketStore
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import CallbackOutcomeIn, parse_body

UNKNOWN = "Không có yêu cầu gọi lại này"
CALL_REFUSALS = ("403", "404", "409", "429")


class CallbacksApi(Resource):
    def __init__(self, accounts: Accounts, callbacks: Callbacks, outbound: OutboundCalls, store: TicketStore):
        self.accounts = accounts
        self.callbacks = callbacks
        self.outbound = outbound
        self.store = store

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/callbacks", self.work_list,
                  "Callback requests not yet handled, oldest first, with the caller's previous tickets"),
            Route("GET", "/api/callbacks/{id}", self.one, "One callback request with its attempts", extra=("404",)),
            Route("POST", "/api/callbacks/{id}/take", self.take, "Take a callback request (one operator at a time)",
                  extra=("404", "409")),
            Route("POST", "/api/callbacks/{id}/release", self.release, "Give a taken request back to the list",
                  extra=("404", "409")),
            Route("POST", "/api/callbacks/{id}/call", self.call,
                  "Ask to call the requester: returns the target the softphone dials", ok="201",
                  extra=CALL_REFUSALS),
            Route("POST", "/api/callbacks/{id}/outcome", self.outcome, "Record what came of an attempt",
                  CallbackOutcomeIn, extra=("404", "409")),
            Route("POST", "/api/tickets/{id}/call", self.call_ticket,
                  "Click-to-call the citizen of a ticket: returns the target the softphone dials", ok="201",
                  extra=CALL_REFUSALS),
        ]

    @requires("operator", "supervisor", "admin")
    async def work_list(self, request: web.Request) -> web.Response:
        return web.json_response(await self.callbacks.work_list(self.store))

    @requires("operator", "supervisor", "admin")
    async def one(self, request: web.Request) -> web.Response:
        return web.json_response(await self.callbacks.get(path_id(request, "id", UNKNOWN)))

    @requires("operator")
    async def take(self, request: web.Request) -> web.Response:
        return web.json_response(await self.callbacks.take(principal(request).operator_id,
                                                           path_id(request, "id", UNKNOWN)))

    @requires("operator")
    async def release(self, request: web.Request) -> web.Response:
        return web.json_response(await self.callbacks.release(principal(request).operator_id,
                                                              path_id(request, "id", UNKNOWN)))

    @requires("operator")
    async def call(self, request: web.Request) -> web.Response:
        return web.json_response(await self.callbacks.call(principal(request).operator_id,
                                                           path_id(request, "id", UNKNOWN)), status=201)

    @requires("operator")
    async def outcome(self, request: web.Request) -> web.Response:
        body = await parse_body(request, CallbackOutcomeIn)
        return web.json_response(await self.callbacks.record_outcome(
            principal(request).operator_id, path_id(request, "id", UNKNOWN), body.outcome, body.note))

    @requires("operator")
    async def call_ticket(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        return web.json_response(await self.outbound.for_ticket(principal(request).operator_id, ticket_id),
                                 status=201)

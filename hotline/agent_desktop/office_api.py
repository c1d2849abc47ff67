"""HTTP routes of the provincial office (Văn phòng UBND tỉnh): tickets overdue at agencies, the
letters it sends them (reminders, requests for explanation), and the matters whose jurisdiction
it decides. Only the office's accounts; no reporter data is ever shown here."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.office.desk import OfficeDesk
from hotline.store.agencies import Agency
from hotline.ticketing.handling import Actor
from hotline.web.attachments import send_document, send_pdf, wants_signed
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import ActionIn, parse_body, required_text


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["reminder", "explanation"]
    body: str = Field("", max_length=5000)  # the office's own words, added to the template


class ExplanationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(..., min_length=1, max_length=20000)

    _text = field_validator("answer")(required_text)


class OfficeApi(Resource):
    def __init__(self, accounts: Accounts, desk: OfficeDesk):
        self.accounts = accounts  # the session and role check of every route
        self.desk = desk
        self.letters = desk.letters

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/office/overdue", self.overdue,
                  "Tickets overdue or late at agencies, longest overdue first, with the letters sent about each"),
            Route("GET", "/api/office/pending", self.pending,
                  "Matters whose jurisdiction the office decides, oldest first, with the actions it may take"),
            Route("POST", "/api/office/tickets/{id}/actions/{action}", self.action,
                  "The office's workflow action on a pending matter (assign an agency; declare it outside the "
                  "province's authority, with the reason the citizen is told)", ActionIn,
                  param_types={"action": "string"}),
            Route("POST", "/api/office/tickets/{id}/letters", self.issue,
                  "Send the ticket's agency a reminder letter or a request for explanation (numbered, recorded "
                  "on the ticket, SMS and e-mail to the agency's head)", LetterIn, ok="201"),
            Route("GET", "/api/office/letters", self.listing, "The office's letters, newest first, with answers"),
            Route("GET", "/api/office/letters/{id}", self.document, "A letter as a printable HTML page"),
            Route("GET", "/api/office/letters/{id}/pdf", self.document_pdf,
                  "A letter as PDF; ?signed=1: signed with the office's certificate (PAdES; 409 when none is "
                  "configured), recorded on the ticket", extra=("409", "422", "503")),
            Route("GET", "/api/office/agencies", self.agencies, "Active agencies (to assign a matter to)"),
        ]

    @requires("office")
    async def overdue(self, request: web.Request) -> web.Response:
        return web.json_response(await self.desk.overdue())

    @requires("office")
    async def pending(self, request: web.Request) -> web.Response:
        return web.json_response(await self.desk.pending(Actor.of(principal(request))))

    @requires("office")
    async def action(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, ActionIn)
        payload = body.payload(self.desk.handling.profile.calendar.timezone)
        return web.json_response(await self.desk.decide(ticket_id, request.match_info["action"][:40],
                                                        Actor.of(principal(request)), payload))

    @requires("office")
    async def issue(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, LetterIn)
        letter = await self.letters.issue(ticket_id, body.kind, body.body, principal(request).username)
        return web.json_response(letter, status=201)

    @requires("office")
    async def listing(self, request: web.Request) -> web.Response:
        return web.json_response(await self.letters.listing())

    @requires("office")
    async def document(self, request: web.Request) -> web.Response:
        return send_document(await self.letters.render(path_id(request, "id", "Không có văn bản này")))

    @requires("office")
    async def document_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        letter_id = path_id(request, "id", "Không có văn bản này")
        html = await self.letters.render(letter_id)
        docs = self.desk.handling.documents
        pdf = await docs.copy(html, signed, "office_letter", self.letters.issuer, await self.letters.ticket_of(letter_id),
                              principal(request).username)
        return send_pdf(pdf, f"van-ban-{letter_id}.pdf")

    @requires("office")
    async def agencies(self, request: web.Request) -> web.Response:
        async with self.desk.sessions() as s:
            rows = await s.execute(select(Agency.id, Agency.name).where(Agency.active.is_(True)).order_by(Agency.name))
            return web.json_response([{"id": i, "name": n} for i, n in rows])

"""HTTP routes of the agency inbox, and of the accounts administrators open for agencies."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.web.attachments import read_form, send_document, send_file
from hotline.web.auth import error, path_id, requires
from hotline.web.validation import ActionIn, parse_body, required_text
from hotline.security.passwords import policy_problem
from hotline.ticketing.handling import Actor, Payload


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: str = Field(..., min_length=1, max_length=20000)

    _text = field_validator("result")(required_text)


class CoordinationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: int = Field(..., ge=1, le=10**9)
    question: str = Field(..., min_length=1, max_length=5000)

    _text = field_validator("question")(required_text)


class CoordinationAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(..., min_length=1, max_length=20000)

    _text = field_validator("answer")(required_text)


class AgencyAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$")
    full_name: str = Field(..., min_length=1, max_length=200)
    password: str = Field(..., min_length=10, max_length=200)
    leader: bool = False  # the agency's leader: approves results where the profile asks for it


class AgencyApi:
    def __init__(self, accounts: Accounts, inbox: AgencyInbox, directory: AgencyDirectory):
        self.accounts = accounts
        self.inbox = inbox
        self.directory = directory

    def register(self, r: web.UrlDispatcher) -> None:
        r.add_get("/api/agency/tickets", self.list_tickets)
        r.add_post("/api/agency/tickets/{id}/answer", self.answer)
        r.add_post("/api/agency/tickets/{id}/actions/{action}", self.action)
        r.add_post("/api/agency/tickets/{id}/attachments", self.attach)
        r.add_get("/api/agency/tickets/{id}/attachments/{file}", self.download)
        r.add_post("/api/agency/tickets/{id}/coordination", self.ask)
        r.add_get("/api/agency/coordination", self.asked)
        r.add_post("/api/agency/coordination/{id}/answer", self.answer_asked)
        r.add_get("/api/agency/partners", self.partners)
        r.add_get("/api/agency/tickets/{id}/letter", self.letter)
        r.add_post("/api/agencies/{id}/accounts", self.create_account)

    @requires("agency")
    async def list_tickets(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.tickets(Actor.of(request["principal"])))

    @requires("agency")
    async def answer(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, AnswerIn)
        return web.json_response(await self.inbox.act(Actor.of(request["principal"]), ticket_id, "answer",
                                                      Payload(result=body.result)))

    @requires("agency")
    async def action(self, request: web.Request) -> web.Response:
        """Any action of the profile's workflow open to agencies: reschedule, return, approve..."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, ActionIn)
        payload = body.payload(self.inbox.handling.profile.calendar.timezone)
        return web.json_response(await self.inbox.act(Actor.of(request["principal"]), ticket_id,
                                                      request.match_info["action"], payload))

    @requires("agency", upload=True)
    async def attach(self, request: web.Request) -> web.Response:
        """multipart/form-data: `files` (up to 5; photos, video, audio or PDF) and `public` ("1":
        shown with the published result)."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        fields, uploads = await read_form(request)
        return web.json_response(await self.inbox.attach(Actor.of(request["principal"]), ticket_id, uploads,
                                                         public=fields.get("public") in ("1", "true", "on")))

    @requires("agency")
    async def download(self, request: web.Request) -> web.StreamResponse:
        a, path = await self.inbox.file(Actor.of(request["principal"]), path_id(request, "id", "Không có phiếu này"),
                                        path_id(request, "file", "Không có tệp này"))
        return send_file(a, path)

    @requires("agency")
    async def ask(self, request: web.Request) -> web.Response:
        """Ask another agency for its part of this ticket (where the workflow has coordination)."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, CoordinationIn)
        return web.json_response(await self.inbox.ask(Actor.of(request["principal"]), ticket_id, body.agency_id,
                                                      body.question), status=201)

    @requires("agency")
    async def asked(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.asked(Actor.of(request["principal"])))

    @requires("agency")
    async def answer_asked(self, request: web.Request) -> web.Response:
        request_id = path_id(request, "id", "Không có đề nghị phối hợp này")
        body = await parse_body(request, CoordinationAnswerIn)
        return web.json_response(await self.inbox.answer_asked(Actor.of(request["principal"]), request_id,
                                                               body.answer))

    @requires("agency")
    async def partners(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.partners(Actor.of(request["principal"])))

    @requires("agency")
    async def letter(self, request: web.Request) -> web.Response:
        """The result notice on the province's template (where the profile has one), printable."""
        return send_document(await self.inbox.letter(Actor.of(request["principal"]),
                                                     path_id(request, "id", "Không có phiếu này")))

    @requires("admin")
    async def create_account(self, request: web.Request) -> web.Response:
        found = await self.directory.get(path_id(request, "id", "Không có cơ quan này"))
        if found is None:
            return error(404, "Không có cơ quan này")
        body = await parse_body(request, AgencyAccountIn)
        problem = policy_problem(body.username, body.password)
        if problem:
            return error(400, problem)
        if await self.accounts.user_exists(body.username):
            return error(409, "Tên đăng nhập đã có")
        await self.accounts.create_user(body.username, body.full_name, "agency", body.password,
                                        agency_id=found[0].id, agency_leader=body.leader)
        return web.json_response({"username": body.username, "agency_id": found[0].id, "leader": body.leader},
                                 status=201)

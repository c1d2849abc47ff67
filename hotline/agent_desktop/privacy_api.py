"""HTTP routes for personal data: the audit log of who read what (supervisors, administrators,
the office), and citizens' requests to see or erase their data, which the provincial office
files, carries out once, or refuses with the reason."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.agent_desktop.accounts import Accounts
from hotline.errors import Refused
from hotline.phones import vietnamese_callable
from hotline.privacy.audit import PersonalDataAudit
from hotline.privacy.requests import DataRequests
from hotline.security.clients import client_address
from hotline.web.attachments import send_document
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body, required_text

NO_REQUEST = "Không có yêu cầu này"


class DataRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["access", "erasure"]
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    # A Zalo or Messenger user id, as the conversation shows it (the citizen's own account there).
    platform_id: str | None = Field(None, max_length=100, pattern=r"^[0-9A-Za-z_.\-]{6,100}$")
    note: str = Field(..., min_length=1, max_length=2000)  # how the request came, how identity was checked

    _note = field_validator("note")(required_text)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        number = vietnamese_callable(v)
        if number is None:
            raise ValueError("không phải số điện thoại Việt Nam")
        return number

    @model_validator(mode="after")
    def _someone(self) -> "DataRequestIn":
        if not self.phone and not self.email and not self.platform_id:
            raise ValueError("cần số điện thoại, thư điện tử hoặc tài khoản Zalo/Facebook của người yêu cầu")
        return self


class CarryOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: Literal[True]  # erasure cannot be undone: the desktop asks first


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., min_length=1, max_length=2000)

    _reason = field_validator("reason")(required_text)


class PrivacyApi(Resource):
    def __init__(self, accounts: Accounts, audit: PersonalDataAudit, requests: DataRequests):
        self.accounts = accounts  # the session and role check of every route
        self.audit = audit
        self.requests = requests

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/audit", self.log, "Who read which ticket's personal data, files or documents, and "
                  "who listened to which recording (ticket = a ticket code, user, recording), newest first"),
            Route("GET", "/api/data-requests", self.listing, "Citizens' requests to see or erase their data, newest "
                  "first; with phone, email or platform_id: only the requests made under it (matched by keyed "
                  "hashes, also after an erasure)", extra=("400",)),
            Route("POST", "/api/data-requests", self.file, "File a citizen's request (phone, e-mail or a Zalo or "
                  "Messenger user id)",
                  DataRequestIn, ok="201"),
            Route("POST", "/api/data-requests/{id}/carry-out", self.carry_out,
                  "Carry a request out, once: an access request's dossier; an erasure everywhere",
                  CarryOutIn, extra=("404", "409")),
            Route("POST", "/api/data-requests/{id}/refuse", self.refuse, "Refuse a request, with the reason",
                  RefuseIn, extra=("404", "409")),
            Route("GET", "/api/data-requests/{id}/dossier", self.dossier,
                  "What is held for a carried-out access request, as a printable HTML page", extra=("404", "409")),
        ]

    @requires("supervisor", "admin", "office")
    async def log(self, request: web.Request) -> web.Response:
        q = request.query
        recording = q.get("recording", "")
        return web.json_response(await self.audit.log(
            ticket_code=q.get("ticket", "")[:16] or None, username=q.get("user", "")[:60] or None,
            recording_id=int(recording) if recording.isdigit() and len(recording) < 10 else None))

    @requires("office", "admin")
    async def listing(self, request: web.Request) -> web.Response:
        q = request.query
        phone = q.get("phone", "")[:32].strip()
        number = vietnamese_callable(phone) if phone else None
        if phone and number is None:
            raise Refused(400, "Số điện thoại không hợp lệ")
        return web.json_response(await self.requests.listing(
            phone=number, email=q.get("email", "")[:200].strip().lower() or None,
            platform_id=q.get("platform_id", "")[:100].strip() or None))

    @requires("office")
    async def file(self, request: web.Request) -> web.Response:
        body = await parse_body(request, DataRequestIn)
        return web.json_response(await self.requests.file(principal(request), body.kind, body.phone,
                                                          body.email.lower() if body.email else None, body.note,
                                                          body.platform_id), status=201)

    @requires("office")
    async def carry_out(self, request: web.Request) -> web.Response:
        request_id = path_id(request, "id", NO_REQUEST)
        await parse_body(request, CarryOutIn)
        return web.json_response(await self.requests.carry_out(principal(request), request_id,
                                                               client_address(request)))

    @requires("office")
    async def refuse(self, request: web.Request) -> web.Response:
        request_id = path_id(request, "id", NO_REQUEST)
        body = await parse_body(request, RefuseIn)
        return web.json_response(await self.requests.refuse(principal(request), request_id, body.reason))

    @requires("office")
    async def dossier(self, request: web.Request) -> web.Response:
        html = await self.requests.dossier(principal(request), path_id(request, "id", NO_REQUEST),
                                           client_address(request))
        return send_document(html)

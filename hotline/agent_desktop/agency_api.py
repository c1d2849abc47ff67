"""HTTP routes of the agency inbox: the tickets transferred to an agency, its answers, files,
coordination with other agencies and result letters."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.web.attachments import read_form, send_document, send_file, send_pdf, wants_signed
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import ActionIn, parse_body, required_text
from hotline.agent_desktop.office_api import ExplanationIn
from hotline.office.letters import OfficeLetters
from hotline.privacy.audit import PersonalDataAudit
from hotline.security.clients import client_address
from hotline.ticketing.views import HIDDEN
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


UPLOAD = {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                                         "public": {"type": "string"}}}


class AgencyApi(Resource):
    def __init__(self, accounts: Accounts, inbox: AgencyInbox, directory: AgencyDirectory,
                 letters: OfficeLetters | None = None):
        self.accounts = accounts
        self.inbox = inbox
        self.directory = directory
        self.letters = letters
        self.audit = PersonalDataAudit(inbox.sessions)  # reads of reporter data, files, documents

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/agency/tickets", self.list_tickets,
                  "The agency's inbox: tickets transferred to it, with deadlines"),
            Route("POST", "/api/agency/tickets/{id}/answer", self.answer, "Record the agency's answer", AnswerIn),
            Route("POST", "/api/agency/tickets/{id}/actions/{action}", self.action,
                  "An agency's workflow action (answer, reschedule, return, approve, approve_edited, send_back)",
                  ActionIn, param_types={"action": "string"}),
            Route("POST", "/api/agency/tickets/{id}/attachments", self.attach,
                  "Attach files to the agency's answer (multipart/form-data: files, up to 5 photos, videos, audio "
                  "or PDF; public=1 to publish them with the result); needs the header X-Hotline-Upload: 1",
                  UPLOAD, body_type="multipart/form-data"),
            Route("GET", "/api/agency/tickets/{id}/attachments/{file}", self.download,
                  "Download a file of one of the agency's tickets"),
            Route("POST", "/api/agency/tickets/{id}/coordination", self.ask,
                  "Ask another agency to coordinate on this ticket (where the workflow has coordination); it "
                  "answers within the profile's limit", CoordinationIn, ok="201"),
            Route("GET", "/api/agency/coordination", self.asked,
                  "What other agencies asked this one to coordinate on (ticket code and content, no reporter data)"),
            Route("POST", "/api/agency/coordination/{id}/answer", self.answer_asked,
                  "Answer a coordination request, once", CoordinationAnswerIn),
            Route("GET", "/api/agency/partners", self.partners, "The other active agencies (to ask for coordination)"),
            Route("GET", "/api/agency/tickets/{id}/letter", self.letter,
                  "The result notice on the province's template (Quảng Ninh appendix II), an HTML page to print"),
            Route("GET", "/api/agency/tickets/{id}/transfer-document", self.transfer_document,
                  "The printed transfer document of one of the agency's tickets (Thanh Hóa Art. 12.4)",
                  extra=("409",)),
            Route("GET", "/api/agency/tickets/{id}/letter/pdf", self.letter_pdf,
                  "The result notice as PDF; ?signed=1: signed with the agency's certificate (PAdES; 409 when none "
                  "is configured), recorded on the ticket", extra=("409", "422", "503")),
            Route("GET", "/api/agency/tickets/{id}/transfer-document/pdf", self.transfer_document_pdf,
                  "The transfer document as PDF; ?signed=1: signed with the hotline's certificate (409 when none "
                  "is configured), recorded on the ticket", extra=("409", "422", "503")),
            Route("GET", "/api/agency/level1-answers", self.level1_answers,
                  "The operators' direct answers of the last month in the agency's fields, for its head (where "
                  "the profile says so: Đồng Nai CV 1407 item 4)", extra=("404",)),
            Route("GET", "/api/agency/office-letters", self.office_letters,
                  "The provincial office's letters to this agency (reminders, requests for explanation)"),
            Route("GET", "/api/agency/office-letters/{id}", self.office_letter, "One of them, a printable page"),
            Route("GET", "/api/agency/office-letters/{id}/pdf", self.office_letter_pdf,
                  "One of them as PDF; ?signed=1: signed with the office's certificate (409 when none is configured)",
                  extra=("409", "422", "503")),
            Route("POST", "/api/agency/office-letters/{id}/answer", self.explain,
                  "The agency's explanation of a request for explanation, once", ExplanationIn),
        ]

    @requires("agency")
    async def list_tickets(self, request: web.Request) -> web.Response:
        items = await self.inbox.tickets(Actor.of(principal(request)))
        await self.audit.record(principal(request), [i["id"] for i in items if i["reporter_name"] != HIDDEN
                                                     or i["caller_phone"] != HIDDEN], "read", client_address(request),
                                "agency inbox")
        return web.json_response(items)

    @requires("agency")
    async def answer(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, AnswerIn)
        return web.json_response(await self.inbox.act(Actor.of(principal(request)), ticket_id, "answer",
                                                      Payload(result=body.result)))

    @requires("agency")
    async def action(self, request: web.Request) -> web.Response:
        """Any action of the profile's workflow open to agencies: reschedule, return, approve..."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, ActionIn)
        payload = body.payload(self.inbox.handling.profile.calendar.timezone)
        return web.json_response(await self.inbox.act(Actor.of(principal(request)), ticket_id,
                                                      request.match_info["action"], payload))

    @requires("agency", upload=True)
    async def attach(self, request: web.Request) -> web.Response:
        """multipart/form-data: `files` (up to 5; photos, video, audio or PDF) and `public` ("1":
        shown with the published result)."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        fields, uploads = await read_form(request)
        return web.json_response(await self.inbox.attach(Actor.of(principal(request)), ticket_id, uploads,
                                                         public=fields.get("public") in ("1", "true", "on")))

    @requires("agency")
    async def download(self, request: web.Request) -> web.StreamResponse:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        a, path = await self.inbox.file(Actor.of(principal(request)), ticket_id, path_id(request, "file", "Không có tệp này"))
        await self.audit.record(principal(request), [ticket_id], "file", client_address(request), a.filename)
        return send_file(a, path)

    @requires("agency")
    async def ask(self, request: web.Request) -> web.Response:
        """Ask another agency for its part of this ticket (where the workflow has coordination)."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        body = await parse_body(request, CoordinationIn)
        return web.json_response(await self.inbox.ask(Actor.of(principal(request)), ticket_id, body.agency_id,
                                                      body.question), status=201)

    @requires("agency")
    async def asked(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.asked(Actor.of(principal(request))))

    @requires("agency")
    async def answer_asked(self, request: web.Request) -> web.Response:
        request_id = path_id(request, "id", "Không có đề nghị phối hợp này")
        body = await parse_body(request, CoordinationAnswerIn)
        return web.json_response(await self.inbox.answer_asked(Actor.of(principal(request)), request_id,
                                                               body.answer))

    @requires("agency")
    async def partners(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.partners(Actor.of(principal(request))))

    async def _letter(self, request: web.Request) -> tuple[int, str]:
        """The result notice on the province's template (where the profile has one), read audited."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        html = await self.inbox.letter(Actor.of(principal(request)), ticket_id)
        await self.audit.record(principal(request), [ticket_id], "document", client_address(request), "result letter")
        return ticket_id, html

    @requires("agency")
    async def letter(self, request: web.Request) -> web.Response:
        return send_document((await self._letter(request))[1])

    @requires("agency")
    async def letter_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        ticket_id, html = await self._letter(request)
        handling = self.inbox.handling
        t = await self.inbox.own_ticket(Actor.of(principal(request)), ticket_id)
        pdf = await handling.documents.copy(html, signed, "result_letter", lambda: handling.letters.issuer(t),
                                            ticket_id, principal(request).username)
        return send_pdf(pdf, f"thong-bao-ket-qua-{t.code}.pdf")

    @requires("agency")
    async def office_letters(self, request: web.Request) -> web.Response:
        return web.json_response(await self.letters.listing(agency_id=principal(request).agency_id))

    @requires("agency")
    async def office_letter(self, request: web.Request) -> web.Response:
        return send_document(await self.letters.render(path_id(request, "id", "Không có văn bản này"),
                                                       agency_id=principal(request).agency_id))

    @requires("agency")
    async def office_letter_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        letter_id = path_id(request, "id", "Không có văn bản này")
        html = await self.letters.render(letter_id, agency_id=principal(request).agency_id)
        docs = self.inbox.handling.documents
        pdf = await docs.copy(html, signed, "office_letter", self.letters.issuer, await self.letters.ticket_of(letter_id),
                              principal(request).username)
        return send_pdf(pdf, f"van-ban-{letter_id}.pdf")

    @requires("agency")
    async def explain(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ExplanationIn)
        p = principal(request)
        return web.json_response(await self.letters.answer(path_id(request, "id", "Không có văn bản này"),
                                                           p.agency_id, p.username, body.answer))

    async def _transfer_document(self, request: web.Request) -> tuple[int, str]:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        html = await self.inbox.transfer_document(Actor.of(principal(request)), ticket_id)
        await self.audit.record(principal(request), [ticket_id], "document", client_address(request),
                                "transfer document")
        return ticket_id, html

    @requires("agency")
    async def transfer_document(self, request: web.Request) -> web.Response:
        return send_document((await self._transfer_document(request))[1])

    @requires("agency")
    async def transfer_document_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        ticket_id, html = await self._transfer_document(request)
        handling = self.inbox.handling
        t = await self.inbox.own_ticket(Actor.of(principal(request)), ticket_id)
        pdf = await handling.documents.copy(html, signed, "transfer_document", handling.transfer_documents.issuer,
                                            ticket_id, principal(request).username)
        return send_pdf(pdf, f"phieu-chuyen-{t.code}.pdf")

    @requires("agency")
    async def level1_answers(self, request: web.Request) -> web.Response:
        return web.json_response(await self.inbox.level1_answers(Actor.of(principal(request))))

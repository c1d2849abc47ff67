"""HTTP routes of the hotline's staff on tickets: a ticket with its history and the actions the
workflow allows now, taking an action, reports from other channels, and duplicates."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.web.attachments import read_form, send_document, send_file, send_pdf, wants_signed
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import ActionIn, DuplicateIn, NewTicketIn, TicketEdit, parse_body, refuse_out_of_scope
from hotline.errors import Refused
from hotline.knowledge.articles import KnowledgeBase
from hotline.privacy.audit import PersonalDataAudit
from hotline.security.clients import client_address
from hotline.ticketing.attachments import Attachments, describe
from hotline.ticketing.duplicates import Duplicates
from hotline.ticketing.handling import Actor, TicketHandling
from hotline.ticketing.scans import Scans
from hotline.store.tickets import Attachment, Ticket, history
from hotline.ticketing.store import TicketStore
from hotline.ticketing import secrecy, views

STAFF = ("operator", "supervisor", "admin")
SCAN_ROLES = (*STAFF, "office")  # who keeps and searches scanned letters
SCAN_UPLOAD = {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string",
                                                                                      "format": "binary"}}}}
UPLOAD = {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                                         "public": {"type": "string"}}}


class TicketsApi(Resource):
    def __init__(self, accounts: Accounts, store: TicketStore, handling: TicketHandling, files: Attachments,
                 kb: KnowledgeBase | None = None, scans: Scans | None = None):
        self.accounts = accounts
        self.scans = scans or Scans(store.sessions, files)
        self.kb = kb
        self.store = store
        self.handling = handling
        self.files = files
        self.duplicates = Duplicates(store.sessions, citizen_sms_per_day=handling.notices.citizen_sms_per_day)
        self.audit = PersonalDataAudit(store.sessions)  # reads of reporter data, files, documents

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/tickets/search", self.search,
                  "Tickets by code, content or the recognised text of their scanned letters (q: the words, "
                  "diacritics optional), with a snippet"),
            Route("POST", "/api/tickets/{id}/scans", self.add_scan,
                  "Keep the scan of a paper or portal letter on the ticket (multipart/form-data: files, images or "
                  "PDF); its text is recognised in the background; needs the header X-Hotline-Upload: 1",
                  SCAN_UPLOAD, body_type="multipart/form-data", ok="201"),
            Route("POST", "/api/tickets/{id}/attachments", self.attach,
                  "Attach site photos or documents to a ticket the hotline holds (the operating unit's own "
                  "handling, e.g. the progress of an incident it leads: HCMC Art. 7.1e, 7.2b; multipart/form-data: "
                  "files, up to 5; public=1 to show them on the citizen's page and with the result); needs the header "
                  "X-Hotline-Upload: 1", UPLOAD, body_type="multipart/form-data", extra=("409",)),
            Route("GET", "/api/tickets", self.waiting,
                  "The hotline's work list: tickets in a step the hotline holds, earliest due first"),
            Route("POST", "/api/tickets", self.create, "Record a report from another channel; it enters the workflow",
                  NewTicketIn, ok="201"),
            Route("GET", "/api/tickets/{id}", self.detail,
                  "A ticket with its step, deadline, history, attachments and the workflow actions allowed now"),
            Route("PUT", "/api/tickets/{id}", self.edit, "Edit (or submit) a ticket; operator: own draft", TicketEdit),
            Route("GET", "/api/calls/{linkedid}/ticket", self.call_ticket, "The draft ticket of a call; operator: own",
                  param_types={"linkedid": "string"}),
            Route("GET", "/api/tickets/{id}/attachments/{file}", self.download,
                  "Download a file of a ticket (citizen's or agency's)"),
            Route("POST", "/api/tickets/{id}/actions/{action}", self.action,
                  "Take a workflow action (transfer, answer_directly, reject, clarify, close...)", ActionIn,
                  param_types={"action": "string"}),
            Route("GET", "/api/tickets/{id}/duplicate-candidates", self.candidates,
                  "Open tickets that may be the same incident, scored"),
            Route("POST", "/api/tickets/{id}/duplicate-of", self.link_duplicate,
                  "Close as a duplicate of an open ticket; the reporter is told by SMS", DuplicateIn),
            Route("GET", "/api/tickets/{id}/transfer-document", self.transfer_document,
                  "The printed transfer document of a transferred ticket (where the profile has one: Thanh Hóa "
                  "Art. 12.4), an HTML page to print", extra=("409",)),
            Route("GET", "/api/tickets/{id}/letter", self.letter,
                  "The result notice on the province's template, an HTML page to print"),
            Route("GET", "/api/tickets/{id}/transfer-document/pdf", self.transfer_document_pdf,
                  "The transfer document as PDF; ?signed=1: signed with the hotline's certificate (PAdES; 409 when "
                  "none is configured), recorded on the ticket", extra=("409", "422", "503")),
            Route("GET", "/api/tickets/{id}/letter/pdf", self.letter_pdf,
                  "The result notice as PDF; ?signed=1: signed with the certificate of the agency that answered (the "
                  "hotline's where it answered itself; 409 when none is configured), recorded on the ticket",
                  extra=("409", "422", "503")),
        ]

    @staticmethod
    def _may_edit(p, ticket) -> bool:
        return p.role in ("supervisor", "admin") or (ticket.operator_id == p.operator_id and ticket.draft)

    @requires(*STAFF)
    async def call_ticket(self, request: web.Request) -> web.Response:
        ticket = await self.store.ticket_for_call(request.match_info["linkedid"][:64])
        if ticket is None:
            raise Refused(404, "Cuộc gọi chưa có phiếu")
        if not self._may_edit(principal(request), ticket):
            raise Refused(403, "Phiếu này không thuộc cuộc gọi của bạn")
        return web.json_response(views.summary(ticket))

    @requires(*STAFF)
    async def edit(self, request: web.Request) -> web.Response:
        ticket_id = path_id(request, "id", "Không có phiếu này")
        ticket = await self.store.ticket(ticket_id)
        if ticket is None:
            raise Refused(404, "Không có phiếu này")
        if not self._may_edit(principal(request), ticket):
            raise Refused(403, "Phiếu này không thuộc cuộc gọi của bạn")
        edit = await parse_body(request, TicketEdit)
        fields = edit.model_dump(exclude_unset=True)
        submit = fields.pop("submit", False)
        refuse_out_of_scope(self.handling.profile.queues, [fields.get("topic")])
        if fields:
            secrecy.refuse_details(self.handling.profile, ticket, "nội dung, thông tin người phản ánh")
        ticket = await self.store.update_ticket(ticket_id, principal(request).username, **fields)
        if submit:  # the ticket enters the workflow: its first deadline, the citizen's receipt
            ticket = await self.store.submit_draft(ticket_id, self.handling, Actor.of(principal(request)))
        return web.json_response(views.summary(ticket))

    def _secret_hidden(self, role: str):
        """A filter that keeps state-secret tickets from roles the profile does not let read them."""
        return None if role in self.handling.profile.state_secret_readers else Ticket.state_secret.is_(False)

    async def _readable(self, request: web.Request) -> int:
        """The URL's ticket id, once the ticket exists and the user's role may read it (state-secret
        tickets only for the roles the profile names)."""
        ticket_id = path_id(request, "id", "Không có phiếu này")
        async with self.store.sessions() as s:
            secret = await s.scalar(select(Ticket.state_secret).where(Ticket.id == ticket_id))
        if secret is None:
            raise Refused(404, "Không có phiếu này")
        if secret and principal(request).role not in self.handling.profile.state_secret_readers:
            raise Refused(403, "Phiếu có nội dung bí mật nhà nước: vai trò của bạn không được xem")
        return ticket_id

    async def _view(self, ticket_id: int, actor: Actor) -> dict:
        async with self.store.sessions() as s:
            t = await s.get(Ticket, ticket_id)
            if t is None:
                raise Refused(404, "Không có phiếu này")
            events = await history(s, t.id)
            files = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
        wf = self.handling.workflow
        return views.detail(t, wf.step(t.handling_stage or wf.initial), events, [describe(f) for f in files],
                      await self.handling.coordination.of_ticket(t.id),
                      self.handling.offered(t, actor) if not t.draft else [],
                      self.handling.transfer_documents.available(t))

    @requires(*STAFF)
    async def detail(self, request: web.Request) -> web.Response:
        actor = Actor.of(principal(request))
        ticket_id = await self._readable(request)
        view = await self._view(ticket_id, actor)
        await self.audit.record(principal(request), [ticket_id], "read", client_address(request))
        return web.json_response(view)

    @requires(*STAFF)
    async def waiting(self, request: web.Request) -> web.Response:
        """The hotline's work list: submitted tickets in a step the hotline holds (to classify,
        transfer or answer; returned by an agency; a citizen's clarification), earliest due first."""
        wf = self.handling.workflow
        stages = [n for n, st in wf.config.steps.items() if st.holder == "hotline"]
        now = datetime.now(timezone.utc)
        async with self.store.sessions() as s:
            q = select(Ticket).where(Ticket.handling_stage.in_(stages), Ticket.draft.is_(False))
            hidden = self._secret_hidden(principal(request).role)
            if hidden is not None:
                q = q.where(hidden)
            rows = list(await s.scalars(q.order_by(Ticket.due_at.is_(None), Ticket.due_at, Ticket.id).limit(200)))
        return web.json_response([views.work_item(t, wf.step(t.handling_stage), now) for t in rows])

    @requires(*STAFF)
    async def download(self, request: web.Request) -> web.StreamResponse:
        ticket_id = await self._readable(request)
        a, path = await self.files.get(ticket_id, path_id(request, "file", "Không có tệp này"))
        await self.audit.record(principal(request), [ticket_id], "file", client_address(request), a.filename)
        return send_file(a, path)

    @requires(*STAFF)
    async def action(self, request: web.Request) -> web.Response:
        actor = Actor.of(principal(request))
        ticket_id = await self._readable(request)
        body = await parse_body(request, ActionIn)
        payload = body.payload(self.handling.profile.calendar.timezone)
        if body.article_version is not None:  # the answer came from the knowledge base
            if self.kb is None or not body.result:
                raise Refused(422, "Chỉ trích dẫn bài hỏi đáp khi trả lời")
            payload.cites = await self.kb.citable(body.article_version)
        await self.handling.act(ticket_id, request.match_info["action"], actor, payload)
        return web.json_response(await self._view(ticket_id, actor))

    @requires(*STAFF)
    async def create(self, request: web.Request) -> web.Response:
        body = await parse_body(request, NewTicketIn)
        fields = body.model_dump(exclude_unset=True, exclude={"submit"})
        if not fields.get("content"):
            raise Refused(400, "Nội dung: không được để trống")
        refuse_out_of_scope(self.handling.profile.queues, [fields.get("topic")])
        actor = Actor.of(principal(request))
        t = await self.store.receive(self.handling, actor, operator_id=principal(request).operator_id, **fields)
        return web.json_response(await self._view(t.id, actor), status=201)

    @requires(*STAFF)
    async def candidates(self, request: web.Request) -> web.Response:
        readers = self.handling.profile.state_secret_readers
        candidates = await self.duplicates.candidates(await self._readable(request),
                                                      include_secret=principal(request).role in readers)
        return web.json_response(candidates)

    async def _letter(self, request: web.Request) -> tuple[Ticket, str]:
        """The result notice on the province's template (where the profile has one), read audited."""
        ticket_id = await self._readable(request)
        async with self.store.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        if t is None or t.draft:
            raise Refused(404, "Không có phiếu này")
        html = await self.handling.letters.render(t)
        await self.audit.record(principal(request), [ticket_id], "document", client_address(request), "result letter")
        return t, html

    async def _transfer_document(self, request: web.Request) -> tuple[Ticket, str]:
        ticket_id = await self._readable(request)
        async with self.store.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        html = await self.handling.transfer_documents.render(t)
        await self.audit.record(principal(request), [ticket_id], "document", client_address(request),
                                "transfer document")
        return t, html

    @requires(*STAFF)
    async def letter(self, request: web.Request) -> web.Response:
        return send_document((await self._letter(request))[1])

    @requires(*STAFF)
    async def transfer_document(self, request: web.Request) -> web.Response:
        return send_document((await self._transfer_document(request))[1])

    @requires(*STAFF)
    async def letter_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        t, html = await self._letter(request)
        docs = self.handling.documents
        pdf = await docs.copy(html, signed, "result_letter", lambda: self.handling.letters.issuer(t), t.id,
                              principal(request).username)
        return send_pdf(pdf, f"thong-bao-ket-qua-{t.code}.pdf")

    @requires(*STAFF)
    async def transfer_document_pdf(self, request: web.Request) -> web.Response:
        signed = wants_signed(request.query.get("signed"))
        t, html = await self._transfer_document(request)
        docs = self.handling.documents
        pdf = await docs.copy(html, signed, "transfer_document", self.handling.transfer_documents.issuer, t.id,
                              principal(request).username)
        return send_pdf(pdf, f"phieu-chuyen-{t.code}.pdf")

    @requires(*STAFF)
    async def link_duplicate(self, request: web.Request) -> web.Response:
        ticket_id = await self._readable(request)
        body = await parse_body(request, DuplicateIn)
        await self.duplicates.link(ticket_id, body.code, principal(request).username)
        self.handling.on_sms()
        return web.json_response(await self._view(ticket_id, Actor.of(principal(request))))

    @requires(*SCAN_ROLES, upload=True)
    async def add_scan(self, request: web.Request) -> web.Response:
        ticket_id = await self._readable(request)
        async with self.store.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        secrecy.refuse_details(self.handling.profile, t, "bản quét văn bản")
        _, uploads = await read_form(request)
        rows = await self.scans.add(ticket_id, uploads, principal(request).username)
        return web.json_response([describe(a) for a in rows], status=201)

    @requires(*STAFF, upload=True)
    async def attach(self, request: web.Request) -> web.Response:
        """multipart/form-data: `files` (up to 5; photos, video, audio or PDF) and `public` ("1":
        shown on the citizen's page and with the published result). A ticket at a unit gets its
        files from that unit, in its inbox."""
        actor = Actor.of(principal(request))
        ticket_id = await self._readable(request)
        async with self.store.sessions() as s:
            t = await s.get(Ticket, ticket_id)
        wf = self.handling.workflow
        if t.draft or wf.step(t.handling_stage or wf.initial).holder != "hotline":
            raise Refused(409, "Chỉ đính kèm vào phiếu Tổng đài đang giữ; phiếu ở đơn vị nào do đơn vị đó đính kèm")
        secrecy.refuse_details(self.handling.profile, t, "tệp đính kèm")
        fields, uploads = await read_form(request)
        if not uploads:
            raise Refused(422, "Chưa chọn tệp")
        await self.files.save(t.id, self.files.check(uploads, documents=True), actor.name, datetime.now(timezone.utc),
                              public=fields.get("public") in ("1", "true", "on") and not (t.confidential or t.state_secret))
        return web.json_response(await self._view(ticket_id, actor))

    @requires(*SCAN_ROLES)
    async def search(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "")[:200]
        p = principal(request)
        hits = await self.scans.search(q, p.role, self.handling.profile.state_secret_readers)
        # What the snippets show of a report (its content, a citizen's letter) is a read of personal data.
        await self.audit.record(p, [h["id"] for h in hits if h["snippet"]], "read", client_address(request))
        return web.json_response(hits)

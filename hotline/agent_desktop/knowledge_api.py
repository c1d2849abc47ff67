"""HTTP routes of the knowledge base: search and suggestions for everyone at work (for a call, also
from what its caller said: the operator on the call and supervisors), drafting and importing for
agencies (their fields) and the hotline, approval for supervisors."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.agent_desktop.accounts import Accounts
from hotline.errors import Refused
from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase, version_view
from hotline.knowledge.assist import CallAssist, Heard
from hotline.knowledge.importer import ArticleImport
from hotline.recordings.live import LiveCaptions
from hotline.spreadsheets import UnreadableFile
from hotline.web.attachments import read_form
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body

READERS = ("operator", "supervisor", "admin", "agency")
EDITORS = ("agency", "supervisor", "admin")
REVIEWERS = ("supervisor", "admin")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                           "field": {"type": "string"}, "agency_id": {"type": "string"}}}


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str | None = Field(None, max_length=40)
    text: str = Field("", max_length=20000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000)


def editor_of(request: web.Request) -> Editor:
    p = principal(request)
    return Editor(p.username, p.role, p.agency_id)


class KnowledgeApi(Resource):
    def __init__(self, accounts: Accounts, kb: KnowledgeBase, live: LiveCaptions | None = None):
        self.accounts = accounts
        self.kb = kb
        self.importer = ArticleImport(kb)

        def heard(linkedid: str) -> Heard | None:
            said = live.caller_said(linkedid) if live else None
            return Heard(*said) if said else None

        self.assist = CallAssist(kb.sessions, kb, heard)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/knowledge/search", self.search,
                  "Approved articles matching q (diacritics and typing mistakes forgiven), best first; field narrows"),
            Route("POST", "/api/knowledge/suggest", self.suggest,
                  "Articles for a call: from the ticket's words, the call's field first", SuggestIn),
            Route("GET", "/api/knowledge/assist/{linkedid}", self.call_assist,
                  "For a call, from what its caller said (live captions during the call, then the after-call "
                  "transcript): the field it is about when one clearly leads, and articles; field = the call's "
                  "own; the operator on the call, supervisors and administrators"),
            Route("GET", "/api/knowledge/scope", self.scope,
                  "The fields this editor may write in, and (for the hotline) the agencies"),
            Route("GET", "/api/knowledge/articles", self.listing,
                  "Articles an editor keeps (an agency's own; all for the hotline), by state or stale=1"),
            Route("POST", "/api/knowledge/articles", self.create, "A new article's first draft", ArticleText,
                  ok="201"),
            Route("GET", "/api/knowledge/articles/{id}", self.article,
                  "An article's approved version; its versions for its agency and the hotline"),
            Route("PUT", "/api/knowledge/articles/{id}", self.update,
                  "A new draft of an article (the open draft updated in place)", ArticleText),
            Route("POST", "/api/knowledge/versions/{id}/submit", self.submit, "Send a draft for approval"),
            Route("POST", "/api/knowledge/versions/{id}/approve", self.approve,
                  "Approve a version: operators and citizens see it from now on", ReviewIn),
            Route("POST", "/api/knowledge/versions/{id}/reject", self.reject,
                  "Send a version back to its author with a note", ReviewIn),
            Route("POST", "/api/knowledge/import", self.import_file,
                  "Drafts from a CSV, XLSX or DOCX file (multipart/form-data: file; field for DOCX; agency_id for "
                  "the hotline); errors name the row and column; needs the header X-Hotline-Upload: 1",
                  IMPORT, body_type="multipart/form-data"),
        ]

    @requires(*READERS)
    async def search(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "")
        field = request.query.get("field") or None
        return web.json_response(await self.kb.search(q, field[:40] if field else None))

    @requires(*READERS)
    async def suggest(self, request: web.Request) -> web.Response:
        body = await parse_body(request, SuggestIn)
        return web.json_response(await self.kb.suggest(body.field, body.text))

    @requires("operator", "supervisor", "admin")
    async def call_assist(self, request: web.Request) -> web.Response:
        linkedid = request.match_info["linkedid"][:64]
        field = request.query.get("field") or None
        p = principal(request)
        return web.json_response(await self.assist.for_call(p.role, p.operator_id, linkedid,
                                                            field[:40] if field else None))

    @requires(*EDITORS)
    async def scope(self, request: web.Request) -> web.Response:
        return web.json_response(await self.kb.scope(editor_of(request)))

    @requires(*EDITORS)
    async def listing(self, request: web.Request) -> web.Response:
        state = request.query.get("state") or None
        if state not in (None, "draft", "submitted", "approved", "rejected", "superseded"):
            raise Refused(422, "Trạng thái không hợp lệ")
        return web.json_response(await self.kb.listing(editor_of(request), state,
                                                       stale=request.query.get("stale") == "1"))

    @requires(*READERS)
    async def article(self, request: web.Request) -> web.Response:
        return web.json_response(await self.kb.article(editor_of(request), path_id(request, "id", "Không có bài này")))

    @requires(*EDITORS)
    async def create(self, request: web.Request) -> web.Response:
        v = await self.kb.save(editor_of(request), await parse_body(request, ArticleText))
        return web.json_response(version_view(v), status=201)

    @requires(*EDITORS)
    async def update(self, request: web.Request) -> web.Response:
        article_id = path_id(request, "id", "Không có bài này")
        v = await self.kb.save(editor_of(request), await parse_body(request, ArticleText), article_id)
        return web.json_response(version_view(v))

    @requires(*EDITORS)
    async def submit(self, request: web.Request) -> web.Response:
        v = await self.kb.submit(editor_of(request), path_id(request, "id", "Không có phiên bản này"))
        return web.json_response(version_view(v))

    async def _review(self, request: web.Request, approve: bool) -> web.Response:
        body = await parse_body(request, ReviewIn)
        v = await self.kb.review(editor_of(request), path_id(request, "id", "Không có phiên bản này"), approve,
                                 body.note)
        return web.json_response(version_view(v))

    @requires(*REVIEWERS)
    async def approve(self, request: web.Request) -> web.Response:
        return await self._review(request, True)

    @requires(*REVIEWERS)
    async def reject(self, request: web.Request) -> web.Response:
        return await self._review(request, False)

    @requires(*EDITORS, upload=True)
    async def import_file(self, request: web.Request) -> web.Response:
        fields, uploads = await read_form(request, "file")
        if len(uploads) != 1:
            raise Refused(422, "Chọn một tệp .csv, .xlsx hoặc .docx")
        if uploads[0].size > MAX_IMPORT_BYTES:
            raise Refused(413, "Tệp quá lớn")
        data = uploads[0].head(MAX_IMPORT_BYTES)
        agency = fields.get("agency_id", "")
        agency_id = int(agency) if agency.isdigit() and len(agency) < 10 else None
        try:
            report = await self.importer.run(editor_of(request), data, uploads[0].filename[:200],
                                             fields.get("field") or None, agency_id)
        except UnreadableFile as exc:
            raise Refused(422, str(exc)) from None
        return web.json_response(report.as_dict())

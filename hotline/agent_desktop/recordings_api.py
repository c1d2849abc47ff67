"""HTTP routes of the recordings (issue #5): find, open with the transcript, stream with Range
requests (seeking), download, lend to an agency, verify, the weekly review and the audit log.
Access rules live in `hotline.recordings.library`; every listen, download and grant is audited."""

from __future__ import annotations

from aiohttp import web

from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.agent_desktop.accounts import Accounts
from hotline.web.validation import GrantIn, VerificationIn, parse_body, query_date
from hotline.recordings.library import NOT_FOUND, Filters, RecordingLibrary
from hotline.privacy.audit import PersonalDataAudit
from hotline.security.clients import client_address

ALL = ("operator", "supervisor", "admin", "agency")


class RecordingsApi(Resource):
    def __init__(self, accounts: Accounts, library: RecordingLibrary):
        self.accounts = accounts
        self.library = library
        self.reads = PersonalDataAudit(library.sessions)  # the log of listens and reads

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/recordings", self.search, "Recordings the user may reach (from, to, operator, "
                  "agency_id, topic, code, phone, q = words of the transcript, status); operator: own calls, "
                  "agency: granted"),
            Route("GET", "/api/recordings/review", self.review, "The week's calls and verdicts (week=YYYY-MM-DD)"),
            Route("GET", "/api/recordings/audit", self.audit, "Audit log of listens, downloads, grants, verifications"),
            Route("GET", "/api/recordings/{id}", self.detail, "One recording with its transcript and verifications"),
            Route("GET", "/api/recordings/{id}/audio", self.audio, "Stream (Range requests) or download=1; audited",
                  extra=("206", "416")),
            Route("POST", "/api/recordings/{id}/grants", self.grant,
                  "Lend the recording to an agency for verification", GrantIn, ok="201"),
            Route("DELETE", "/api/recording-grants/{id}", self.revoke, "Revoke a grant"),
            Route("POST", "/api/recordings/{id}/verifications", self.verify, "Record a verification of the answer",
                  VerificationIn, ok="201"),
        ]

    @requires(*ALL)
    async def search(self, request: web.Request) -> web.Response:
        q = request.query
        agency = q.get("agency_id", "")
        f = Filters(date_from=query_date(q.get("from"), "from"), date_to=query_date(q.get("to"), "to"),
                    operator=q.get("operator", "")[:40] or None,
                    agency_id=int(agency) if agency.isdigit() and len(agency) < 10 else None,
                    topic=q.get("topic", "")[:40] or None, code=q.get("code", "")[:16] or None,
                    phone=q.get("phone", "")[:32] or None, words=q.get("q", "")[:200] or None,
                    status=q.get("status", "")[:10] or None)
        return web.json_response(await self.library.search(principal(request), f))

    @requires(*ALL)
    async def detail(self, request: web.Request) -> web.Response:
        return web.json_response(await self.library.detail(principal(request), path_id(request, "id", NOT_FOUND)))

    @requires(*ALL)
    async def audio(self, request: web.Request) -> web.StreamResponse:
        """The audio, with Range support (the browser seeks with it). Audited once per playback
        (whatever byte it starts from) and per download (`?download=1`)."""
        download = request.query.get("download") == "1"
        path, mime = await self.library.audio(principal(request), path_id(request, "id", NOT_FOUND),
                                              "download" if download else "listen", client_address(request),
                                              request.headers.get("Range", "")[:100])
        headers = {"Content-Type": mime, "Cache-Control": "private, no-store"}
        if download:
            headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
        return web.FileResponse(path, headers=headers)

    @requires("supervisor", "admin")
    async def grant(self, request: web.Request) -> web.Response:
        body = await parse_body(request, GrantIn)
        out = await self.library.grant(principal(request), path_id(request, "id", NOT_FOUND), body.agency_id,
                                       body.note.strip(), client_address(request))
        return web.json_response(out, status=201)

    @requires("supervisor", "admin")
    async def revoke(self, request: web.Request) -> web.Response:
        await self.library.revoke(principal(request), path_id(request, "id", "Không có quyền nghe này"),
                                  client_address(request))
        return web.json_response({"revoked": True})

    @requires("supervisor", "admin")
    async def verify(self, request: web.Request) -> web.Response:
        body = await parse_body(request, VerificationIn)
        out = await self.library.verify(principal(request), path_id(request, "id", NOT_FOUND), body.verdict,
                                        body.comment.strip(), client_address(request))
        return web.json_response(out, status=201)

    @requires("supervisor", "admin")
    async def review(self, request: web.Request) -> web.Response:
        day = query_date(request.query.get("week"), "week") or self.library.today()
        return web.json_response(await self.library.weekly_review(principal(request), day))

    @requires("supervisor", "admin")
    async def audit(self, request: web.Request) -> web.Response:
        rid = request.query.get("recording_id", "")
        return web.json_response(await self.reads.log(
            recording_id=int(rid) if rid.isdigit() and len(rid) < 10 else None))

"""HTTP routes of the scorecard (issue #30 item 5): the week's sample of each operator's calls, a
sampled call with its recording, transcript and automatic suggestions, the supervisor's score, an
operator's own reviews and the results per operator and per criterion. Roles as the recordings':
supervisors and administrators score; an operator reads only their own reviews."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.agent_desktop.accounts import Accounts
from hotline.errors import Refused
from hotline.recordings.library import RecordingLibrary
from hotline.scorecards.service import NOT_FOUND, Scorecards
from hotline.security.clients import client_address
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body, query_date

STAFF = ("supervisor", "admin")


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # criterion id → met (true), not met (false) or does not apply (null); every criterion marked
    marks: dict[str, bool | None] = Field(..., max_length=30)
    comment: str = Field("", max_length=5000)


class ScorecardsApi(Resource):
    def __init__(self, accounts: Accounts, scorecards: Scorecards, library: RecordingLibrary):
        self.accounts = accounts
        self.scorecards = scorecards
        self.library = library

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/scorecards/week", self.week,
                  "The week's random sample of each operator's calls (week=YYYY-MM-DD, any day of it), drawn once "
                  "and kept, with automatic suggestions and scores", extra=("404", "422")),
            Route("GET", "/api/scorecards/samples/{id}", self.open,
                  "A sampled call with its recording, transcript, suggestions and scores (transcript read audited)"),
            Route("POST", "/api/scorecards/samples/{id}/reviews", self.score,
                  "Score a sampled call: every criterion met, not met or null (does not apply)", ScoreIn, ok="201"),
            Route("GET", "/api/scorecards/mine", self.mine, "The operator's own scored calls"),
            Route("GET", "/api/reports/scorecards", self.report,
                  "Scorecard results per operator and per criterion (from, to: any days of the first and last weeks)",
                  extra=("404", "422")),
        ]

    @requires(*STAFF)
    async def week(self, request: web.Request) -> web.Response:
        day = query_date(request.query.get("week"), "week", 422) or self.scorecards.today()
        return web.json_response(await self.scorecards.week(day))

    @requires(*STAFF)
    async def open(self, request: web.Request) -> web.Response:
        return web.json_response(await self.scorecards.open(
            principal(request), path_id(request, "id", NOT_FOUND), self.library, client_address(request)))

    @requires(*STAFF)
    async def score(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ScoreIn)
        out = await self.scorecards.score(principal(request), path_id(request, "id", NOT_FOUND), body.marks,
                                          body.comment, client_address(request))
        return web.json_response(out, status=201)

    @requires("operator")
    async def mine(self, request: web.Request) -> web.Response:
        p = principal(request)
        return web.json_response(await self.scorecards.mine(p.operator_id) if p.operator_id else [])

    @requires(*STAFF)
    async def report(self, request: web.Request) -> web.Response:
        today = self.scorecards.today()
        date_to = query_date(request.query.get("to"), "to", 422) or today
        date_from = query_date(request.query.get("from"), "from", 422) or date_to - timedelta(weeks=4)
        if date_from > date_to:
            raise Refused(422, "from: ngày bắt đầu sau ngày kết thúc")
        return web.json_response(await self.scorecards.report(date_from, date_to))

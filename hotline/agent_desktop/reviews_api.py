"""HTTP routes of the weekly review of written answers (Đồng Nai CV 1407): the reviewers
(supervisors, administrators, the provincial office) read the week's answers and record verdicts;
an agency reads the findings against its answers and says what it did, once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.office_api import ExplanationIn
from hotline.errors import Refused
from hotline.office.reviews import AnswerReviews
from hotline.recordings.library import VERDICTS
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body

REVIEWERS = ("supervisor", "admin", "office")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    verdict: str = Field(..., pattern="^(" + "|".join(VERDICTS) + ")$")
    comment: str = Field("", max_length=5000)


class ActionTakenIn(ExplanationIn):
    """What the agency did about a finding (one text, as an explanation is)."""


class ReviewsApi(Resource):
    def __init__(self, accounts: Accounts, reviews: AnswerReviews):
        self.accounts = accounts
        self.reviews = reviews

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/reviews/answers", self.week,
                  "The week's written answers (week=YYYY-MM-DD, any day of it) with their latest verdicts"),
            Route("POST", "/api/reviews/answers/{id}", self.review,
                  "Record a verdict on a ticket's answer; a finding against an agency's answer is sent to it with "
                  "the profile's deadline to act", ReviewIn, ok="201"),
            Route("GET", "/api/agency/reviews", self.findings, "Review findings against this agency's answers"),
            Route("POST", "/api/agency/reviews/{id}/respond", self.respond,
                  "What the agency did about a finding, once", ActionTakenIn),
        ]

    @requires(*REVIEWERS)
    async def week(self, request: web.Request) -> web.Response:
        value = request.query.get("week")
        try:
            day = date.fromisoformat(value[:10]) if value else \
                datetime.now(ZoneInfo(self.reviews.profile.calendar.timezone)).date()
        except ValueError:
            raise Refused(422, "Ngày phải có dạng YYYY-MM-DD") from None
        return web.json_response(await self.reviews.week(day))

    @requires(*REVIEWERS)
    async def review(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ReviewIn)
        return web.json_response(await self.reviews.review(path_id(request, "id", "Không có câu trả lời này"),
                                                           body.verdict, body.comment, principal(request).username),
                                 status=201)

    @requires("agency")
    async def findings(self, request: web.Request) -> web.Response:
        return web.json_response(await self.reviews.for_agency(principal(request).agency_id))

    @requires("agency")
    async def respond(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ActionTakenIn)
        p = principal(request)
        return web.json_response(await self.reviews.respond(path_id(request, "id", "Không có kết quả rà soát này"),
                                                            p.agency_id, p.username, body.answer))

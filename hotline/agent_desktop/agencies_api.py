"""HTTP routes of the agency directory (who handles what, and how to reach them), and of the inbox
accounts administrators open for the people of an agency."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.agencies.directory import AgencyDirectory, listing_public
from hotline.agencies.schemas import CONTACT_ROLES, LEVELS, AgencyIn
from hotline.agent_desktop.accounts import Accounts
from hotline.config.profile import Profile
from hotline.places import places
from hotline.security.passwords import policy_problem
from hotline.web.auth import error, path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body, refuse_out_of_scope

NO_AGENCY = "Không có cơ quan này"


class AgencyAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$")
    full_name: str = Field(..., min_length=1, max_length=200)
    password: str = Field(..., min_length=10, max_length=200)
    leader: bool = False  # the agency's leader: approves results where the profile asks for it


class AgenciesApi(Resource):
    def __init__(self, accounts: Accounts, directory: AgencyDirectory, routes: list[str], profile: Profile):
        self.accounts = accounts
        self.directory = directory
        self.dial_routes = sorted(routes)
        self.profile = profile
        self.places = places()  # loaded at start, not on an operator's first keystroke
        found = self.places.divisions.province_named(profile.name)
        self.province = found.code if found else None  # the line's province: its communes first

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/agencies", self.list_agencies,
                  "Search the agency directory (q, field; all=1 for admins); commune and topic: the agencies "
                  "responsible for a matter there first, with the reason"),
            Route("POST", "/api/agencies", self.create_agency, "Add an agency", AgencyIn, ok="201"),
            Route("GET", "/api/agencies/meta", self.agency_meta, "Levels, contact roles, routes and queues"),
            Route("GET", "/api/agencies/{id}", self.get_agency, "One agency"),
            Route("PUT", "/api/agencies/{id}", self.update_agency, "Replace an agency and its contacts", AgencyIn),
            Route("POST", "/api/agencies/{id}/accounts", self.create_account,
                  "Open an inbox account for a person of the agency", AgencyAccountIn, ok="201"),
            Route("GET", "/api/places", self.search_places,
                  "Communes, wards and special zones by name typed without diacritics, today's or before "
                  "1 July 2025 (q; the line's province first)"),
            Route("GET", "/api/places/convert", self.convert_address,
                  "An address as said (old district-based names too): the commune(s) of today it names (text)"),
        ]

    @requires("operator", "supervisor", "admin")
    async def search_places(self, request: web.Request) -> web.Response:
        hits = self.places.search(request.query.get("q", "")[:100], self.province)
        return web.json_response([h.public() for h in hits])

    @requires("operator", "supervisor", "admin")
    async def convert_address(self, request: web.Request) -> web.Response:
        return web.json_response(self.places.convert(request.query.get("text", "")[:500]).public())

    @requires("operator", "supervisor", "admin")
    async def list_agencies(self, request: web.Request) -> web.Response:
        p = principal(request)
        q = request.query.get("q", "")[:100]
        field = request.query.get("field", "")[:40] or None
        inactive = p.role == "admin" and request.query.get("all") == "1"
        commune = request.query.get("commune", "")
        topic = request.query.get("topic", "")[:40] or field
        found = await self.directory.find(q, field, include_inactive=inactive,
                                          commune=int(commune) if commune.isdigit() and len(commune) < 7 else None,
                                          topic=topic)
        return web.json_response([listing_public(item, with_phones=p.role == "admin") for item in found])

    @requires("operator", "supervisor", "admin")
    async def agency_meta(self, request: web.Request) -> web.Response:
        return web.json_response({"levels": LEVELS, "contact_roles": CONTACT_ROLES, "routes": self.dial_routes,
                                  "queues": {q.id: q.name for q in self.profile.queues.queues}})

    @requires("operator", "supervisor", "admin")
    async def get_agency(self, request: web.Request) -> web.Response:
        found = await self.directory.listing(path_id(request, "id", NO_AGENCY))
        if found is None:
            return error(404, NO_AGENCY)
        return web.json_response(listing_public(found, with_phones=principal(request).role == "admin"))

    async def _save(self, request: web.Request, agency_id: int | None) -> web.Response:
        data = await parse_body(request, AgencyIn)
        if data.route not in self.dial_routes:
            return error(400, f"Tuyến gọi {data.route!r} chưa được cấu hình; có: {', '.join(self.dial_routes)}")
        refuse_out_of_scope(self.profile.queues, data.fields)
        agency, _ = await self.directory.save(data, agency_id)
        saved = await self.directory.listing(agency.id)
        return web.json_response(listing_public(saved, with_phones=True), status=200 if agency_id else 201)

    @requires("admin")
    async def create_agency(self, request: web.Request) -> web.Response:
        return await self._save(request, None)

    @requires("admin")
    async def update_agency(self, request: web.Request) -> web.Response:
        return await self._save(request, path_id(request, "id", NO_AGENCY))

    @requires("admin")
    async def create_account(self, request: web.Request) -> web.Response:
        found = await self.directory.get(path_id(request, "id", NO_AGENCY))
        if found is None:
            return error(404, NO_AGENCY)
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

"""The Open311 GeoReport v2 API (http://wiki.open311.org/GeoReport_v2), for the apps and portals
that send citizens' reports (one key per app, `hotline.open311.keys`), in JSON or XML:

- `GET  /open311/v2/services.{fmt}`: the profile's fields (topics) as services;
- `GET  /open311/v2/services/{code}.{fmt}`: a service's definition (no extra attributes);
- `POST /open311/v2/requests.{fmt}`: a report, with `api_key`, `service_code`, a location (`lat` and
  `long`, or `address_string`), `description`, the citizen's `first_name`, `last_name`, `phone` and
  `email`, and photos as `media` file parts (multipart; `media_url` is not fetched: a server never
  fetches an address a stranger names). The same checks and limits as the public form, and a
  limit per key. The answer names the ticket code (`service_request_id`) and its receipt.
- `GET  /open311/v2/requests/{id}.{fmt}` and `GET /open311/v2/requests.{fmt}` (by ids, or the
  published ones by date, field and status): what the public look-up by code shows, nothing
  personal, the position rounded to about 100 m; confidential and state-secret reports show their
  status only. Limited per client address, as the look-up.

Errors are the standard's list of `{code, description}` with the HTTP status."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from hotline.errors import Refused
from hotline.open311.keys import AppKeys
from hotline.places import places
from hotline.public.desk import PublicDesk, digits, public_link
from hotline.security.clients import client_address
from hotline.security.limits import RateLimiter
from hotline.security.redaction import redact
from hotline.settings import Security
from hotline.store.agencies import Agency
from hotline.store.base import aware
from hotline.store.tickets import Ticket
from hotline.web.attachments import read_form
from hotline.web.routes import Resource, Route, public
from hotline.web.validation import Pin, PublicReportIn, ValidationFailed, validated

BASE = "/open311/v2"
FORMATS = ("json", "xml")
OPEN = ("received", "in_progress", "overdue")
MAX_IDS = 50
MAX_DAYS = 90
ROUND = 3  # decimals of a published position: about 110 m


def uploads(largest: int) -> dict[str, int]:
    """The body limit of the report routes (with photos: the public form's)."""
    return {f"{BASE}/requests.{fmt}": largest for fmt in FORMATS}


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for k, v in row.items():
            ET.SubElement(el, k).text = "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def answer(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> web.Response:
    if fmt == "xml":
        return web.Response(body=_xml(root, item, rows), status=status, content_type="text/xml", charset="utf-8")
    return web.Response(text=json.dumps(rows, ensure_ascii=False), status=status, content_type="application/json")


def failure(fmt: str, status: int, description: str) -> web.Response:
    return answer(fmt, "errors", "error", [{"code": status, "description": description}], status)


def standard(handler):
    """An Open311 route: anyone may call it; the format is the path's (`.json`, `.xml`; another
    gets a 404 in JSON), and a refusal is answered as the standard's error list in that format."""

    @functools.wraps(handler)
    async def route(self, request: web.Request) -> web.Response:
        fmt = request.match_info.get("fmt", "json")
        if fmt not in FORMATS:
            return failure("json", 404, "format must be json or xml")
        try:
            return await handler(self, request, fmt)
        except Refused as exc:
            return failure(fmt, exc.status, str(exc))

    return public(route)


def _w3(d: datetime | None) -> str | None:
    return aware(d).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if d else None


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise Refused(400, f"{name}: a w3 date-time, e.g. 2026-12-01T00:00:00Z") from None


class Open311(Resource):
    def __init__(self, desk: PublicDesk, keys: AppKeys, security: Security | None = None):
        sec = security or Security()
        self.desk = desk
        self.keys = keys
        self.lookups = RateLimiter(sec.lookups_per_address, sec.lookup_window_seconds)
        self.by_key = RateLimiter(sec.app_reports_per_key, sec.public_window_seconds)
        self.by_phone = RateLimiter(sec.reports_per_phone, sec.public_window_seconds)
        # The services: the profile's fields (topics), named as the queues name them.
        self.service_names = desk.handling.profile.queues.topic_names()
        self.services_list = [{"service_code": code, "service_name": name, "description": name, "metadata": False,
                               "type": "realtime", "keywords": "", "group": ""}
                              for code, name in self.service_names.items()]

    def routes(self) -> list[Route]:
        common = {"documented": False, "param_types": {"fmt": "string", "code": "string", "id": "string"}}
        return [
            Route("GET", BASE + "/services.{fmt}", self.services, "Open311: the fields as services", **common),
            Route("GET", BASE + "/services/{code}.{fmt}", self.definition, "Open311: a service's definition", **common),
            Route("POST", BASE + "/requests.{fmt}", self.create, "Open311: a report from an app (api_key)", **common),
            Route("GET", BASE + "/requests/{id}.{fmt}", self.one, "Open311: a report's status", **common),
            Route("GET", BASE + "/requests.{fmt}", self.search, "Open311: reports by ids, or published ones",
                  **common),
        ]

    # -- services -------------------------------------------------------------------------------
    @standard
    async def services(self, request: web.Request, fmt: str) -> web.Response:
        return answer(fmt, "services", "service", self.services_list)

    @standard
    async def definition(self, request: web.Request, fmt: str) -> web.Response:
        code = request.match_info["code"]
        if code not in self.service_names:
            raise Refused(404, f"no service {code[:40]!r}")
        if fmt == "xml":
            return answer(fmt, "service_definition", "service", [{"service_code": code}])
        return web.json_response({"service_code": code, "attributes": []})

    # -- a report from an app -------------------------------------------------------------------
    @standard
    async def create(self, request: web.Request, fmt: str) -> web.Response:
        form, uploads = await read_form(request, files_field="media")
        form = {**{k: v for k, v in request.query.items() if k in ("api_key", "jurisdiction_id")}, **form}
        app = await self.keys.app_of(form.get("api_key"))
        fields = self._fields(form, app)
        self._take(self.by_key, app)  # the reports it sends, as the public form counts them
        ticket = await self.desk.submit(fields, uploads, channel="app")
        link = public_link(self.desk.handling.lookup_url, ticket.public_secret)
        notice = f"Đã tiếp nhận phản ánh, mã số {ticket.code}. Theo dõi tại {link}"
        return answer(fmt, "service_requests", "request",
                      [{"service_request_id": ticket.code, "service_notice": notice, "account_id": None}], 201)

    def _take(self, limiter: RateLimiter, key: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise Refused(429, f"too many requests; try again in {int(wait) + 1} s")

    def _fields(self, form: dict, app: str) -> dict:
        code = form.get("service_code", "")
        if code not in self.service_names:
            raise Refused(400, "service_code: not one of /services")
        try:  # the same pin as the report form's
            pin = Pin(latitude=form.get("lat"), longitude=form.get("long"))
        except ValidationError:
            raise Refused(400, "lat and long: degrees (lat -90 to 90, long -180 to 180), both or neither") from None
        lat, lon = pin.latitude, pin.longitude
        address = (form.get("address_string") or "").strip()
        if not address and lat is None:
            raise Refused(400, "a location is required: lat and long, or address_string")
        name = " ".join(x for x in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if x)
        body = {"reporter_name": name, "caller_phone": form.get("phone", ""), "email": form.get("email") or None,
                "address": address or f"Vị trí trên bản đồ: {lat:.5f}, {lon:.5f}", "topic": code,
                "content": form.get("description", "")}
        try:
            fields = validated(PublicReportIn, body).model_dump()
        except ValidationFailed as exc:
            raise Refused(400, str(exc)) from None
        fields["caller_phone"] = digits(fields["caller_phone"])
        self._take(self.by_phone, fields["caller_phone"])
        if fields.get("commune_code") is None and address:
            said = places().convert(address)
            if said.status in ("new", "matched"):
                fields["commune_code"] = said.communes[0].code
                fields["province_code"] = said.communes[0].province_code
        fields.update(latitude=lat, longitude=lon, via_app=app)
        return fields

    # -- status ---------------------------------------------------------------------------------
    async def _view(self, t: Ticket, agencies: dict[int, str]) -> dict:
        view = await self.desk.secret_view(t, result=False, steps=False)  # the standard has no timeline
        hidden = view["hidden"]
        personal = (t.reporter_name, t.caller_phone, t.address, t.email)
        published = t.published_at is not None and not hidden
        notes = view["stage"] + (f". {view['result']}" if view.get("result") else "")
        return {"service_request_id": t.code, "status": "open" if t.status in OPEN else "closed",
                "status_notes": notes, "service_name": None if hidden else self.service_names.get(t.topic or ""),
                "service_code": None if hidden else t.topic,
                "description": redact(t.content, *personal) if published else None,
                "agency_responsible": None if hidden else agencies.get(t.agency_id),
                "service_notice": None, "requested_datetime": _w3(t.created_at),
                "updated_datetime": _w3(t.stage_entered_at), "expected_datetime": None if hidden else _w3(view.get("due_at")),
                "address": None, "address_id": None, "zipcode": None,
                "lat": None if hidden or t.latitude is None else round(t.latitude, ROUND),
                "long": None if hidden or t.longitude is None else round(t.longitude, ROUND),
                "media_url": None}

    async def _agencies(self) -> dict[int, str]:
        async with self.desk.sessions() as s:
            return dict((await s.execute(select(Agency.id, Agency.name))).all())

    @standard
    async def one(self, request: web.Request, fmt: str) -> web.Response:
        self._take(self.lookups, client_address(request))
        t = await self.desk.by_code(request.match_info["id"])
        if t.draft:
            raise Refused(404, "no request with this id")
        return answer(fmt, "service_requests", "request", [await self._view(t, await self._agencies())])

    @standard
    async def search(self, request: web.Request, fmt: str) -> web.Response:
        self._take(self.lookups, client_address(request))
        q = request.query
        ids = [x.strip() for x in q.get("service_request_id", "").split(",") if x.strip()]
        if len(ids) > MAX_IDS:
            raise Refused(400, f"at most {MAX_IDS} service_request_id")
        codes = [c for c in q.get("service_code", "").split(",") if c]
        statuses = [x for x in q.get("status", "").split(",") if x]
        if any(x not in ("open", "closed") for x in statuses):
            raise Refused(400, "status: open or closed")
        end = _date(q.get("end_date"), "end_date") or datetime.now(timezone.utc)
        start = _date(q.get("start_date"), "start_date") or end - timedelta(days=MAX_DAYS)
        if end - start > timedelta(days=MAX_DAYS) or start > end:
            raise Refused(400, f"start_date to end_date: at most {MAX_DAYS} days")
        sel = select(Ticket).where(Ticket.draft.is_(False))
        if ids:  # asked by id: as the look-up by code shows each
            sel = sel.where(Ticket.code.in_(ids))
        else:  # otherwise the published ones only (as /ket-qua)
            sel = sel.where(Ticket.published_at.is_not(None), Ticket.confidential.is_(False),
                            Ticket.state_secret.is_(False), Ticket.created_at >= start, Ticket.created_at <= end)
        if codes:
            sel = sel.where(Ticket.topic.in_(codes))
        if statuses == ["open"]:
            sel = sel.where(Ticket.status.in_(OPEN))
        elif statuses == ["closed"]:
            sel = sel.where(Ticket.status.not_in(OPEN))
        async with self.desk.sessions() as s:
            rows = list(await s.scalars(sel.order_by(Ticket.created_at.desc()).limit(200)))
        agencies = await self._agencies()
        out = [await self._view(t, agencies) for t in rows]
        return answer(fmt, "service_requests", "request", out)

"""Published results on a map, and the public site as an installable web app (#35 item 4).

`/ket-qua/ban-do` draws the published results that have a position (a pin put on the report
form, or an app's through Open311). What its script loads, `/api/public/results/map`, holds for
each: the code, the field, the step, the publication date and the position rounded to 3 decimals
(about 110 m: the street, not the house) — no name, phone, address, e-mail or text the citizen
wrote; confidential and state-secret tickets are never there. The details are the published
result's own page, by its code.

`/manifest.webmanifest` and `/icons/{size}.png` make the public site installable on a phone
(start: the report form)."""

from __future__ import annotations

import asyncio
import json
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from hotline.errors import Refused
from hotline.public.icons import SIZES, icon
from hotline.public.pages import PublicPages
from hotline.store.base import aware
from hotline.store.tickets import Ticket
from hotline.web.routes import Resource, Route, public

ROUND = 3  # decimals of a published position: about 110 m
MAX_POINTS = 2000  # the newest published results with a position


def rounded(value: float) -> float:
    return round(value, ROUND)


class PublishedMap(Resource):
    def __init__(self, pages: PublicPages):
        self.pages = pages
        self.desk = pages.desk
        profile = self.desk.handling.profile
        self.topics = profile.queues.topic_names()
        self.tz = ZoneInfo(profile.calendar.timezone)
        self.manifest = json.dumps({
            "name": f"Tổng đài 1022 {profile.name}", "short_name": "Tổng đài 1022", "lang": "vi",
            "description": "Gửi phản ánh, kiến nghị kèm vị trí và ảnh; tra cứu kết quả trả lời",
            "start_url": "/phan-anh", "scope": "/", "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#0b5394",
            "icons": [{"src": f"/icons/{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any maskable"}
                      for s in SIZES]}, ensure_ascii=False)

    def routes(self) -> list[Route]:
        page = {"documented": False}
        return [
            Route("GET", "/ket-qua/ban-do", self.page, "Published results on a map", **page),
            Route("GET", "/api/public/results/map", self.points,
                  "Published results with a position, for the map: code, field, step, date and the position "
                  "rounded to 3 decimals (about 110 m); nothing personal. linh-vuc: one field", extra=("400",)),
            Route("GET", "/manifest.webmanifest", self.web_manifest, "The public site's web app manifest", **page),
            *(Route("GET", f"/icons/{size}.png", self.icon_route(size), f"The public site's icon ({size} pixels)", **page)
              for size in SIZES),
        ]

    @public
    async def page(self, request: web.Request) -> web.Response:
        return self.pages.render("results_map.html.j2", scripts=True, title="Bản đồ kết quả trả lời phản ánh",
                                 fields=self.topics)

    @public
    async def points(self, request: web.Request) -> web.Response:
        topic = request.query.get("linh-vuc", "")[:40] or None
        if topic is not None and topic not in self.topics:
            raise Refused(400, "Lĩnh vực không hợp lệ (linh-vuc): " + ", ".join(self.topics))
        query = (select(Ticket.code, Ticket.topic, Ticket.handling_stage, Ticket.published_at, Ticket.latitude,
                        Ticket.longitude)
                 .where(Ticket.published_at.is_not(None), Ticket.confidential.is_(False),
                        Ticket.state_secret.is_(False), Ticket.latitude.is_not(None), Ticket.longitude.is_not(None))
                 .order_by(Ticket.published_at.desc()).limit(MAX_POINTS))
        if topic is not None:
            query = query.where(Ticket.topic == topic)
        async with self.desk.sessions() as s:
            rows = (await s.execute(query)).all()
        workflow = self.desk.handling.workflow
        results = [{"code": code, "field": self.topics.get(field or "", "Khác"),
                    "stage": workflow.step(stage or "received").title,
                    "published_on": aware(published).astimezone(self.tz).date().isoformat(),
                    "lat": rounded(lat), "lon": rounded(lon)}
                   for code, field, stage, published, lat, lon in rows]
        return web.json_response({"results": results}, headers={"Cache-Control": "public, max-age=60"})

    @public
    async def web_manifest(self, request: web.Request) -> web.Response:
        return web.Response(text=self.manifest, content_type="application/manifest+json",
                            headers={"Cache-Control": "public, max-age=86400"})

    def icon_route(self, size: int):
        @public
        async def handler(request: web.Request) -> web.Response:
            body = await asyncio.to_thread(icon, size)  # drawn once per size, off the event loop
            return web.Response(body=body, content_type="image/png",
                                headers={"Cache-Control": "public, max-age=604800"})

        return handler

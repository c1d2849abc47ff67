"""Reports on a map (#35 item 4) over HTTP (in-process aiohttp server, real store on SQLite and
PostgreSQL): the report form's pin stored with the ticket (both coordinates or a clear refusal),
the published results' map with positions rounded and nothing personal, never a confidential or
unpublished ticket, and the supervisors' map of open tickets by field and status, refused to
operators; the web app manifest and its icons."""

import json
import re

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.map_api import TicketsMapApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.public.desk import PublicDesk
from hotline.public.maps import PublishedMap
from hotline.public.pages import PublicPages
from hotline.settings import Maps
from hotline.store.tickets import Attachment, Ticket
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import refusals
from tests.store.support import call, province, signed_in

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2000
NAME, PHONE, ADDRESS, EMAIL = "Trương Thị Mỹ Lệ", "0987001122", "Số 44 đường Tôn Đức Thắng", "myle@example.vn"
TILES = Maps(tiles="https://{s}.tiles.example.vn/{z}/{x}/{y}.png", attribution="© Bản đồ tỉnh")


@pytest.fixture
async def site(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals], client_max_size=8 * 1024 * 1024)
    pages = PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024), maps=TILES)
    for resource in (pages, PublishedMap(pages), TicketsMapApi(accounts, p.handling, TILES),
                     TicketsApi(accounts, p.store, p.handling, Attachments(sessions, tmp_path / "attachments", 2**20))):
        resource.register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = await signed_in(accounts, [("op1", "operator", None), ("giamsat", "supervisor", None)])
    clients["citizen"] = aiohttp.ClientSession()
    yield p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


def report_form(**over) -> aiohttp.FormData:
    fields = {"reporter_name": NAME, "caller_phone": PHONE, "address": ADDRESS, "email": EMAIL,
              "topic": "infrastructure", "content": "Hố ga mất nắp giữa đường, rất nguy hiểm ban đêm.", **over}
    form = aiohttp.FormData()
    for k, v in fields.items():
        form.add_field(k, v)
    return form


async def test_the_public_form_keeps_the_pin_and_the_camera_photo_with_the_ticket(site):
    p, server, c = site
    async with c["citizen"].get(server.make_url("/phan-anh")) as r:
        html = await r.text()
        csp = r.headers["Content-Security-Policy"]
    assert "data-pin-picker" in html and 'capture="environment"' in html
    assert "img-src 'self' data: blob: https://*.tiles.example.vn" in csp  # the tiles, nothing else from elsewhere
    assert "leaflet" not in html  # the map library is loaded only when the pin picker opens

    form = report_form(latitude="10.4567891", longitude="105.6321234")
    form.add_field("files", JPEG, filename="ho-ga.jpg", content_type="image/jpeg")  # the camera's photo
    form.add_field("files", b"", filename="", content_type="application/octet-stream")  # the other input, empty
    async with c["citizen"].post(server.make_url("/phan-anh"), data=form) as r:
        assert r.status == 201, await r.text()
        code = re.search(r'id="receipt-code">(\d{8})<', await r.text()).group(1)
    async with p.sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
        files = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
    assert (t.latitude, t.longitude) == (10.456789, 105.632123)
    assert [(f.filename, f.content_type) for f in files] == [("ho-ga.jpg", "image/jpeg")]

    # Half a pin, or one off the globe: refused, named, and what was typed is kept.
    for bad, said in (({"latitude": "10.45"}, "cần cả vĩ độ"), ({"latitude": "95", "longitude": "105"}, "Vĩ độ")):
        async with c["citizen"].post(server.make_url("/phan-anh"), data=report_form(**bad)) as r:
            html = await r.text()
            assert r.status == 400 and said in html and "Hố ga mất nắp" in html, html


async def test_the_published_map_rounds_positions_and_shows_nothing_personal(site):
    p, server, c = site
    op = c["op1"]
    made = {}
    for key, extra in (("published", {}), ("confidential", {"confidential": True}), ("open", {}),
                       ("elsewhere", {"topic": "administrative_procedures"})):
        status, t = await call(op, server, "POST", "/api/tickets", {
            "channel": "app", "reporter_name": NAME, "caller_phone": PHONE, "email": EMAIL, "address": ADDRESS,
            "topic": "infrastructure", "content": f"Cây đổ chắn đường trước nhà bà {NAME}",
            "latitude": 10.4561278, "longitude": 105.6337821, **extra})
        assert status == 201, t
        assert (t["latitude"], t["longitude"]) == (10.456128, 105.633782)
        made[key] = t
        if key != "open":
            status, done = await call(op, server, "POST", f"/api/tickets/{t['id']}/actions/answer_directly",
                                      {"result": f"Đã dọn cây. Cảm ơn bà {NAME} ({PHONE})."})
            assert status == 200, done

    async with c["citizen"].get(server.make_url("/api/public/results/map")) as r:
        assert r.status == 200
        body = await r.text()
    results = json.loads(body)["results"]
    assert sorted(x["code"] for x in results) == sorted([made["published"]["code"], made["elsewhere"]["code"]])
    first = next(x for x in results if x["code"] == made["published"]["code"])
    assert set(first) == {"code", "field", "stage", "published_on", "lat", "lon"}
    assert (first["lat"], first["lon"]) == (10.456, 105.634)
    for personal in (NAME, PHONE, EMAIL, ADDRESS, "Cây đổ", "10.4561", "105.6337"):
        assert personal not in body

    async with c["citizen"].get(server.make_url("/api/public/results/map?linh-vuc=administrative_procedures")) as r:
        assert [x["code"] for x in (await r.json())["results"]] == [made["elsewhere"]["code"]]
    async with c["citizen"].get(server.make_url("/api/public/results/map?linh-vuc=khong-co")) as r:
        assert r.status == 400 and "Lĩnh vực không hợp lệ" in (await r.json())["error"]

    async with c["citizen"].get(server.make_url("/ket-qua/ban-do")) as r:
        html = await r.text()
        assert r.status == 200 and 'src="/static/results_map.js"' in html and "tiles.example.vn" in html
        assert NAME not in html


async def test_supervisors_see_open_tickets_by_field_and_status(site):
    p, server, c = site
    op, sup = c["op1"], c["giamsat"]
    codes = {}
    for key, topic, pin in (("road", "infrastructure", (10.45, 105.63)), ("office", "administrative_procedures",
                                                                         (10.47, 105.64)),
                            ("nopin", "infrastructure", None), ("answered", "infrastructure", (10.46, 105.62))):
        body = {"channel": "paper", "caller_phone": PHONE, "address": ADDRESS, "topic": topic,
                "content": "Đường ngập sâu sau mưa"}
        if pin:
            body.update(latitude=pin[0], longitude=pin[1])
        status, t = await call(op, server, "POST", "/api/tickets", body)
        assert status == 201, t
        codes[key] = t["code"]
        if key == "answered":
            await call(op, server, "POST", f"/api/tickets/{t['id']}/actions/answer_directly", {"result": "Đã xử lý."})

    status, data = await call(sup, server, "GET", "/api/tickets/map")
    assert status == 200
    assert sorted(x["code"] for x in data["tickets"]) == sorted([codes["road"], codes["office"]])
    assert data["map"]["tiles"] == TILES.tiles and data["statuses"]["received"] == "Đã tiếp nhận"
    status, data = await call(sup, server, "GET", "/api/tickets/map?topic=administrative_procedures&status=received")
    assert [(x["code"], x["lat"], x["lon"], x["status_text"]) for x in data["tickets"]] == [
        (codes["office"], 10.47, 105.64, "Đã tiếp nhận")]
    status, data = await call(sup, server, "GET", "/api/tickets/map?status=overdue")
    assert data["tickets"] == []

    status, error = await call(sup, server, "GET", "/api/tickets/map?status=closed")
    assert status == 400 and "Trạng thái không hợp lệ" in error["error"]
    status, error = await call(sup, server, "GET", "/api/tickets/map?topic=khong_co")
    assert status == 400 and "Lĩnh vực không hợp lệ" in error["error"]
    status, _ = await call(op, server, "GET", "/api/tickets/map")
    assert status == 403
    status, _ = await call(c["citizen"], server, "GET", "/api/tickets/map")
    assert status == 401


async def test_the_public_site_is_installable(site):
    _, server, c = site
    async with c["citizen"].get(server.make_url("/manifest.webmanifest")) as r:
        assert r.content_type == "application/manifest+json"
        manifest = json.loads(await r.text())
    assert manifest["start_url"] == "/phan-anh" and manifest["display"] == "standalone" and manifest["lang"] == "vi"
    for icon in manifest["icons"]:
        async with c["citizen"].get(server.make_url(icon["src"])) as r:
            png = await r.read()
        size = int(icon["sizes"].split("x")[0])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == size
    async with c["citizen"].get(server.make_url("/phan-anh")) as r:
        assert '<link rel="manifest" href="/manifest.webmanifest">' in await r.text()

"""Apps report in through Open311 GeoReport v2 (#31 item 14), on a real store (SQLite and
PostgreSQL) and a real HTTP server: the services, definitions and requests are read with
`georeport`, an Open311 client this project did not write (it has no way to post); reports are
posted as the specification's examples do (form fields; photos as `media` parts)."""

import asyncio
import json
import xml.etree.ElementTree as ET

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from georeport import GeoReport
from sqlalchemy import select

from hotline.open311.keys import AppKeys
from hotline.public.desk import PublicDesk
from hotline.public.open311 import Open311
from hotline.settings import Security
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Attachment, Ticket
from hotline.ticketing.handling import Payload
from hotline.web.auth import refusals
from tests.store.support import OPERATOR, province

JPEG = b"\xff\xd8\xff\xe0" + bytes(300)
NAME, PHONE = ("Nguyễn", "Thị Hoa"), "0915 222 333"
EXAMPLE = {"service_code": "infrastructure", "lat": "20.951826", "long": "107.080115",
           "address_string": "Tổ 3, phường Hồng Gai", "first_name": NAME[0], "last_name": NAME[1], "phone": PHONE,
           "email": "hoa@example.vn", "description": "Nắp hố ga bị vỡ trên đường Lê Thánh Tông, nguy hiểm cho xe máy"}


@pytest.fixture
async def api(sessions, tmp_path):
    p = await province(sessions, tmp_path, "quang_ninh")
    app = web.Application(middlewares=[refusals])
    keys = AppKeys(sessions)
    Open311(PublicDesk(sessions, p.handling, tmp_path / "attachments"), keys,
            Security(app_reports_per_key=3, lookups_per_address=1000)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    http = aiohttp.ClientSession()
    yield p, server, keys, http, GeoReport(str(server.make_url("/open311/v2")))
    await http.close()
    await server.close()


async def post(http, server, fields: dict, photo: bytes | None = None, fmt: str = "json"):
    form = aiohttp.FormData()
    for k, v in fields.items():
        form.add_field(k, v)
    if photo is not None:
        form.add_field("media", photo, filename="ho-ga.jpg", content_type="image/jpeg")
    async with http.post(server.make_url(f"/open311/v2/requests.{fmt}"), data=form) as r:
        return r.status, await r.text()


async def test_an_app_sends_a_report_with_its_pin_and_photo_and_reads_its_status(api, sessions):
    p, server, keys, http, client = api
    services = await asyncio.to_thread(client.get_service_list)
    assert {s["service_code"] for s in services} >= {"infrastructure"}
    assert all(s["metadata"] is False and s["type"] == "realtime" and s["service_name"] for s in services)
    assert (await asyncio.to_thread(client.get_service_definition, "infrastructure"))["attributes"] == []
    xml_client = GeoReport(str(server.make_url("/open311/v2")), output_format="xml")
    assert {s["service_code"] for s in await asyncio.to_thread(xml_client.get_service_list)} == \
        {s["service_code"] for s in services}

    # No key, a wrong one, a revoked one: refused with the standard's error list, nothing kept.
    key = await keys.add("Smart Quảng Ninh")
    old = await keys.add("Ứng dụng cũ")
    assert await keys.revoke("Ứng dụng cũ")
    for fields in (EXAMPLE, {**EXAMPLE, "api_key": "x" * 43}, {**EXAMPLE, "api_key": old}):
        status, body = await post(http, server, fields)
        assert status == 403 and json.loads(body) == [{"code": 403, "description": "api_key is missing or not valid"}]
    # What the public form refuses, refused here too, with the reason; and a location is needed.
    for bad, what in (({"service_code": "ghost"}, "service_code"), ({"lat": "91"}, "lat"), ({"long": "nan"}, "long"),
                      ({"lat": ""}, "lat and long"), ({"description": "ngắn"}, "Nội dung"),
                      ({"phone": "abc"}, "điện thoại"), ({"lat": "", "long": "", "address_string": ""}, "location")):
        status, body = await post(http, server, {**EXAMPLE, "api_key": key, **bad})
        assert status == 400 and what.lower() in json.loads(body)[0]["description"].lower(), (bad, body)
    async with sessions() as s:
        assert await s.scalar(select(Ticket.id)) is None

    status, body = await post(http, server, {**EXAMPLE, "api_key": key}, photo=JPEG)
    assert status == 201, body
    [made] = json.loads(body)
    code = made["service_request_id"]
    async with sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
        photos = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
        receipt = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == t.id))
    assert (t.channel, t.via_app, t.reporter_name, t.caller_phone) == ("app", "Smart Quảng Ninh", "Nguyễn Thị Hoa",
                                                                      "0915222333")
    assert (t.latitude, t.longitude, t.topic) == (20.951826, 107.080115, "infrastructure")
    assert [a.content_type for a in photos] == ["image/jpeg"] and receipt.to_number == "0915222333"
    assert code in made["service_notice"] and f"/p/{t.public_secret}" in made["service_notice"]

    # Its status, as the look-up by code shows it: nothing personal, the pin rounded.
    row = await asyncio.to_thread(client.get_service_request, code)
    assert (row["status"], row["service_code"], row["lat"], row["long"]) == ("open", "infrastructure", 20.952, 107.08)
    assert row["description"] is None and row["expected_datetime"]
    text = json.dumps(row, ensure_ascii=False)
    assert "Hoa" not in text and "0915" not in text and "hoa@" not in text and "Hồng Gai" not in text
    [again] = await asyncio.to_thread(client.get_service_requests, service_request_id=code)
    assert again == row
    assert await asyncio.to_thread(client.get_service_requests) == []  # nothing published yet

    # Answered and published: listed by date, closed, its text without her name.
    await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Đã thay nắp hố ga."))
    [listed] = await asyncio.to_thread(client.get_service_requests, status="closed")
    assert listed["service_request_id"] == code and listed["status"] == "closed"
    assert "Đã thay nắp hố ga" in listed["status_notes"] and "hố ga bị vỡ" in listed["description"]
    assert await asyncio.to_thread(client.get_service_requests, status="open") == []
    async with http.get(server.make_url(f"/open311/v2/requests/{code}.xml")) as r:
        assert r.status == 200 and ET.fromstring(await r.read()).find("request/status").text == "closed"
    for query, status in (("?start_date=2020-01-01T00:00:00Z", 400), ("?status=maybe", 400),
                          ("?service_request_id=" + ",".join(["1"] * 51), 400)):
        async with http.get(server.make_url("/open311/v2/requests.json" + query)) as r:
            assert r.status == status and (await r.json())[0]["code"] == status
    async with http.get(server.make_url("/open311/v2/requests/00000000.json")) as r:
        assert r.status in (404, 422) and (await r.json())[0]["code"] == r.status

    # Each app within its own limit per window (here 3); the others are not slowed.
    for _ in range(2):
        status, _ = await post(http, server, {**EXAMPLE, "api_key": key, "phone": "0915000111"})
    assert status == 201
    status, body = await post(http, server, {**EXAMPLE, "api_key": key, "phone": "0915000112"})
    assert status == 429 and json.loads(body)[0]["code"] == 429
    other = await keys.add("Cổng dịch vụ công tỉnh")
    status, _ = await post(http, server, {**EXAMPLE, "api_key": other, "phone": "0915000113"})
    assert status == 201


async def test_an_erasure_leaves_the_pin_at_about_a_kilometre(api, sessions, tmp_path):
    from hotline.privacy.erasure import Eraser

    p, server, keys, http, client = api
    status, body = await post(http, server, {**EXAMPLE, "api_key": await keys.add("App 1022")})
    code = json.loads(body)[0]["service_request_id"]
    async with sessions() as s, s.begin():
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
        await Eraser(tmp_path / "a", tmp_path / "r").ticket_personal(s, t, "vanphong", "test", t.created_at)
    async with sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
    assert (t.reporter_name, t.caller_phone, t.latitude, t.longitude) == (None, None, 20.95, 107.08)

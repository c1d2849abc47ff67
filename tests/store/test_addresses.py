"""Addresses as codes plus the text as said, and agencies by the communes they serve (in-process
HTTP, real store on SQLite and PostgreSQL): the operator picks a commune searched without
diacritics and the ticket keeps its codes; the citizen's form maps an old address typed without a
pick; the directory lists the agency responsible for the ticket's commune and field first; a
district agency of before the reform is moved by migration 0034."""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agencies_api import AgenciesApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.public.desk import PublicDesk
from hotline.public.pages import PLACE_SEARCHES_PER_MINUTE, PublicPages
from hotline.store.agencies import Agency
from hotline.store.db import make_engine, migrate
from hotline.store.tickets import Ticket
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import refusals
from tests.store.support import call, province, signed_in

CAO_LANH = 29869  # Phường Cao Lãnh, Đồng Tháp
TAN_HONG = 29926  # Xã Tân Hồng, Đồng Tháp (Tân Công Chí, Bình Phú and Sa Rài before 2025)


@pytest.fixture
async def desk(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, tmp_path / "attachments", 1024 * 1024)
    TicketsApi(accounts, p.store, p.handling, files).register(app.router)
    AgenciesApi(accounts, AgencyDirectory(sessions), ["local"], p.handling.profile).register(app.router)
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = await signed_in(accounts, [("op1", "operator", None), ("quantri", "admin", None)])
    clients["nobody"] = aiohttp.ClientSession()
    yield p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def test_the_operator_picks_a_commune_typed_without_diacritics_and_the_ticket_keeps_codes_and_text(desk):
    p, server, c = desk
    assert (await call(c["nobody"], server, "GET", "/api/places?q=cao lanh"))[0] == 401
    status, hits = await call(c["op1"], server, "GET", "/api/places?q=tan cong chi")
    assert status == 200 and hits[0]["code"] == TAN_HONG and "Tân Công Chí" in hits[0]["old"]
    status, said = await call(c["op1"], server, "GET", "/api/places/convert?text=ấp 2, xã Bình Phú, huyện Tân Hồng")
    assert said["status"] == "matched" and said["communes"][0]["code"] == TAN_HONG and said["street"] == "ấp 2"

    t = await p.store.create_ticket(draft=True, operator_id="op1", caller_phone="0912000001")
    address = "ấp 2, xã Bình Phú, huyện Tân Hồng"  # as the caller said it
    status, view = await call(c["op1"], server, "PUT", f"/api/tickets/{t.id}",
                              {"address": address, "commune_code": TAN_HONG})
    assert status == 200 and (view["commune_code"], view["commune"]) == (TAN_HONG, "Xã Tân Hồng, Đồng Tháp")
    stored = await p.store.ticket(t.id)
    assert (stored.address, stored.commune_code, stored.province_code) == (address, TAN_HONG, 82)
    # A code that names nothing, or a province alone, is refused and changes nothing.
    for bad in ({"commune_code": 99999}, {"province_code": 82}, {"commune_code": "abc"}):
        status, answer = await call(c["op1"], server, "PUT", f"/api/tickets/{t.id}", bad)
        assert status == 400, answer
    assert (await p.store.ticket(t.id)).commune_code == TAN_HONG
    status, view = await call(c["op1"], server, "PUT", f"/api/tickets/{t.id}", {"commune_code": None})
    assert status == 200 and (await p.store.ticket(t.id)).province_code is None


async def test_the_public_form_maps_an_old_address_and_its_search_is_rate_limited(desk, sessions):
    p, server, c = desk
    http = c["nobody"]
    status, hits = await call(http, server, "GET", "/api/public/places?q=phuong 1 my tho")
    assert status == 200 and hits[0]["name"] == "Phường Mỹ Tho" and "Tiền Giang" in hits[0]["old"]
    for picked, address, expected in ((None, "12 Hùng Vương, Phường 1, TP Cao Lãnh, Đồng Tháp", CAO_LANH),
                                      (str(TAN_HONG), "ấp Gò Da, gần chợ", TAN_HONG),
                                      (None, "gần chợ, cuối hẻm", None)):
        form = {"reporter_name": "Nguyễn Thị Hoa", "caller_phone": "0987654321", "address": address,
                "topic": "infrastructure", "content": "Đèn đường hỏng nhiều ngày, đề nghị sửa."}
        if picked:
            form["commune_code"] = picked
        async with http.post(server.make_url("/phan-anh"), data=form) as r:
            assert r.status == 201, await r.text()
        async with sessions() as s:
            t = await s.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
        assert (t.address, t.commune_code) == (address, expected)
    async with http.get(server.make_url("/phan-anh")) as r:
        page = await r.text()
        assert 'name="commune_code"' in page and "address_picker.js" in page
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    statuses = []
    for _ in range(PLACE_SEARCHES_PER_MINUTE + 1):
        async with http.get(server.make_url("/api/public/places?q=sa dec")) as r:
            statuses.append(r.status)
    assert statuses[-1] == 429 and statuses.count(200) == PLACE_SEARCHES_PER_MINUTE - 1


async def test_agencies_carry_communes_and_the_responsible_one_comes_first(desk):
    p, server, c = desk
    admin = c["quantri"]
    body = {"name": "UBND phường Cao Lãnh", "level": "commune", "fields": ["administrative_procedures"],
            "phone": "02773851004", "communes": [CAO_LANH]}
    status, committee = await call(admin, server, "POST", "/api/agencies", body)
    assert status == 201 and [x["code"] for x in committee["communes"]] == [CAO_LANH]
    status, _ = await call(admin, server, "POST", "/api/agencies",
                           {"name": "Sở Tư pháp", "level": "province", "fields": ["administrative_procedures"]})
    assert status == 201
    status, answer = await call(admin, server, "POST", "/api/agencies", {**body, "name": "UBND huyện cũ",
                                                                         "level": "district"})
    assert status == 400 and "cấp" in answer["error"]
    status, answer = await call(admin, server, "POST", "/api/agencies", {**body, "name": "X", "communes": [123456]})
    assert status == 400

    async def listed(commune, topic):
        status, found = await call(c["op1"], server, "GET", f"/api/agencies?commune={commune}&topic={topic}")
        assert status == 200
        return [(a["name"], a["suggested"]) for a in found]

    assert (await listed(CAO_LANH, "administrative_procedures"))[:2] == [
        ("UBND phường Cao Lãnh", "Phụ trách Phường Cao Lãnh và lĩnh vực này"),
        ("Sở Tư pháp", "Cơ quan cấp tỉnh phụ trách lĩnh vực này")]
    first = (await listed(CAO_LANH, "infrastructure"))[0]
    assert first[0] in ("Sở Xây dựng", "Công ty Điện lực") and first[1]
    assert ("UBND phường Cao Lãnh", None) in await listed(TAN_HONG, "administrative_procedures")
    # Saving again replaces the communes.
    status, saved = await call(admin, server, "PUT", f"/api/agencies/{committee['id']}",
                               {**body, "communes": [TAN_HONG]})
    assert status == 200 and [x["code"] for x in saved["communes"]] == [TAN_HONG]
    status, one = await call(c["op1"], server, "GET", f"/api/agencies/{committee['id']}")
    assert [x["name"] for x in one["communes"]] == ["Xã Tân Hồng"]
    # A form that does not send them (the communes left out) keeps them.
    status, saved = await call(admin, server, "PUT", f"/api/agencies/{committee['id']}",
                               {k: v for k, v in body.items() if k != "communes"} | {"phone": "02773851005"})
    assert status == 200 and [x["code"] for x in saved["communes"]] == [TAN_HONG]
    assert (await listed(TAN_HONG, "administrative_procedures"))[0][0] == "UBND phường Cao Lãnh"
    status, meta = await call(c["op1"], server, "GET", "/api/agencies/meta")
    assert "district" not in meta["levels"]


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
async def test_migration_0034_moves_district_agencies_to_a_level_of_today(tmp_path, request, engine_name):
    """From 0033 with district agencies, up to head: a department-like name becomes province,
    the rest commune; other levels untouched."""
    if engine_name == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    else:
        engine = make_engine(await request.getfixturevalue("postgres").create_database("before_0034"))
    try:
        await migrate(engine, "0033")
        agencies = sa.table("agencies", sa.column("name", sa.String), sa.column("level", sa.String),
                            sa.column("fields", sa.String), sa.column("route", sa.String),
                            sa.column("active", sa.Boolean), sa.column("created_at", sa.DateTime(timezone=True)),
                            sa.column("updated_at", sa.DateTime(timezone=True)))
        now = datetime.now(timezone.utc)
        rows = [("UBND huyện Tân Hồng", "district"), ("Phòng Tài nguyên và Môi trường huyện Cao Lãnh", "district"),
                ("Sở Giao thông vận tải", "district"), ("Ban Quản lý dự án tỉnh", "district"),
                ("Công ty Điện lực", "public_service")]
        async with engine.begin() as conn:
            await conn.execute(agencies.insert(), [{"name": n, "level": lv, "fields": "", "route": "local",
                                                    "active": True, "created_at": now, "updated_at": now}
                                                   for n, lv in rows])
        await migrate(engine)
        async with engine.connect() as conn:
            levels = dict((await conn.execute(sa.select(Agency.name, Agency.level))).all())
        assert levels == {"UBND huyện Tân Hồng": "commune", "Phòng Tài nguyên và Môi trường huyện Cao Lãnh": "commune",
                          "Sở Giao thông vận tải": "province", "Ban Quản lý dự án tỉnh": "province",
                          "Công ty Điện lực": "public_service"}
    finally:
        await engine.dispose()

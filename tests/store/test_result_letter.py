"""Quảng Ninh's result notice (appendix II) over HTTP on a real store: the agency prints it for
the leader's signature once the result is approved, staff open it, the citizen gets it from the
look-up page with code and phone; text is escaped; other provinces have none."""

from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.web.auth import COOKIE, refusals
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Actor, Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province

RESULT = "Đã nạo vét cống thoát nước đường Trần Hưng Đạo <script>alert(1)</script>"


@pytest.fixture(params=["quang_ninh", "dong_thap"])
async def served(request, sessions, tmp_path):
    p = await province(sessions, tmp_path, request.param)
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, tmp_path / "attachments")
    TicketsApi(accounts, p.store, p.handling, files).register(app.router)
    AgencyApi(accounts, AgencyInbox(sessions, p.handling, files), AgencyDirectory(sessions)).register(app.router)
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = {"citizen": aiohttp.ClientSession()}
    for user, role, agency in (("op1", "operator", None), ("dungle", "agency", p.agency_id),
                               ("binh", "agency", p.other_agency_id)):
        await accounts.create_user(user, user, role, "mat-khau-dai-1", agency_id=agency,
                                   operator_id="op1" if role == "operator" else None)
        token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
        clients[user] = aiohttp.ClientSession(cookies={COOKIE: token})
    yield request.param, p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def get(clients, who, server, path):
    async with clients[who].get(server.make_url(path)) as r:
        return r.status, await r.text(), r.headers


async def test_the_result_notice_on_the_province_template(served):
    profile, p, server, c = served
    t = await p.receive(datetime.now(timezone.utc), reporter_name="Phạm Thị Thu")
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id))
    path = f"/api/agency/tickets/{t.id}/letter"
    if profile == "dong_thap":  # no template in this province
        await p.handling.act(t.id, "answer", p.staff, Payload(result=RESULT))
        assert (await get(c, "dungle", server, path))[0] == 404
        return
    assert (await get(c, "dungle", server, path))[0] == 409  # no result yet
    await p.handling.act(t.id, "answer", p.staff, Payload(result=RESULT))
    await p.handling.act(t.id, "approve", Actor("lanhdao", frozenset({"agency", "leader"}), p.agency_id), Payload())

    status, html, headers = await get(c, "dungle", server, path)
    assert status == 200 and "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for text in ("UBND TỈNH QUẢNG NINH", "Công ty Điện lực", "Kính gửi: Quý <span id=\"letter-addressee\">Phạm Thị Thu",
                 "Quảng Ninh, ngày", "Trung tâm điều hành Thành phố thông minh tỉnh (b/c)", "Lưu: VT.",
                 "LÃNH ĐẠO ĐƠN VỊ", "Đã phê duyệt trên hệ thống", t.code):
        assert text in html, text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (await get(c, "binh", server, path))[0] == 404  # another agency's ticket
    status, staff_html, _ = await get(c, "op1", server, f"/api/tickets/{t.id}/letter")
    assert status == 200 and "Phạm Thị Thu" in staff_html
    assert (await get(c, "citizen", server, path))[0] == 401

    # The citizen: the look-up page offers it, by code and phone.
    async with c["citizen"].post(server.make_url("/tra-cuu"), data={"code": t.code, "phone": CITIZEN_PHONE}) as r:
        assert r.status == 200 and 'id="letter-form"' in await r.text()
    async with c["citizen"].post(server.make_url("/tra-cuu/thong-bao"),
                                 data={"code": t.code, "phone": CITIZEN_PHONE}) as r:
        assert r.status == 200 and "Phạm Thị Thu" in await r.text()
    async with c["citizen"].post(server.make_url("/tra-cuu/thong-bao"), data={"code": t.code, "phone": "0900000000"}) as r:
        page = await r.text()
        assert r.status == 404 and "Phạm Thị Thu" not in page and "letter-result" not in page


async def test_an_agency_copy_of_a_confidential_ticket_does_not_name_the_reporter(served):
    profile, p, server, c = served
    if profile == "dong_thap":
        return  # no template in this province
    t = await p.receive(datetime.now(timezone.utc), reporter_name="Lê Văn Kín", confidential=True)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id))
    await p.handling.act(t.id, "answer", p.staff, Payload(result=RESULT))
    await p.handling.act(t.id, "approve", Actor("lanhdao", frozenset({"agency", "leader"}), p.agency_id), Payload())
    status, html, _ = await get(c, "dungle", server, f"/api/agency/tickets/{t.id}/letter")
    assert status == 200 and t.code in html
    assert "Lê Văn Kín" not in html and "thông tin được giữ bí mật" in html
    status, staff_html, _ = await get(c, "op1", server, f"/api/tickets/{t.id}/letter")
    assert status == 200 and "Lê Văn Kín" in staff_html  # the hotline sends it to the citizen

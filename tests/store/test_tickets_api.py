"""Staff and agency routes over HTTP (in-process aiohttp server, real store on SQLite and
PostgreSQL): reports from other channels, duplicates linked once with the later reporter told,
workflow actions by role, one reschedule."""

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.agent_desktop.auth import COOKIE, refusals
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.agencies.directory import AgencyDirectory
from hotline.ticketing.models import SmsMessage
from tests.store.support import province


@pytest.fixture
async def api(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    TicketsApi(accounts, p.store, p.handling).register(app.router)
    AgencyApi(accounts, AgencyInbox(sessions, p.handling), AgencyDirectory(sessions)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = {}
    for user, role, agency in (("op1", "operator", None), ("dien.luc", "agency", p.agency_id)):
        await accounts.create_user(user, user, role, "mat-khau-dai-1", operator_id=user if role == "operator" else None,
                                   agency_id=agency)
        principal = await accounts.authenticate(user, "mat-khau-dai-1")
        token = await accounts.open_session(principal)
        clients[user] = aiohttp.ClientSession(cookies={COOKIE: token})
    yield p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def call(client, server, method, path, body=None):
    async with client.request(method, server.make_url(path), json=body) as r:
        return r.status, await r.json()


async def test_other_channels_duplicates_and_actions_by_role(api):
    p, server, c = api
    op, agency = c["op1"], c["dien.luc"]
    status, first = await call(op, server, "POST", "/api/tickets", {
        "channel": "zalo", "reporter_name": "Lê Thị Mai", "caller_phone": "0901000001", "topic": "infrastructure",
        "address": "Ngã tư Hùng Vương - Lý Thường Kiệt, phường 1", "content": "Đèn tín hiệu giao thông bị hỏng"})
    assert status == 201 and first["channel"] == "zalo" and first["stage"] == "received"
    assert {a["name"] for a in first["actions"]} >= {"transfer", "answer_directly", "reject"}
    status, second = await call(op, server, "POST", "/api/tickets", {
        "channel": "email", "reporter_name": "Phan Văn Tâm", "caller_phone": "0901000002", "topic": "infrastructure",
        "address": "ngã tư Hùng Vương, Lý Thường Kiệt", "content": "Đèn tín hiệu giao thông ở ngã tư bị hỏng từ sáng"})
    status, unrelated = await call(op, server, "POST", "/api/tickets", {
        "channel": "paper", "caller_phone": "0901000003", "topic": "infrastructure", "address": "Xã Tân Mỹ",
        "content": "Cây xanh đổ chắn lối đi"})
    status, found = await call(op, server, "GET", f"/api/tickets/{second['id']}/duplicate-candidates")
    assert status == 200 and found[0]["code"] == first["code"] and unrelated["code"] not in [x["code"] for x in found]

    status, linked = await call(op, server, "POST", f"/api/tickets/{second['id']}/duplicate-of", {"code": first["code"]})
    assert status == 200 and linked["status"] == "closed" and linked["duplicate_of"] == first["id"]
    status, again = await call(op, server, "POST", f"/api/tickets/{second['id']}/duplicate-of", {"code": first["code"]})
    assert status == 409

    status, moved = await call(op, server, "POST", f"/api/tickets/{first['id']}/actions/transfer",
                               {"agency_id": p.agency_id})
    assert status == 200 and moved["stage"] == "focal_point"
    status, err = await call(agency, server, "GET", f"/api/tickets/{first['id']}")
    assert status == 403
    due = datetime.now(timezone.utc) + timedelta(days=10)
    day = (due + timedelta(hours=7)).strftime("%Y-%m-%d")
    status, item = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/reschedule",
                              {"date": day, "reason": "Chờ vật tư thay thế"})
    assert status == 200 and item["due_at"] == f"{day}T10:00:00+00:00"  # the end of that day, 17:00 local
    status, err = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/reschedule",
                             {"date": day, "reason": "lần hai"})
    assert status == 409 and "1 lần" in err["error"]
    status, err = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/transfer",
                             {"agency_id": p.agency_id})
    assert status == 403
    status, item = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/answer",
                              {"result": "Đã sửa đèn tín hiệu."})
    assert status == 200 and item["status"] == "answered"

    async with p.sessions() as s:
        sms = [(m.to_number, m.purpose) for m in await s.scalars(select(SmsMessage).order_by(SmsMessage.id))]
    assert ("0901000002", "duplicate") in sms  # told it is already being handled
    assert sms.count(("0901000001", "result")) == 1 and sms.count(("0901000002", "result")) == 1

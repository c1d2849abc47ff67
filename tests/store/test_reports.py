"""Reports of a period on a real store (SQLite and PostgreSQL): the figures a provincial office
checks, by field, agency, channel and level, satisfaction, the overdue list, and the exports."""

import csv
import io
from datetime import date, datetime, timedelta, timezone

import aiohttp
import openpyxl
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.agent_desktop.accounts import Accounts
from hotline.web.auth import COOKIE, refusals
from hotline.agent_desktop.reports_api import ReportsApi
from hotline.reports.figures import ticket_report
from hotline.reports.periods import period
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN, OPERATOR, province

UTC = timezone.utc
NOV_2 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 local
MY_THO, CAO_LANH = 28261, 29869  # Phường Mỹ Tho, Phường Cao Lãnh (Đồng Tháp since July 2025)


async def filled(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    a = await p.receive(NOV_2, channel="phone", commune_code=MY_THO)
    await p.handling.act(a.id, "answer_directly", OPERATOR, Payload(result="Hướng dẫn thủ tục."), now=NOV_2)
    await p.handling.act(a.id, "rate", CITIZEN, Payload(rating=5), now=NOV_2)
    b = await p.receive(NOV_2, channel="web", commune_code=MY_THO)
    await p.handling.act(b.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=NOV_2)
    await p.handling.act(b.id, "answer", p.staff, Payload(result="Đã xử lý."), now=NOV_2 + timedelta(hours=2))
    await p.handling.act(b.id, "rate", CITIZEN, Payload(rating=2), now=NOV_2 + timedelta(hours=3))
    c = await p.receive(NOV_2, channel="zalo", topic="socio_economic", commune_code=CAO_LANH)
    await p.handling.act(c.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=NOV_2)
    d = await p.receive(NOV_2, channel="phone")
    await p.handling.act(d.id, "reject", OPERATOR, Payload(reason="Khiếu nại: chuyển đúng kênh"), now=NOV_2)
    await p.receive(datetime(2026, 10, 31, 16, 59, tzinfo=UTC), channel="phone")  # 23:59 local on 31/10: October
    await p.receive(datetime(2026, 10, 31, 17, 0, tzinfo=UTC), channel="email")  # 00:00 local on 1/11: November
    await p.handling.deadlines.scan(datetime(2026, 11, 12, tzinfo=UTC))  # c: focal point, head missed -> overdue
    return p, c


async def test_monthly_figures(sessions, tmp_path):
    p, overdue = await filled(sessions, tmp_path)
    topics = {q.topic: q.name for q in p.handling.profile.queues.queues if q.topic}
    r = await ticket_report(sessions, period("month", date(2026, 11, 15), "Asia/Ho_Chi_Minh"), topics)
    assert r["totals"] == {"received": 5, "answered_directly": 1, "transferred": 2, "on_time": 2, "late": 1,
                           "overdue": 1, "pending": 2, "rejected": 1}
    assert {x["key"]: x["received"] for x in r["by_channel"]} == {"phone": 2, "web": 1, "zalo": 1, "email": 1}
    assert {x["name"]: x["transferred"] for x in r["by_agency"] if x["key"]} == {"Công ty Điện lực": 2}
    assert {x["key"]: x["received"] for x in r["by_level"]} == {1: 1, 2: 1, None: 3}
    # Per commune, and the whole province in the totals (a ticket with no commune: "không rõ").
    assert {x["name"]: (x["received"], x["transferred"]) for x in r["by_commune"]} == {
        "Phường Mỹ Tho": (2, 1), "Phường Cao Lãnh": (1, 1), "(không rõ)": (2, 0)}
    assert [(x["rating"], x["count"]) for x in r["satisfaction"]] == [(5, 1), (4, 0), (3, 0), (2, 1), (1, 0)]
    assert [x["code"] for x in r["overdue_list"]] == [overdue.code]
    october = await ticket_report(sessions, period("month", date(2026, 10, 1), "Asia/Ho_Chi_Minh"), topics)
    assert october["totals"]["received"] == 1
    q4 = await ticket_report(sessions, period("quarter", date(2026, 11, 1), "Asia/Ho_Chi_Minh"), topics)
    assert q4["totals"]["received"] == 6


async def test_exports_and_who_may_read_them(sessions, tmp_path):
    p, overdue = await filled(sessions, tmp_path)
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    ReportsApi(accounts, sessions, p.handling.profile).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = []
    try:
        for user, role in (("gs1", "supervisor"), ("op1", "operator")):
            await accounts.create_user(user, user, role, "mat-khau-dai-1")
            token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
            clients.append(aiohttp.ClientSession(cookies={COOKIE: token}))
        sup, op = clients
        q = "kind=month&date=2026-11-15"
        async with op.get(server.make_url(f"/api/reports?{q}")) as r:
            assert r.status == 403
        async with sup.get(server.make_url("/api/reports?kind=decade")) as r:
            assert r.status == 422
        async with sup.get(server.make_url(f"/api/reports/export?format=csv&{q}")) as r:
            assert r.status == 200 and "bao-cao-2026-11-01-2026-11-30.csv" in r.headers["Content-Disposition"]
            rows = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
        assert ["Tổng cộng", "5", "1", "2", "2", "1", "1", "2", "1"] in rows
        assert any(row and row[0] == overdue.code for row in rows)
        assert ["Theo xã, phường, đặc khu"] in rows and ["Phường Mỹ Tho", "2", "1", "1", "2", "0", "0", "0", "0"] in rows
        async with sup.get(server.make_url(f"/api/reports/export?format=xlsx&{q}")) as r:
            book = openpyxl.load_workbook(io.BytesIO(await r.read()))
        values = [list(row) for row in book.active.iter_rows(values_only=True)]
        values = [row[:max((i + 1 for i, v in enumerate(row) if v is not None), default=0)] for row in values]
        assert ["Tổng cộng", 5, 1, 2, 2, 1, 1, 2, 1] in values
    finally:
        for c in clients:
            await c.close()
        await server.close()

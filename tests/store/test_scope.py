"""Each province's own fields (#19 item 9): a ticket's topic and an agency's fields must be fields
of the line, over HTTP on SQLite and PostgreSQL; the demo data keeps only the line's fields."""

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agencies_api import AgenciesApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.demo import seed_demo
from hotline.store.tickets import Ticket
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import refusals
from tests.store.support import call, province, signed_in


@pytest.fixture(params=["thanh_hoa", "ho_chi_minh"])
async def line(request, sessions, tmp_path):
    p = await province(sessions, tmp_path, request.param)
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    TicketsApi(accounts, p.store, p.handling, Attachments(sessions, tmp_path / "files", 1024)).register(app.router)
    AgenciesApi(accounts, AgencyDirectory(sessions), ["local"], p.handling.profile).register(app.router)
    server = TestServer(app)
    await server.start_server()
    users = await signed_in(accounts, [("op1", "operator", None), ("quantri", "admin", None)])
    clients = {"operator": users["op1"], "admin": users["quantri"]}
    yield request.param, p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()




OWN = {"thanh_hoa": "food_safety", "ho_chi_minh": "public_order"}
FOREIGN = {"thanh_hoa": "investment", "ho_chi_minh": "administrative_procedures"}


async def test_topics_outside_the_lines_fields_are_refused(line):
    profile_id, p, server, c = line
    op, admin = c["operator"], c["admin"]
    status, body = await call(op, server, "POST", "/api/tickets", {
        "channel": "email", "caller_phone": "0901000001", "topic": FOREIGN[profile_id], "content": "Nội dung"})
    assert status == 400 and FOREIGN[profile_id] in body["error"] and OWN[profile_id] in body["error"]
    status, ticket = await call(op, server, "POST", "/api/tickets", {
        "channel": "email", "caller_phone": "0901000001", "topic": OWN[profile_id], "content": "Nội dung"})
    assert status == 201 and ticket["topic"] == OWN[profile_id]

    agency = {"name": "Sở Kế hoạch và Đầu tư", "level": "province", "phone": "02373851009", "route": "local",
              "fields": [OWN[profile_id], FOREIGN[profile_id]], "contacts": []}
    status, body = await call(admin, server, "POST", "/api/agencies", agency)
    assert status == 400 and FOREIGN[profile_id] in body["error"]
    status, saved = await call(admin, server, "POST", "/api/agencies", {**agency, "fields": [OWN[profile_id]]})
    assert status == 201 and saved["fields"] == [OWN[profile_id]]


async def test_an_edit_to_a_foreign_topic_is_refused_and_changes_nothing(line):
    profile_id, p, server, c = line
    status, ticket = await call(c["operator"], server, "POST", "/api/tickets", {
        "channel": "paper", "caller_phone": "0901000002", "topic": OWN[profile_id], "content": "Nội dung"})
    assert status == 201
    status, _ = await call(c["admin"], server, "PUT", f"/api/tickets/{ticket['id']}",
                           {"topic": FOREIGN[profile_id], "content": "Nội dung mới"})
    assert status == 400
    status, now = await call(c["admin"], server, "GET", f"/api/tickets/{ticket['id']}")
    assert now["topic"] == OWN[profile_id] and now["content"] == "Nội dung"


async def test_the_demo_data_keeps_only_the_lines_fields(line, sessions):
    profile_id, p, server, c = line
    topics = p.handling.profile.queues.topic_names()
    directory = AgencyDirectory(sessions)
    await seed_demo(p.store, directory, topics)
    for agency, _ in await directory.search(include_inactive=True, limit=100):
        assert set(agency.field_list) <= set(topics), agency.name
    async with sessions() as s:
        seeded = dict((await s.execute(select(Ticket.code, Ticket.topic).where(
            Ticket.code.in_(["26112029", "26112037"])))).all())
    assert len(seeded) == 2 and all(t is None or t in topics for t in seeded.values())
    assert seeded["26112029"] == "infrastructure"  # a field of every line

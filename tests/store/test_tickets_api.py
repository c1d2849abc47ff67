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
from hotline.web.auth import COOKIE, refusals
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.agencies.directory import AgencyDirectory
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Payload
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import TicketEvent
from tests.store.support import OPERATOR, call, province, signed_in


@pytest.fixture
async def api(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, tmp_path / "attachments", 1024 * 1024)
    TicketsApi(accounts, p.store, p.handling, files).register(app.router)
    AgencyApi(accounts, AgencyInbox(sessions, p.handling, files), AgencyDirectory(sessions)).register(app.router)
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = await signed_in(accounts, [("op1", "operator", None), ("dien.luc", "agency", p.agency_id)])
    yield p, server, clients
    for c in clients.values():
        await c.close()
    await server.close()




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
    status, work = await call(op, server, "GET", "/api/tickets")  # the hotline's work list
    assert status == 200 and [w["code"] for w in work] == [unrelated["code"]]
    assert work[0]["stage_text"] == "Tiếp nhận" and work[0]["channel"] == "paper"
    assert (await call(agency, server, "GET", "/api/tickets"))[0] == 403
    status, err = await call(agency, server, "GET", f"/api/tickets/{first['id']}")
    assert status == 403
    due = datetime.now(timezone.utc) + timedelta(days=10)
    day = (due + timedelta(hours=7)).strftime("%Y-%m-%d")
    status, item = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/reschedule",
                              {"date": day, "reason": "Chờ vật tư thay thế"})
    assert status == 200 and item["due_at"] == f"{day}T10:00:00+00:00"  # the end of that day, 17:00 local
    status, err = await call(agency, server, "POST", f"/api/agency/tickets/{first['id']}/actions/reschedule",
                             {"date": day, "reason": "lần hai"})
    assert status == 409 and "1 lần" in err["error"] and err["code"] == "conflict"
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


PDF = b"%PDF-1.4\n% Bien ban kiem tra hien truong\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


async def upload(client, server, ticket_id, files, public=False, header=True, path="/api/agency/tickets"):
    form = aiohttp.FormData(quote_fields=False)  # as browsers send names
    for name, data in files:
        form.add_field("files", data, filename=name, content_type="application/octet-stream")
    form.add_field("public", "1" if public else "0")
    headers = {"X-Hotline-Upload": "1"} if header else {}
    async with client.post(server.make_url(f"{path}/{ticket_id}/attachments"), data=form,
                           headers=headers) as r:
        return r.status, await r.json()


async def test_the_agency_attaches_documents_and_site_photos_to_its_answer(api, sessions):
    p, server, c = api
    op, agency = c["op1"], c["dien.luc"]
    now = datetime.now(timezone.utc)
    t = await p.receive(now, reporter_name="Trần Thị Bích")
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)

    status, item = await upload(agency, server, t.id, [("biên bản.pdf", PDF), ("hien truong <1>.jpg", JPEG)],
                                public=True)
    assert status == 200, item
    assert [(f["filename"], f["content_type"], f["public"]) for f in item["attachments"]] == [
        ("biên bản.pdf", "application/pdf", True), ("hien truong _1_.jpg", "image/jpeg", True)]
    # Refused with a clear message, nothing stored: no upload header (another site's form), a
    # program disguised as a photo, a ticket of another agency.
    assert (await upload(agency, server, t.id, [("x.pdf", PDF)], header=False))[0] == 415
    status, err = await upload(agency, server, t.id, [("anh.jpg", b"MZ\x90\x00 not a photo")])
    assert status == 415 and "anh.jpg" in err["error"]
    other = await p.receive(now)
    await p.handling.act(other.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id), now=now)
    assert (await upload(agency, server, other.id, [("x.pdf", PDF)]))[0] == 404

    # The hotline's staff and the agency download exactly what was given; the history says who.
    pdf_id = item["attachments"][0]["id"]
    for client, path in ((op, f"/api/tickets/{t.id}/attachments/{pdf_id}"),
                         (agency, f"/api/agency/tickets/{t.id}/attachments/{pdf_id}")):
        async with client.get(server.make_url(path)) as r:
            assert r.status == 200 and await r.read() == PDF
            assert r.headers["Content-Type"] == "application/pdf" and "attachment" in r.headers["Content-Disposition"]
    async with agency.get(server.make_url(f"/api/agency/tickets/{other.id}/attachments/{pdf_id}")) as r:
        assert r.status == 404
    async with sessions() as s:
        events = [(e.actor, e.action) for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id))]
    assert ("dien.luc", "attach") in events

    # Published with the result: the public page links the files, and serves them.
    status, item = await call(agency, server, "POST", f"/api/agency/tickets/{t.id}/actions/answer",
                              {"result": "Đã thay bóng đèn, biên bản kèm theo."})
    assert status == 200
    await p.handling.deadlines.scan(datetime.now(timezone.utc) + timedelta(days=3))  # the publication step runs
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(server.make_url("/ket-qua")) as r:
            html = await r.text()
        assert f"/ket-qua/{t.code}/tep/{pdf_id}" in html and "Trần Thị Bích" not in html
        async with anonymous.get(server.make_url(f"/ket-qua/{t.code}/tep/{pdf_id}")) as r:
            assert r.status == 200 and await r.read() == PDF
        async with anonymous.get(server.make_url(f"/ket-qua/{other.code}/tep/{pdf_id}")) as r:
            assert r.status == 404


async def test_the_hotline_attaches_files_only_to_tickets_it_holds(api):
    """The operating unit's own photos (HCMC Art. 7.1e: an incident it leads): on a ticket the
    hotline holds; a ticket at an agency gets its files from the agency."""
    p, server, c = api
    op, agency = c["op1"], c["dien.luc"]
    now = datetime.now(timezone.utc)
    held = await p.receive(now)
    status, item = await upload(op, server, held.id, [("rao chan.jpg", JPEG)], public=True, path="/api/tickets")
    assert status == 200 and [(f["filename"], f["public"], f["uploaded_by"]) for f in item["attachments"]] == [
        ("rao chan.jpg", True, "op1")]
    assert (await upload(op, server, held.id, [("x.pdf", PDF)], header=False, path="/api/tickets"))[0] == 415
    assert (await upload(agency, server, held.id, [("x.pdf", PDF)], path="/api/tickets"))[0] == 403
    await p.handling.act(held.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    status, err = await upload(op, server, held.id, [("x.pdf", PDF)], path="/api/tickets")
    assert status == 409 and "đơn vị" in err["error"]
    hidden = await p.receive(now, confidential=True)
    status, item = await upload(op, server, hidden.id, [("anh.jpg", JPEG)], public=True, path="/api/tickets")
    assert status == 200 and item["attachments"][0]["public"] is False  # never published


async def test_files_of_a_confidential_report_are_never_published(api):
    p, server, c = api
    now = datetime.now(timezone.utc)
    t = await p.receive(now, confidential=True)
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    status, item = await upload(c["dien.luc"], server, t.id, [("anh.jpg", JPEG)], public=True)
    assert status == 200 and item["attachments"][0]["public"] is False


async def test_every_edit_of_a_filed_ticket_is_in_its_history_with_old_and_new_values(api):
    p, server, c = api
    t = await p.receive(datetime.now(timezone.utc), caller_phone="0901000009", content="Nội dung ban đầu")
    await p.store.update_ticket(t.id, "giamsat", caller_phone="0901000010", confidential=True,
                                content="Nội dung đã sửa")
    await p.store.update_ticket(t.id, "giamsat", content="Nội dung đã sửa")  # nothing changed: no line
    status, detail = await call(c["op1"], server, "GET", f"/api/tickets/{t.id}")
    assert status == 200
    edits = [e for e in detail["history"] if e["action"] == "edited"]
    assert len(edits) == 1 and edits[0]["actor"] == "giamsat"
    assert edits[0]["detail"]["changes"] == {
        "caller_phone": {"old": "0901000009", "new": "0901000010"},
        "confidential": {"old": False, "new": True},
        "content": {"old": "Nội dung ban đầu", "new": "Nội dung đã sửa"}}


async def test_operators_read_state_secret_tickets_only_where_the_profile_allows(api, sessions):
    p, server, c = api
    t = await p.receive(datetime.now(timezone.utc), content="Nội dung liên quan bí mật nhà nước")
    await p.store.update_ticket(t.id, "giamsat", state_secret=True)
    accounts = Accounts(sessions)
    await accounts.create_user("gs", "Giám sát", "supervisor", "mat-khau-dai-1")
    token = await accounts.open_session((await accounts.authenticate("gs", "mat-khau-dai-1")).principal)
    async with aiohttp.ClientSession(cookies={COOKIE: token}) as sup:
        status, detail = await call(sup, server, "GET", f"/api/tickets/{t.id}")
        assert status == 200 and detail["state_secret"] is True
        status, waiting = await call(sup, server, "GET", "/api/tickets")
        assert t.code in [w["code"] for w in waiting]
    for method, path in (("GET", f"/api/tickets/{t.id}"), ("GET", f"/api/tickets/{t.id}/duplicate-candidates"),
                         ("POST", f"/api/tickets/{t.id}/actions/answer_directly")):
        status, body = await call(c["op1"], server, method, path, {} if method == "POST" else None)
        assert status == 403 and "bí mật nhà nước" in body["error"] and body["code"] == "forbidden", path
    status, waiting = await call(c["op1"], server, "GET", "/api/tickets")
    assert t.code not in [w["code"] for w in waiting]
    # Nor among the duplicate candidates of a ticket the operator may read.
    same = await p.receive(datetime.now(timezone.utc), content="Nội dung liên quan bí mật nhà nước")
    status, found = await call(c["op1"], server, "GET", f"/api/tickets/{same.id}/duplicate-candidates")
    assert status == 200 and t.code not in [f["code"] for f in found]
    async with aiohttp.ClientSession(cookies={COOKIE: token}) as sup:
        status, found = await call(sup, server, "GET", f"/api/tickets/{same.id}/duplicate-candidates")
        assert t.code in [f["code"] for f in found]
    # A province that lets its operators read them says so in its profile.
    p.handling.profile.state_secret_readers.append("operator")
    status, detail = await call(c["op1"], server, "GET", f"/api/tickets/{t.id}")
    assert status == 200

"""Coordination between agencies (Thanh Hóa Art. 12.4) on a simulated clock and a real store
(SQLite and PostgreSQL), and its HTTP routes with real sessions: the handling agency asks another
for its part, which answers within 5 working days or its head is told, once, across restarts."""

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.web.auth import COOKIE, refusals
from hotline.errors import Refused
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Actor, Payload, TicketHandling
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import CoordinationRequest
from tests.store.support import FOCAL_PHONE, HEAD_PHONE, OPERATOR, province

UTC = timezone.utc
MONDAY_9AM = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
HELPER_DUE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 5 working days later, 09:00 Monday


async def sms_of(p, ticket_id):
    async with p.sessions() as s:
        return [(m.to_number, m.purpose, m.text) for m in await s.scalars(
            select(SmsMessage).where(SmsMessage.ticket_id == ticket_id).order_by(SmsMessage.id))]


async def test_thanh_hoa_coordination_asked_answered_or_late_once(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    handler = Actor("binh", frozenset({"agency"}), p.other_agency_id)  # Sở Xây dựng handles
    t = await p.receive(MONDAY_9AM, content="Công trình xây dựng lấn chiếm vỉa hè, kéo dây điện tạm")
    with pytest.raises(Refused) as e:  # before the agency holds it
        await p.handling.coordination.ask(t.id, p.other_agency_id, "binh", p.agency_id, "Kiểm tra dây điện",
                                          now=MONDAY_9AM)
    assert e.value.status == 404
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id), now=MONDAY_9AM)
    ask = p.handling.coordination.ask
    with pytest.raises(Refused) as e:
        await ask(t.id, p.other_agency_id, "binh", p.other_agency_id, "Tự phối hợp", now=MONDAY_9AM)
    assert e.value.status == 422
    with pytest.raises(Refused) as e:  # only the handling agency asks
        await ask(t.id, p.agency_id, "dungle", p.other_agency_id, "x", now=MONDAY_9AM)
    assert e.value.status == 404
    r = await ask(t.id, p.other_agency_id, "binh", p.agency_id, "Đề nghị kiểm tra an toàn đường dây tạm",
                  now=MONDAY_9AM)
    assert r["due_at"] == HELPER_DUE.isoformat() and r["agency"] == "Công ty Điện lực"
    assert (await sms_of(p, t.id))[-1][:2] == (FOCAL_PHONE, "coordination")
    with pytest.raises(Refused) as e:  # one open request per agency
        await ask(t.id, p.other_agency_id, "binh", p.agency_id, "Nhắc lại", now=MONDAY_9AM)
    assert e.value.status == 409
    # The ticket keeps its own 10 working days with the handling agency.
    assert t.handling_stage == "handling" and t.agency_id == p.other_agency_id

    # Not answered in 5 working days: late, the helper's head is told; a restarted process repeats nothing.
    assert await p.handling.coordination.scan(HELPER_DUE - timedelta(minutes=1)) == []
    assert await p.handling.coordination.scan(HELPER_DUE + timedelta(minutes=1)) == [r["id"]]
    restarted = TicketHandling.of(p.settings, sessions, p.handling.profile)
    assert await restarted.coordination.scan(HELPER_DUE + timedelta(hours=2)) == []
    late = [m for m in await sms_of(p, t.id) if m[1] == "coordination_late"]
    assert [(m[0]) for m in late] == [HEAD_PHONE] and t.code in late[0][2]

    # The helper answers (late), once; the handling agency's focal point is told.
    with pytest.raises(Refused) as e:
        await p.handling.coordination.answer(r["id"], p.other_agency_id, "binh", "Không phải của tôi")
    assert e.value.status == 404
    done = await p.handling.coordination.answer(r["id"], p.agency_id, "dungle", "Đã cắt điện dây tạm, lập biên bản",
                                                now=HELPER_DUE + timedelta(hours=3))
    assert done["late"] and done["answer"].startswith("Đã cắt điện")
    with pytest.raises(Refused) as e:
        await p.handling.coordination.answer(r["id"], p.agency_id, "dungle", "Lần hai")
    assert e.value.status == 409
    assert (await sms_of(p, t.id))[-1][:2] == ("0911000005", "coordination")
    t = await p.handling.act(t.id, "answer", handler, Payload(result="Đã xử lý lấn chiếm, cắt dây tạm"),
                             now=HELPER_DUE + timedelta(hours=4))
    with pytest.raises(Refused) as e:  # the ticket answered: no more requests
        await ask(t.id, p.other_agency_id, "binh", p.agency_id, "Thêm", now=HELPER_DUE + timedelta(hours=5))
    assert e.value.status == 409
    _, _, events = await p.ticket(t.id)
    assert [e for e in events if e.startswith("coordination")] == ["coordination_asked", "coordination_missed",
                                                                   "coordination_answered"]


async def test_a_profile_without_coordination_refuses_it(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    with pytest.raises(Refused) as e:
        await p.handling.coordination.ask(t.id, p.agency_id, "dungle", p.other_agency_id, "x", now=MONDAY_9AM)
    assert e.value.status == 409 and "phối hợp" in str(e.value)


async def test_coordination_over_http(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    AgencyApi(accounts, AgencyInbox(sessions, p.handling, Attachments(sessions, tmp_path / "files")),
              AgencyDirectory(sessions)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = {}
    try:
        for user, role, agency in (("sxd", "agency", p.other_agency_id), ("dienluc", "agency", p.agency_id),
                                   ("op1", "operator", None)):
            await accounts.create_user(user, user, role, "mat-khau-dai-1", agency_id=agency,
                                       operator_id="op1" if role == "operator" else None)
            token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
            clients[user] = aiohttp.ClientSession(cookies={COOKIE: token})
        clients["anonymous"] = aiohttp.ClientSession()
        t = await p.receive(datetime.now(UTC))
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id))

        async def call(who, method, path, body=None):
            async with clients[who].request(method, server.make_url(path), json=body) as r:
                return r.status, await r.json()

        status, partners = await call("sxd", "GET", "/api/agency/partners")
        assert status == 200 and [a["id"] for a in partners] == [p.agency_id]
        status, body = await call("sxd", "POST", f"/api/agency/tickets/{t.id}/coordination",
                                  {"agency_id": p.agency_id, "question": "<script>alert(1)</script> kiểm tra dây"})
        assert status == 201 and body["coordination"][0]["question"].startswith("<script>")
        assert (await call("sxd", "POST", f"/api/agency/tickets/{t.id}/coordination",
                           {"agency_id": p.agency_id, "question": "   "}))[0] == 400
        status, mine = await call("sxd", "GET", "/api/agency/tickets")
        assert mine[0]["may_coordinate"] and mine[0]["coordination"][0]["agency_id"] == p.agency_id
        status, asked = await call("dienluc", "GET", "/api/agency/coordination")
        assert status == 200 and [a["code"] for a in asked] == [t.code]
        assert "caller_phone" not in asked[0] and "reporter_name" not in asked[0]  # the helper needs no identity
        assert (await call("sxd", "POST", f"/api/agency/coordination/{asked[0]['id']}/answer",
                           {"answer": "x"}))[0] == 404
        status, done = await call("dienluc", "POST", f"/api/agency/coordination/{asked[0]['id']}/answer",
                                  {"answer": "Đã cắt điện"})
        assert status == 200 and done["answer"] == "Đã cắt điện"
        for who, expected in (("op1", 403), ("anonymous", 401)):
            assert (await call(who, "GET", "/api/agency/coordination"))[0] == expected
            assert (await call(who, "POST", f"/api/agency/tickets/{t.id}/coordination",
                               {"agency_id": p.agency_id, "question": "x"}))[0] == expected
        async with sessions() as s:
            assert len(list(await s.scalars(select(CoordinationRequest)))) == 1
    finally:
        for c in clients.values():
            await c.close()
        await server.close()


async def test_quang_ninh_distributes_one_matter_to_several_agencies(sessions, tmp_path):
    """Step 1.2: "cơ quan xử lý có thể là một hoặc nhiều": the centre names the lead agency and
    the others, who are asked for their part at once, within the same 5 working days."""
    p = await province(sessions, tmp_path, "quang_ninh")
    t = await p.receive(MONDAY_9AM, content="Cây đổ đè lên đường dây điện và chắn đường")
    offered = {a["name"]: a for a in p.handling.offered(t, OPERATOR, MONDAY_9AM)}
    assert offered["transfer"]["several_agencies"] is True
    t = await p.handling.act(t.id, "transfer", OPERATOR,
                             Payload(agency_id=p.other_agency_id, also_agency_ids=[p.agency_id, p.agency_id]),
                             now=MONDAY_9AM)
    assert t.agency_id == p.other_agency_id and t.handling_stage == "intake"
    asked = await p.handling.coordination.of_ticket(t.id)
    assert [(a["agency"], a["due_at"]) for a in asked] == [("Công ty Điện lực", HELPER_DUE.isoformat())]
    assert "Sở Xây dựng (cơ quan chủ trì)" in asked[0]["question"]
    sms = await sms_of(p, t.id)
    assert (FOCAL_PHONE, "coordination") in [m[:2] for m in sms]
    # the asked agency finds it among the requests it answers from its inbox
    assert [r["code"] for r in await p.handling.coordination.asked_of(p.agency_id)] == [t.code]


async def test_one_agency_only_where_the_workflow_says_so(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    t = await p.receive(MONDAY_9AM)
    with pytest.raises(Refused) as e:
        await p.handling.act(t.id, "transfer", OPERATOR,
                             Payload(agency_id=p.other_agency_id, also_agency_ids=[p.agency_id]), now=MONDAY_9AM)
    assert e.value.status == 422
    async with sessions() as s:  # nothing of the refused transfer stays
        assert (await s.get(type(t), t.id)).agency_id is None
        assert not list(await s.scalars(select(CoordinationRequest)))

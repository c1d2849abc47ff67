"""Calls to citizens over HTTP (in-process server, real store on SQLite and PostgreSQL): the
callback work list (one winner when two operators take a request, attempts and retries by the
profile's rules, the deadline alert), and the checks that stop toll fraud from a stolen desktop
session (numbers only from the store, Vietnamese only, calling hours, a limit per hour, a dial
token claimed once by its own operator)."""

import asyncio
import dataclasses
from datetime import datetime, time, timedelta, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.callbacks_api import CallbacksApi
from hotline.callbacks.service import Callbacks
from hotline.config.outbound import CallingHours
from hotline.outbound.service import OutboundCalls
from hotline.reports.figures import callback_report
from hotline.reports.periods import Period
from hotline.store.callbacks import CallbackAttempt, CallbackRequest, OutboundCall
from hotline.store.tickets import TicketEvent
from hotline.web.auth import COOKIE, refusals
from tests.store.support import CITIZEN_PHONE, province

UTC = timezone.utc
ALWAYS = CallingHours(hours=[(time(0, 0), time(23, 59, 59))])


def all_day(profile):
    """The profile with calls allowed at any hour (the tests run at any time of day)."""
    return dataclasses.replace(profile, outbound=profile.outbound.model_copy(update={"calling_hours": ALWAYS}))


@pytest.fixture
async def desk(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    profile = all_day(p.handling.profile)
    outbound = OutboundCalls(sessions, profile, "local", "02773851022")
    callbacks = Callbacks(sessions, profile, outbound)
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    CallbacksApi(accounts, callbacks, outbound, p.store).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = {}
    for user, role in (("op1", "operator"), ("op2", "operator"), ("gs1", "supervisor")):
        await accounts.create_user(user, user, role, "mat-khau-dai-1", operator_id=user if role == "operator" else None)
        token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
        clients[user] = aiohttp.ClientSession(cookies={COOKIE: token})
    yield p, callbacks, outbound, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def call(client, server, method, path, body=None):
    async with client.request(method, server.make_url(path), json=body if body is not None else {}) as r:
        return r.status, await r.json()


async def test_two_operators_take_the_same_request_one_gets_it(desk):
    p, callbacks, outbound, server, c = desk
    earlier = await p.receive(datetime.now(UTC) - timedelta(days=3))  # the caller's previous ticket
    first = await callbacks.add(CITIZEN_PHONE, "after_hours", None, "1700000000.1",
                                now=datetime.now(UTC) - timedelta(hours=2))
    second = await callbacks.add("+84 987 654 321", "queue_timeout", "operator", "1700000000.2")
    status, listed = await call(c["op1"], server, "GET", "/api/callbacks")
    assert status == 200
    assert [r["id"] for r in listed] == [first.id, second.id]  # oldest first
    assert listed[0]["previous_tickets"][0]["code"] == earlier.code
    assert listed[1]["caller_number"] == "0987654321" and listed[1]["reason"] == "queue_timeout"
    assert listed[0]["due_at"] and listed[0]["can_take"]

    results = await asyncio.gather(*(call(c[op], server, "POST", f"/api/callbacks/{first.id}/take")
                                     for op in ("op1", "op2")))
    assert sorted(s for s, _ in results) == [200, 409], results
    winner = next(op for op, (s, _) in zip(("op1", "op2"), results) if s == 200)
    loser = "op2" if winner == "op1" else "op1"
    refused = next(body for s, body in results if s == 409)
    assert refused["code"] == "callback_taken" and winner in refused["error"]
    # The loser may neither call nor record an outcome; the winner's second click is harmless.
    assert (await call(c[loser], server, "POST", f"/api/callbacks/{first.id}/call"))[0] == 409
    assert (await call(c[loser], server, "POST", f"/api/callbacks/{first.id}/outcome",
                       {"outcome": "reached"}))[0] == 409
    assert (await call(c[winner], server, "POST", f"/api/callbacks/{first.id}/take"))[0] == 200
    # Supervisors see the list but do not take requests.
    assert (await call(c["gs1"], server, "GET", "/api/callbacks"))[0] == 200
    assert (await call(c["gs1"], server, "POST", f"/api/callbacks/{second.id}/take"))[0] == 403
    assert (await call(c["op1"], server, "POST", "/api/callbacks/999999/take"))[0] == 404


async def test_attempts_follow_the_profile_and_the_last_one_closes_the_request(desk):
    p, callbacks, outbound, server, c = desk
    req = await callbacks.add(CITIZEN_PHONE, "after_hours")
    max_attempts = p.handling.profile.callbacks.max_attempts
    for attempt in range(1, max_attempts + 1):
        # After an unanswered attempt the request waits for the retry time before anyone takes it.
        if attempt > 1:
            status, body = await call(c["op2"], server, "POST", f"/api/callbacks/{req.id}/take")
            assert (status, body["code"]) == (409, "callback_not_due")
            async with p.sessions() as s, s.begin():
                (await s.get(CallbackRequest, req.id)).next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
        assert (await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/take"))[0] == 200
        status, dial = await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/call")
        assert status == 201 and dial["dial"].startswith("out-") and dial["number"] == CITIZEN_PHONE
        status, after = await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/outcome",
                                   {"outcome": "no_answer", "note": f"lần {attempt}"})
        assert status == 200 and after["attempts"] == attempt
        if attempt < max_attempts:
            assert after["status"] == "open" and after["next_attempt_at"] and after["handled_at"] is None
    assert after["status"] == "unreached" and after["handled_at"] and after["handled_by"] == "op1"
    status, detail = await call(c["gs1"], server, "GET", f"/api/callbacks/{req.id}")
    assert [a["outcome"] for a in detail["attempts_made"]] == ["no_answer"] * max_attempts
    # The report counts the request, its attempts and the calls placed.
    now = datetime.now(UTC)
    figures = await callback_report(p.sessions, Period("day", now.date(), now.date(), now - timedelta(days=1),
                                                           now + timedelta(days=1)))
    assert figures["requested"] == 1 and figures["unreached"] == 1 and figures["done"] == 0
    assert figures["attempts"] == {"no_answer": max_attempts} and figures["calls_placed"] == 0  # none dialled
    # Handled requests leave the work list and cannot be taken again.
    assert req.id not in [r["id"] for r in (await call(c["op1"], server, "GET", "/api/callbacks"))[1]]
    status, body = await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/take")
    assert (status, body["code"]) == (409, "callback_handled")
    assert (await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/outcome", {"outcome": "maybe"}))[0] == 400


async def test_reached_links_the_ticket_written_during_the_call(desk):
    p, callbacks, outbound, server, c = desk
    req = await callbacks.add(CITIZEN_PHONE, "queue_timeout", "operator")
    await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/take")
    status, dial = await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/call")
    token = dial["dial"].removeprefix("out-")
    claimed = await outbound.claim(token, "op1", "1700000999.7")
    assert claimed.number == CITIZEN_PHONE and claimed.route == "local" and claimed.caller_id == "02773851022"
    draft = await p.store.draft_for_call("1700000999.7", CITIZEN_PHONE, None, "op1", None)
    status, done = await call(c["op1"], server, "POST", f"/api/callbacks/{req.id}/outcome", {"outcome": "reached"})
    assert status == 200 and done["status"] == "done" and done["ticket_id"] == draft.id
    async with p.sessions() as s:
        attempt = await s.scalar(select(CallbackAttempt).where(CallbackAttempt.request_id == req.id))
        events = [e.action for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == draft.id))]
    assert attempt.outbound_call_id == dial["id"] and "callback" in events


async def test_click_to_call_only_a_ticket_s_vietnamese_number_in_calling_hours(desk, sessions):
    p, callbacks, outbound, server, c = desk
    good = await p.receive(datetime.now(UTC))
    foreign = await p.receive(datetime.now(UTC), caller_phone="+1 202 555 0100")
    premium = await p.receive(datetime.now(UTC), caller_phone="19001022")
    none = await p.receive(datetime.now(UTC), caller_phone=None)
    secret = await p.receive(datetime.now(UTC), state_secret=True)
    status, dial = await call(c["op1"], server, "POST", f"/api/tickets/{good.id}/call")
    assert status == 201 and dial["number"] == CITIZEN_PHONE and dial["ticket_id"] == good.id
    for ticket, expected in ((foreign, (403, "number_not_allowed")), (premium, (403, "number_not_allowed")),
                             (none, (409, "no_number")), (secret, (403, "state_secret"))):
        status, body = await call(c["op1"], server, "POST", f"/api/tickets/{ticket.id}/call")
        assert (status, body["code"]) == expected, (ticket.caller_phone, body)
    assert (await call(c["op1"], server, "POST", "/api/tickets/999999/call"))[0] == 404
    assert (await call(c["gs1"], server, "POST", f"/api/tickets/{good.id}/call"))[0] == 403  # operators only
    # There is no route that takes a number: a typed number cannot be called at all.
    async with c["op1"].post(server.make_url("/api/tickets/call"), json={"number": "0912345678"}) as r:
        assert r.status in (404, 405)

    # Out of calling hours: refused, whatever the ticket.
    night = CallingHours(hours=[(time(7, 0), time(21, 0))])
    closed = OutboundCalls(sessions, dataclasses.replace(
        p.handling.profile, outbound=p.handling.profile.outbound.model_copy(update={"calling_hours": night})),
        "local", "02773851022")
    late = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 23:00 in Vietnam
    with pytest.raises(Exception) as refused:
        await closed.for_ticket("op1", good.id, now=late)
    assert getattr(refused.value, "code", None) == "outside_calling_hours"
    await closed.for_ticket("op1", good.id, now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 10:00: allowed


async def test_a_dial_token_is_claimed_once_by_its_own_operator_and_soon(desk):
    p, callbacks, outbound, server, c = desk
    ticket = await p.receive(datetime.now(UTC))
    tokens = []
    for _ in range(3):
        status, dial = await call(c["op1"], server, "POST", f"/api/tickets/{ticket.id}/call")
        tokens.append(dial["dial"].removeprefix("out-"))
    assert await outbound.claim(tokens[0], "op2", "1.1") is None  # another operator's softphone
    assert await outbound.claim("deadbeef", "op1", "1.2") is None  # never issued
    assert await outbound.claim(tokens[0] + "; Dial(x)", "op1", "1.3") is None  # not a token at all
    assert (await outbound.claim(tokens[0], "op1", "1.4")).number == CITIZEN_PHONE
    assert await outbound.claim(tokens[0], "op1", "1.5") is None  # used
    later = datetime.now(UTC) + timedelta(seconds=outbound.policy.start_within_seconds + 5)
    assert await outbound.claim(tokens[1], "op1", "1.6", now=later) is None  # too late
    async with p.sessions() as s:
        rows = {r.token: r for r in await s.scalars(select(OutboundCall))}
        history = [(e.action, e.detail.get("linkedid")) for e in
                   await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert rows[tokens[0]].status == "dialing" and rows[tokens[0]].linkedid == "1.4"
    assert rows[tokens[1]].status == "requested" and rows[tokens[2]].status == "requested"
    assert ("outbound_call", "1.4") in history


async def test_calls_per_operator_and_hour_are_limited(desk):
    p, callbacks, outbound, server, c = desk
    ticket = await p.receive(datetime.now(UTC))
    limit = outbound.policy.per_operator_per_hour
    for _ in range(limit):
        assert (await call(c["op1"], server, "POST", f"/api/tickets/{ticket.id}/call"))[0] == 201
    status, body = await call(c["op1"], server, "POST", f"/api/tickets/{ticket.id}/call")
    assert (status, body["code"]) == (429, "outbound_limit")
    assert (await call(c["op2"], server, "POST", f"/api/tickets/{ticket.id}/call"))[0] == 201  # per operator


async def test_supervisors_are_alerted_once_about_a_late_request(desk):
    p, callbacks, outbound, server, c = desk
    requested = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday 16:00 in Vietnam
    req = await callbacks.add(CITIZEN_PHONE, "after_hours", now=requested)
    # 8 working hours of Đồng Tháp's office hours: 1 h on Friday, 7 h on Monday -> Monday 16:00 local.
    assert req.due_at.astimezone(UTC) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert await callbacks.scan(now=datetime(2026, 12, 7, 8, 59, tzinfo=UTC)) == []
    assert await callbacks.scan(now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC)) == [req.id]
    assert await callbacks.scan(now=datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == []  # once
    listed = (await call(c["gs1"], server, "GET", "/api/callbacks"))[1]
    assert next(r for r in listed if r["id"] == req.id)["overdue"]


async def test_previous_tickets_of_many_numbers_in_one_query_newest_first(desk):
    p, callbacks, outbound, server, c = desk
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    made = [await p.receive(start + timedelta(days=i)) for i in range(7)]  # CITIZEN_PHONE's
    other = await p.receive(start, caller_phone="0987000111")
    found = await p.store.previous_tickets_of([CITIZEN_PHONE, "0987000111", "0900000000", ""], limit=5)
    assert [t.id for t in found[CITIZEN_PHONE]] == [t.id for t in reversed(made)][:5]
    assert [t.id for t in found["0987000111"]] == [other.id] and "0900000000" not in found
    assert [t.id for t in await p.store.previous_tickets(CITIZEN_PHONE)] == [t.id for t in found[CITIZEN_PHONE]]


async def test_the_end_of_a_call_to_a_citizen_is_written_and_other_calls_cost_nothing(desk):
    from hotline.events.types import CallEnded

    p, callbacks, outbound, server, c = desk
    ticket = await p.receive(datetime.now(UTC))
    tokens = []
    for _ in range(2):
        tokens.append((await call(c["op1"], server, "POST", f"/api/tickets/{ticket.id}/call"))[1]["dial"][4:])
    await outbound.claim(tokens[0], "op1", "5.1")
    await outbound.claim(tokens[1], "op1", "5.2")
    answered = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    await outbound.on_call_ended(CallEnded(data={"linkedid": "5.1", "direction": "outbound", "dial_status": "ANSWER",
                                                 "answered_at": answered.timestamp()}, agent="op1"))
    await outbound.on_call_ended(CallEnded(data={"linkedid": "5.2", "direction": "outbound", "dial_status": "BUSY",
                                                 "answered_at": None}, agent="op1"))
    await outbound.on_call_ended(CallEnded(data={"linkedid": "5.2", "direction": "inbound"}, agent="op1"))
    async with p.sessions() as s:
        rows = {r.linkedid: r for r in await s.scalars(select(OutboundCall).where(OutboundCall.linkedid.is_not(None)))}
    first, second = rows["5.1"], rows["5.2"]
    assert first.status == "answered" and first.answered_at.replace(tzinfo=UTC) == answered and first.ended_at
    assert second.status == "busy" and second.answered_at is None and second.ended_at

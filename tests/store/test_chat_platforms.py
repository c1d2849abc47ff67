"""Zalo OA and Facebook Messenger (#18), and citizens' SMS to the hotline (#33, the fifth channel as
one adapter), on SQLite and PostgreSQL: the webhooks (an in-process
server) take only events signed as each platform's documentation specifies, a citizen's message
becomes a conversation with a draft ticket, and the receipt and the operator's answer reach a
local server that implements the platforms' send APIs (request and response shapes as
documented: the real platforms cannot be reached from here); a platform answering 500 is
retried from the outbox."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.conversations.chat_outbox import ChatSender
from hotline.conversations.platform_files import PlatformFiles
from hotline.conversations.platforms import facebook_signature, zalo_signature
from hotline.conversations.service import Conversations
from hotline.public.webhooks import BODY_LIMITS, Webhooks
from hotline.security.bodies import body_limits
from hotline.settings import Messaging
from hotline.store.conversations import Conversation
from hotline.store.outbox import ChatOutMessage
from hotline.store.tickets import Attachment, Ticket
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.store import TicketStore
from hotline.web.auth import refusals

APP_ID = "4321987654"


class Platforms:
    """The send APIs of Zalo OA (POST, header access_token, answer {"error": 0, ...}) and of
    Messenger (POST ?access_token=, answer {"recipient_id", "message_id"}); `fail` answers 500."""

    def __init__(self):
        self.received: list[tuple[str, dict, str]] = []
        self.fail = 0
        self.valid_access: str | None = None  # set: the only access token Zalo's send API accepts
        self.refresh = "refresh-0"  # the refresh token Zalo's OAuth accepts now (once)
        self.renewals = 0
        self.token_fail = False
        app = web.Application()
        app.router.add_post("/zalo/v3.0/oa/message/cs", self.zalo)
        app.router.add_post("/zalo/v4/oa/access_token", self.zalo_token)
        app.router.add_post("/facebook/v19.0/me/messages", self.facebook)
        app.router.add_get("/cdn/{name}", self.cdn)
        app.router.add_post("/sms/send", self.sms)
        self.files: dict[str, bytes] = {}
        self.cdn_busy = 0  # answer 503 this many times first
        self.server = TestServer(app)

    async def cdn(self, request):
        """Where the platforms keep the files citizens send."""
        if self.cdn_busy:
            self.cdn_busy -= 1
            return web.Response(status=503)
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data, content_type="application/octet-stream") if data else web.Response(status=404)

    async def zalo_token(self, request):
        """Zalo OAuth v4's refresh: a form with app_id, refresh_token, grant_type; header secret_key;
        the answer {access_token, refresh_token, expires_in (a string of seconds)}; a refresh token
        works once."""
        form = await request.post()
        if self.token_fail:
            return web.Response(status=500, text="Internal error")
        if (request.headers.get("secret_key") != "zalo-app-secret" or form.get("app_id") != APP_ID
                or form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh):
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token",
                                      "error_description": "Refresh token is invalid"})
        self.renewals += 1
        self.valid_access, self.refresh = f"access-{self.renewals}", f"refresh-{self.renewals}"
        return web.json_response({"access_token": self.valid_access, "refresh_token": self.refresh,
                                  "expires_in": "90000"})

    async def zalo(self, request):
        if self.fail:
            self.fail -= 1
            return web.Response(status=500, text="Internal error")
        if self.valid_access is not None and request.headers.get("access_token") != self.valid_access:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        self.received.append(("zalo", body, request.headers.get("access_token")))
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": "z1", "user_id": body["recipient"]["user_id"]}})

    async def sms(self, request):
        """The SMS gateway of the hotline's outbox (`[sms] gateway = "http"`): {"id", "to", "text"}."""
        self.received.append(("sms", await request.json(), request.headers.get("Authorization")))
        return web.json_response({"accepted": True})

    async def facebook(self, request):
        body = await request.json()
        self.received.append(("facebook", body, request.query.get("access_token")))
        return web.json_response({"recipient_id": body["recipient"]["id"], "message_id": "m_1"})


@pytest.fixture
async def world(sessions, tmp_path, monkeypatch):
    platforms = Platforms()
    await platforms.server.start_server()
    base = str(platforms.server.make_url(""))
    for name, value in {"ZALO_OA_SECRET": "oa-secret", "ZALO_TOKEN": "zalo-token", "FB_APP_SECRET": "fb-secret",
                        "FB_VERIFY": "verify-me", "FB_PAGE_TOKEN": "page-token"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "sms-secret").write_text("sms-hmac-secret\n")
    monkeypatch.setenv("SMS_SECRET_FILE", str(tmp_path / "sms-secret"))  # a mounted secret (the _FILE form)
    config = Messaging.model_validate({
        "sms": {"secret_env": "SMS_SECRET"},
        "zalo": {"app_id": APP_ID, "oa_secret_env": "ZALO_OA_SECRET", "access_token_env": "ZALO_TOKEN",
                 "send_url": f"{base}/zalo/v3.0/oa/message/cs"},
        "facebook": {"app_secret_env": "FB_APP_SECRET", "verify_token_env": "FB_VERIFY",
                     "page_token_env": "FB_PAGE_TOKEN", "send_url": f"{base}/facebook/v19.0/me/messages"},
        "retry_seconds": 0.1})
    outbox = ChatSender(sessions, config)
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "f"),
                                  "tongdai1022@dongthap.gov.vn",
                                  platform_files=PlatformFiles([base.rstrip("/")], 1024 * 1024),
                                  platform_action=outbox.sender.action)
    app = web.Application(middlewares=[body_limits(64 * 1024, BODY_LIMITS), refusals])
    Webhooks(config, conversations).register(app.router)
    hooks = TestServer(app)
    await hooks.start_server()
    http = aiohttp.ClientSession()
    yield hooks, http, platforms, outbox, conversations
    await http.close()
    await outbox.stop()
    await hooks.close()
    await platforms.server.close()


def zalo_mac(body: bytes, secret: str) -> str:
    """Zalo's signature of an event, over the timestamp the event carries."""
    return zalo_signature(APP_ID, body, json.loads(body)["timestamp"], secret)


def zalo_event(text: str, msg_id: str) -> bytes:
    return json.dumps({"app_id": APP_ID, "user_id_by_app": "552177279717587730", "event_name": "user_send_text",
                       "timestamp": str(int(time.time() * 1000)), "sender": {"id": "246845883529197922"},
                       "recipient": {"id": "388613280878808645"}, "message": {"text": text, "msg_id": msg_id}},
                      ensure_ascii=False).encode()


async def test_a_signed_zalo_message_becomes_a_conversation_and_a_forged_one_nothing(sessions, world):
    hooks, http, platforms, outbox, conversations = world
    body = zalo_event("Đường Nguyễn Huệ ngập nước sau mưa", "msg-1")
    good = "mac=" + zalo_mac(body, "oa-secret")
    async with http.post(hooks.make_url("/webhooks/zalo"), data=body, headers={"X-ZEvent-Signature": good}) as r:
        assert r.status == 200, await r.text()
    forged = zalo_event("Tin giả", "msg-2")
    for signature in (good, "mac=" + zalo_mac(forged, "guess"), None):
        headers = {"X-ZEvent-Signature": signature} if signature else {}
        async with http.post(hooks.make_url("/webhooks/zalo"), data=forged, headers=headers) as r:
            assert r.status == 401 and (await r.json())["code"] == "bad_signature"
    async with sessions() as s:
        [conv] = list(await s.scalars(select(Conversation)))
        ticket = await s.get(Ticket, conv.ticket_id)
    assert (conv.channel, conv.citizen_address, ticket.channel, ticket.draft) == (
        "zalo", "246845883529197922", "zalo", True)
    # The receipt goes through the OA's send API, as documented.
    assert await outbox.send_due() == 1
    [(platform, payload, token)] = platforms.received
    assert platform == "zalo" and token == "zalo-token"
    assert payload["recipient"] == {"user_id": "246845883529197922"} and ticket.code in payload["message"]["text"]
    # The same event posted again (Zalo retries a slow answer): kept once.
    async with http.post(hooks.make_url("/webhooks/zalo"), data=body, headers={"X-ZEvent-Signature": good}) as r:
        assert r.status == 200
    assert len((await conversations.detail(conv.id))["messages"]) == 2  # the message and the receipt
    # The citizen saw the receipt (user_seen_message, signed like every event): marked read.
    now_ms = str(int(time.time() * 1000) + 1000)
    seen = json.dumps({"app_id": APP_ID, "event_name": "user_seen_message", "timestamp": now_ms,
                       "sender": {"id": "388613280878808645"}, "recipient": {"id": "246845883529197922"},
                       "message": {"msg_ids": ["oa-msg-1"]}}).encode()
    async with http.post(hooks.make_url("/webhooks/zalo"), data=seen, headers={
            "X-ZEvent-Signature": "mac=" + zalo_signature(APP_ID, seen, now_ms, "oa-secret")}) as r:
        assert r.status == 200
    detail = await conversations.detail(conv.id)
    assert detail["citizen_read_id"] == detail["messages"][1]["id"] and detail["messages"][1]["direction"] == "out"


async def test_a_messenger_conversation_answered_by_an_operator_and_a_failing_platform_retried(sessions, world):
    hooks, http, platforms, outbox, conversations = world
    async with http.get(hooks.make_url("/webhooks/facebook"), params={
            "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}) as r:
        assert r.status == 200 and await r.text() == "1158201444"
    async with http.get(hooks.make_url("/webhooks/facebook"), params={
            "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "x"}) as r:
        assert r.status == 403
    event = {"object": "page", "entry": [{"id": "PAGE", "time": 1733450000000, "messaging": [
        {"sender": {"id": "6543210987"}, "recipient": {"id": "PAGE"}, "timestamp": 1733450000000,
         "message": {"mid": "m_abc", "text": "Xin hỏi thủ tục cấp đổi căn cước"}}]}]}
    body = json.dumps(event, ensure_ascii=False).encode()
    async with http.post(hooks.make_url("/webhooks/facebook"), data=body,
                         headers={"X-Hub-Signature-256": facebook_signature(body, "fb-secret")}) as r:
        assert r.status == 200
    async with http.post(hooks.make_url("/webhooks/facebook"), data=body,
                         headers={"X-Hub-Signature-256": facebook_signature(body, "not-the-secret")}) as r:
        assert r.status == 401
    [conv] = await conversations.listing()
    assert conv["channel"] == "facebook"
    await conversations.take(conv["id"], "op1")
    await conversations.reply(conv["id"], "op1", "Chào anh, anh mang căn cước cũ đến bộ phận một cửa.")
    assert await outbox.send_due() == 2  # the receipt and the answer
    answer = [p for kind, p, token in platforms.received if "một cửa" in p["message"]["text"]]
    assert answer == [{"recipient": {"id": "6543210987"}, "messaging_type": "RESPONSE",
                       "message": {"text": "Chào anh, anh mang căn cước cũ đến bộ phận một cửa."}}]
    assert all(token == "page-token" for _, _, token in platforms.received)
    # The operator reads the citizen's message and writes: Messenger is told (sender actions).
    platforms.received.clear()
    first_in = (await conversations.detail(conv["id"]))["messages"][0]["id"]
    await conversations.read_by_operator(conv["id"], "op1", first_in)
    await conversations.operator_typing(conv["id"], "op1")
    for _ in range(50):
        if len(platforms.received) == 2:
            break
        await asyncio.sleep(0.05)
    assert sorted(p["sender_action"] for _, p, _ in platforms.received) == ["mark_seen", "typing_on"]
    assert all(p["recipient"] == {"id": "6543210987"} for _, p, _ in platforms.received)
    platforms.received.clear()
    # Messenger's read receipt (message_reads): every answer sent before the watermark was read.
    now_ms = int(time.time() * 1000) + 1000
    read = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": now_ms, "messaging": [
        {"sender": {"id": "6543210987"}, "recipient": {"id": "PAGE"}, "timestamp": now_ms,
         "read": {"watermark": now_ms}}]}]}).encode()
    async with http.post(hooks.make_url("/webhooks/facebook"), data=read,
                         headers={"X-Hub-Signature-256": facebook_signature(read, "fb-secret")}) as r:
        assert r.status == 200
    detail = await conversations.detail(conv["id"])
    assert detail["citizen_read_id"] == detail["messages"][-1]["id"] and "một cửa" in detail["messages"][-1]["body"]

    # Zalo's API fails twice (HTTP 500): the reply waits in the outbox and goes on the third try.
    platforms.fail = 2
    platforms.received.clear()
    zalo_body = zalo_event("Cống bị vỡ", "msg-9")
    async with http.post(hooks.make_url("/webhooks/zalo"), data=zalo_body, headers={
            "X-ZEvent-Signature": "mac=" + zalo_mac(zalo_body, "oa-secret")}) as r:
        assert r.status == 200
    for attempt in range(1, 4):
        async with sessions() as s:
            row = await s.scalar(select(ChatOutMessage).where(ChatOutMessage.channel == "zalo"))
            row_id = row.id
        async with sessions() as s, s.begin():
            (await s.get(ChatOutMessage, row_id)).next_attempt_at = row.created_at  # due now
        await outbox.send_due()
        async with sessions() as s:
            row = await s.get(ChatOutMessage, row_id)
        assert row.attempts == attempt
        if attempt < 3:
            assert row.status == "pending" and "HTTP 500" in row.last_error
    assert row.status == "sent" and len(platforms.received) == 1


async def test_the_zalo_token_is_renewed_before_it_expires_and_when_zalo_refuses_it(sessions, monkeypatch, tmp_path):
    """With the app's secret key and a refresh token, the hotline renews the OA's access token
    itself (Zalo OAuth v4, a local server with the documented shapes): at once (the environment's
    token has an unknown age), then an hour before it expires, each time with the refresh token
    the last renewal returned; a failed renewal keeps the token and records why; a token Zalo
    refuses is renewed at once and the outbox's retry goes with the new one; a new refresh token
    put in the environment starts a new chain."""
    from datetime import datetime, timedelta, timezone

    from hotline.conversations.platforms import ChatIn
    from hotline.notifications.gateways import GatewayError
    from hotline.store.base import aware
    from hotline.store.platform_tokens import PlatformToken

    platforms = Platforms()
    await platforms.server.start_server()
    base = str(platforms.server.make_url(""))
    for name, value in {"ZALO_OA_SECRET": "oa-secret", "ZALO_TOKEN": "from-env", "ZALO_APP_SECRET": "zalo-app-secret",
                        "ZALO_REFRESH": "refresh-0"}.items():
        monkeypatch.setenv(name, value)
    config = Messaging.model_validate({"zalo": {
        "app_id": APP_ID, "oa_secret_env": "ZALO_OA_SECRET", "access_token_env": "ZALO_TOKEN",
        "app_secret_env": "ZALO_APP_SECRET", "refresh_token_env": "ZALO_REFRESH",
        "send_url": f"{base}/zalo/v3.0/oa/message/cs", "token_url": f"{base}/zalo/v4/oa/access_token"},
        "retry_seconds": 0.1})
    outbox = ChatSender(sessions, config)
    token = outbox.zalo_token
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "f"),
                                  "tongdai1022@dongthap.gov.vn")
    try:
        assert await token.current() == "from-env"
        t0 = datetime.now(timezone.utc)
        assert await token.renew_if_due(t0) and await token.current() == "access-1"
        async with sessions() as s:
            row = await s.get(PlatformToken, "zalo")
        assert row.refresh_token == "refresh-1"
        assert abs(aware(row.expires_at) - (t0 + timedelta(seconds=90000))) < timedelta(seconds=1)
        # The receipt to a citizen goes with the renewed token (the only one Zalo accepts now).
        await conversations.receive_chat(ChatIn("zalo", "246845883529197922", "zalo:t1", "Đèn đường hỏng"))
        assert await outbox.send_due() == 1 and platforms.received[-1][2] == "access-1"
        # Not due an hour later; due an hour before it expires, with the refresh token kept.
        assert not await token.renew_if_due(t0 + timedelta(hours=1))
        assert await token.renew_if_due(t0 + timedelta(seconds=90000) - timedelta(minutes=30))
        assert await token.current() == "access-2" and platforms.refresh == "refresh-2"
        # Zalo's OAuth fails: the token stays, the reason is kept, the next check tries again.
        platforms.token_fail = True
        with pytest.raises(GatewayError):
            await token.renew_if_due(t0 + timedelta(days=3))
        assert await token.current() == "access-2"
        async with sessions() as s:
            assert "HTTP 500" in (await s.get(PlatformToken, "zalo")).last_error
        platforms.token_fail = False
        # Zalo stops accepting the token before its time: the send fails, the token is renewed at
        # once, and the outbox's retry goes with the new one.
        platforms.valid_access = "revoked-by-zalo"
        await conversations.receive_chat(ChatIn("zalo", "246845883529197000", "zalo:t2", "Cống vỡ"))
        assert await outbox.send_due() == 1
        async with sessions() as s:
            row = await s.scalar(select(ChatOutMessage).where(ChatOutMessage.recipient == "246845883529197000"))
            assert row.status == "pending" and "-216" in row.last_error
        assert await token.renew_if_due(t0 + timedelta(hours=2))  # not due by time: refused
        assert await token.current() == "access-3"
        async with sessions() as s, s.begin():
            (await s.get(ChatOutMessage, row.id)).next_attempt_at = t0
        assert await outbox.send_due() == 1 and platforms.received[-1][2] == "access-3"
        # The chain was set up again by hand: a new refresh token in the environment wins.
        platforms.refresh = "refresh-new"
        monkeypatch.setenv("ZALO_REFRESH", "refresh-new")
        monkeypatch.setenv("ZALO_TOKEN", "new-from-env")
        assert await token.current() == "new-from-env"
        assert await token.renew_if_due(t0 + timedelta(hours=3)) and await token.current() == "access-4"
    finally:
        await outbox.stop()
        await platforms.server.close()


async def test_files_sent_on_messenger_are_fetched_from_the_platform_and_checked_like_uploads(sessions, world):
    """A photo is fetched from the platform's host and kept with the ticket (after the platform was
    busy once: tried again); a program is refused by its content; a file on another host is not
    fetched at all; a location is named; the operator's view shows what was kept and why not."""
    hooks, http, platforms, outbox, conversations = world
    base = str(platforms.server.make_url("")).rstrip("/")
    platforms.files = {"anh.jpg": b"\xff\xd8\xff\xe0" + bytes(2000), "tai-lieu.exe": b"MZ\x90\x00" + bytes(100)}
    platforms.cdn_busy = 1
    event = {"object": "page", "entry": [{"id": "PAGE", "time": 1733450000000, "messaging": [
        {"sender": {"id": "6543210999"}, "recipient": {"id": "PAGE"}, "timestamp": 1733450000000,
         "message": {"mid": "m_files", "attachments": [
             {"type": "image", "payload": {"url": f"{base}/cdn/anh.jpg"}},
             {"type": "file", "payload": {"url": f"{base}/cdn/tai-lieu.exe"}},
             {"type": "image", "payload": {"url": "https://attacker.example/internal.jpg"}},
             {"type": "location", "payload": {"coordinates": {"lat": 10.45, "long": 105.63}}}]}}]}]}
    body = json.dumps(event).encode()
    async with http.post(hooks.make_url("/webhooks/facebook"), data=body,
                         headers={"X-Hub-Signature-256": facebook_signature(body, "fb-secret")}) as r:
        assert r.status == 200
    [conv] = await conversations.listing()
    first = (await conversations.detail(conv["id"]))["messages"][0]
    assert first["body"] == "(tệp đính kèm)" and first["attachments"] == []
    assert [f["filename"] for f in first["refused"]] == ["facebook-location-4"]
    assert await conversations.fetch_platform_files() == 1  # the host was busy for the photo
    assert await conversations.fetch_platform_files() == 1  # tried again: fetched
    assert await conversations.fetch_platform_files() == 0  # nothing left
    message = (await conversations.detail(conv["id"]))["messages"][0]
    assert [a["filename"] for a in message["attachments"]] == ["facebook-image-1"]
    reasons = {f["filename"]: f["reason"] for f in message["refused"]}
    assert set(reasons) == {"facebook-location-4", "facebook-file-2", "facebook-image-3"}
    assert "attacker.example" in reasons["facebook-image-3"]
    async with sessions() as s:
        [kept] = list(await s.scalars(select(Attachment)))
        ticket = await s.get(Ticket, conv["ticket_id"])
    assert kept.ticket_id == ticket.id and kept.size == 2004


async def conversations_count(sessions) -> int:
    async with sessions() as s:
        return len(list(await s.scalars(select(Conversation))))


async def test_webhooks_refuse_what_is_not_signed_before_reading_it_and_never_fail(sessions, world):
    """401 before anything in the body is parsed; any bytes in a signature header or verify token are
    a mismatch (never a server error); a signed body nested too deep is a bad event (400); an old
    signed Zalo event replayed is refused; a body without a length, or announcing more than a
    platform sends, is refused before it is read."""
    hooks, http, platforms, outbox, conversations = world
    zalo, facebook = hooks.make_url("/webhooks/zalo"), hooks.make_url("/webhooks/facebook")
    body = zalo_event("Đèn đường hỏng", "msg-h1")
    for header in ("mac=đây-không-phải-chữ-ký", "mac=" + "é" * 64, "sha256=\u00ff"):
        async with http.post(zalo, data=body, headers={"X-ZEvent-Signature": header.encode().decode("latin-1")}) as r:
            assert r.status == 401, await r.text()
        async with http.post(facebook, data=body, headers={"X-Hub-Signature-256": header.encode().decode("latin-1")}) as r:
            assert r.status == 401, await r.text()
    for token in ("xác-minh", "verify-me\u0000", "v" * 5000):
        async with http.get(facebook, params={"hub.mode": "subscribe", "hub.verify_token": token,
                                              "hub.challenge": "42"}) as r:
            assert r.status == 403
    # Deep JSON, correctly signed (only a holder of the secret can send it): 400, nothing kept.
    deep = b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    async with http.post(facebook, data=deep, headers={"X-Hub-Signature-256": facebook_signature(deep, "fb-secret")}) as r:
        assert r.status == 400 and (await r.json())["code"] == "bad_event"
    now_ms = str(int(time.time() * 1000))
    deep_zalo = (b'{"app_id": "' + APP_ID.encode() + b'", "timestamp": "' + now_ms.encode()
                 + b'", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    deep_mac = "mac=" + zalo_signature(APP_ID, deep_zalo, now_ms, "oa-secret")
    async with http.post(zalo, data=deep_zalo, headers={"X-ZEvent-Signature": deep_mac}) as r:
        assert r.status == 400 and (await r.json())["code"] == "bad_event"
    # A signed Zalo event from an hour ago (a replay): refused; the same event now is taken.
    old = json.loads(body)
    old["timestamp"] = str(int(time.time() * 1000) - 3600_000)
    old = json.dumps(old).encode()
    async with http.post(zalo, data=old, headers={"X-ZEvent-Signature": "mac=" + zalo_mac(old, "oa-secret")}) as r:
        assert r.status == 401 and (await r.json())["code"] == "stale_event"
    # The signature over another timestamp than the event's own is not the event's signature.
    other = "mac=" + zalo_signature(APP_ID, body, "1", "oa-secret")
    async with http.post(zalo, data=body, headers={"X-ZEvent-Signature": other}) as r:
        assert r.status == 401
    assert await conversations_count(sessions) == 0
    # Too large, or without a length: refused from the headers.
    async with http.post(facebook, data=b"x", headers={"Content-Length": str(64 * 1024 * 1024),
                                                       "X-Hub-Signature-256": "sha256=0"}) as r:
        assert r.status == 413

    async def chunks():
        yield b'{"object": "page"}'

    async with http.post(facebook, data=chunks(), headers={"X-Hub-Signature-256": "sha256=0"}) as r:
        assert r.status == 411
    async with http.post(zalo, data=body, headers={"X-ZEvent-Signature": "mac=" + zalo_mac(body, "oa-secret")}) as r:
        assert r.status == 200
    assert await conversations_count(sessions) == 1


async def test_a_full_messenger_batch_is_taken(sessions, world):
    """Messenger batches up to 1,000 events in one request: one such request, well over the public
    pages' body limit, is taken whole."""
    hooks, http, platforms, outbox, conversations = world
    now_ms = int(time.time() * 1000)
    messaging = [{"sender": {"id": f"70000{i:05d}"}, "recipient": {"id": "PAGE"}, "timestamp": now_ms,
                  "message": {"mid": f"m.batch-{i}", "text": f"Phản ánh số {i}: " + "ổ gà trên đường " * 10}}
                 for i in range(1000)]
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": now_ms, "messaging": messaging}]},
                      ensure_ascii=False).encode()
    assert len(body) > 256 * 1024
    async with http.post(hooks.make_url("/webhooks/facebook"), data=body,
                         headers={"X-Hub-Signature-256": facebook_signature(body, "fb-secret")}) as r:
        assert r.status == 200, await r.text()
    assert await conversations_count(sessions) == 1000


async def test_a_citizens_sms_becomes_a_conversation_answered_by_sms_through_the_gateway(sessions, world):
    """The fifth channel (#33): the SMS gateway posts a citizen's SMS to /webhooks/sms, signed with an
    HMAC of the exact body under the installation's secret (read from its _FILE form); a forged or
    missing signature is refused before the body is read and keeps nothing; the message becomes a
    conversation with a draft ticket and a receipt by SMS, the operator's answer goes through the
    SMS outbox to the gateway, the citizen's next SMS joins the same conversation, and her erasure
    request finds it by her number."""
    from hotline.conversations.channels.sms import signature
    from hotline.errors import Refused
    from hotline.notifications.gateways import HttpGateway
    from hotline.notifications.outbox import SmsSender
    from hotline.store.conversations import conversations_of
    from hotline.store.outbox import SmsMessage

    hooks, http, platforms, outbox, conversations = world
    url = hooks.make_url("/webhooks/sms")
    gateway = SmsSender(sessions, HttpGateway(str(platforms.server.make_url("/sms/send")), "gw-token"))

    def sms(message_id: str, text: str, number: str = "+84 912 345 678") -> bytes:
        return json.dumps({"id": message_id, "from": number, "to": "1022", "text": text}, ensure_ascii=False).encode()

    body = sms("gw-1", "Đèn tín hiệu ngã tư Hùng Vương hỏng từ sáng")
    for header in ({}, {"X-Hotline-Signature": signature(body, "not-the-secret")},
                   {"X-Hotline-Signature": "sha256=" + "é" * 64}):
        async with http.post(url, data=body, headers={k: v.encode().decode("latin-1") for k, v in header.items()}) as r:
            assert r.status == 401 and (await r.json())["code"] == "bad_signature"
    assert await conversations_count(sessions) == 0
    signed = {"X-Hotline-Signature": signature(body, "sms-hmac-secret")}
    for _ in range(2):  # the gateway posts it again (a slow answer): kept once
        async with http.post(url, data=body, headers=signed) as r:
            assert r.status == 200, await r.text()
    not_an_sms = b'{"id": "gw-x", "text": "no number"}'
    async with http.post(url, data=not_an_sms, headers={"X-Hotline-Signature": signature(not_an_sms, "sms-hmac-secret")}) as r:
        assert r.status == 400 and (await r.json())["code"] == "bad_event"
    [conv] = await conversations.listing()
    async with sessions() as s:
        ticket = await s.get(Ticket, conv["ticket_id"])
        [receipt] = list(await s.scalars(select(SmsMessage)))
    assert (conv["channel"], conv["citizen_address"]) == ("sms", "0912345678")
    assert (ticket.channel, ticket.caller_phone, ticket.draft) == ("sms", "0912345678", True)
    assert "Hùng Vương" in ticket.content
    assert receipt.to_number == "0912345678" and ticket.code in receipt.text and receipt.purpose == "receipt"
    # The operator answers: too long for an SMS is refused with the reason, and nothing is kept.
    await conversations.take(conv["id"], "op1")
    with pytest.raises(Refused) as refused:
        await conversations.reply(conv["id"], "op1", "Đã chuyển Sở Giao thông vận tải xử lý. " * 10)
    assert refused.value.code == "sms_too_long"
    await conversations.reply(conv["id"], "op1", "Đã chuyển Sở Giao thông vận tải, sửa trong hôm nay.")
    assert await gateway.send_due() == 2  # the receipt and the answer, through the gateway
    sent = [(p["to"], p["text"], token) for kind, p, token in platforms.received if kind == "sms"]
    assert sent[1] == ("0912345678", "Đã chuyển Sở Giao thông vận tải, sửa trong hôm nay.", "Bearer gw-token")
    assert ticket.code in sent[0][1]
    # Her next SMS joins the conversation, which waits for an answer again.
    again = sms("gw-2", "Cảm ơn tổng đài", "0912345678")
    async with http.post(url, data=again, headers={"X-Hotline-Signature": signature(again, "sms-hmac-secret")}) as r:
        assert r.status == 200
    detail = await conversations.detail(conv["id"])
    assert [m["direction"] for m in detail["messages"]] == ["in", "out", "out", "in"]
    assert detail["status"] == "open" and detail["messages"][-1]["body"] == "Cảm ơn tổng đài"
    # A citizen's erasure or access request finds it by her number.
    async with sessions() as s:
        found = await conversations_of(s, [], [], "0912345678", [])
    assert [c.id for c in found] == [conv["id"]]
    await gateway.stop()

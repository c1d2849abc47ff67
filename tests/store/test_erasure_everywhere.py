"""A citizen's erasure reaches every copy (#29 item 3), on SQLite and PostgreSQL: a citizen who
phoned (ticket, recording, transcript, receipt SMS through the `log` gateway), wrote by e-mail
(parsed as the mailbox reader does, with a photo), chatted on Zalo (a signed event through the
webhook, with a photo fetched from the platform's host; the operator's answer through the chat
outbox) and on the web chat (the transcripts
copied into the tickets' history when the conversations closed) asks the office to erase everything. Afterwards the raw
bytes of the SQLite file and its write-ahead log, a pg_dump of the PostgreSQL database, the
attachment and recording folders and the log files hold neither the phone, the name, the e-mail
address nor the platform id; another citizen's data, searched the same way, is still found (the
search itself works). Also: access (the dossier) shows the conversations; the office finds
requests by e-mail address and platform id, also after the erasure; data requests keep only keyed
hashes."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, text, update

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.privacy_api import PrivacyApi
from hotline.config.privacy import RetentionPolicy
from hotline.conversations.mail import parse
from hotline.conversations.platform_files import PlatformFiles
from hotline.conversations.platforms import zalo_signature
from hotline.conversations.quarantine import Quarantine
from hotline.conversations.service import Conversations
from hotline.notifications.gateways import LogGateway
from hotline.notifications.outbox import SmsSender
from hotline.privacy.audit import PersonalDataAudit
from hotline.privacy.compaction import ERASED_TABLES, compact
from hotline.privacy.erasure import Eraser
from hotline.privacy.keys import IdentifierHasher
from hotline.privacy.requests import DataRequests
from hotline.privacy.retention import Retention
from hotline.public.webhooks import Webhooks
from hotline.security.logs import MaskingFilter, rotating_file
from hotline.settings import Messaging
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.outbox import EmailMessage as Outgoing
from hotline.store.callbacks import CallbackAttempt, CallbackRequest
from hotline.store.privacy import AuditEntry, DataRequest
from hotline.store.recordings import CallAlert, Recording, Transcript
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.postgres import pg_bin
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import refusals
from hotline.ticketing.handling import Payload
from hotline.folding import search_form
from tests.store.support import OPERATOR, call, province, signed_in

KEY = b"an-installation-secret-of-48-characters-for-hmac"
FORGOTTEN: list[tuple[str | None, set[str]]] = []
APP_ID = "1234567890"
# The citizen who asks to be forgotten, and another one who does not.
NAME, PHONE, EMAIL, ZALO_ID = "Phạm Thị Hồng Nhung", "0913579246", "nhung.pham@example.vn", "246845883529197999"
OTHER_NAME, OTHER_PHONE, OTHER_EMAIL = "Trần Văn Khoa", "0987654321", "khoa.tran@example.vn"
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def needles(*values: str) -> list[bytes]:
    """Each value as the bytes a file may hold it in: UTF-8, the phone without its 0 and with 84
    (how SIP and platforms write it), JSON's ASCII escapes, and folded for search."""
    out = []
    for v in values:
        # ... and as the search indexes hold text: lowercase, without diacritics
        out += [v.encode(), json.dumps(v).strip('"').encode(), search_form(v).encode()]
        if v.isdigit() and v.startswith("0"):
            out += [v[1:].encode()]
    return list(dict.fromkeys(out))


def found_in(data: bytes, values: list[str]) -> list[str]:
    return [n.decode(errors="replace") for n in needles(*values) if n in data]


def folder_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()) if root.exists() else b""


def a_mail(sender: str, name: str, message_id: str, body: str, photo: bytes | None = None):
    msg = EmailMessage()
    msg["From"], msg["To"] = f"{name} <{sender}>", "tongdai1022@dongthap.gov.vn"
    msg["Subject"], msg["Message-ID"] = "Cống bị tắc", message_id
    msg.set_content(body)
    if photo:
        msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="cong.jpg")
    return parse(bytes(msg))


def zalo_event(user_id: str, text_: str, msg_id: str, photo_url: str | None = None) -> bytes:
    message = {"text": text_, "msg_id": msg_id}
    if photo_url:
        message["attachments"] = [{"type": "image", "payload": {"url": photo_url}}]
    return json.dumps({"app_id": APP_ID, "event_name": "user_send_image" if photo_url else "user_send_text",
                       "timestamp": str(int(time.time() * 1000)), "sender": {"id": user_id},
                       "recipient": {"id": "388613280878808645"}, "message": message}, ensure_ascii=False).encode()


async def zalo_photo(request: web.Request) -> web.Response:
    """Zalo's file host: a photo that shows whose it is."""
    return web.Response(body=JPEG + f"EXIF {request.match_info['who']} (Zalo)".encode(), content_type="image/jpeg")


@pytest.fixture
def hotline_log(tmp_path):
    """The application's log as `hotline run` writes it: masked, rotated (hotline.security.logs)."""
    path = tmp_path / "log" / "hotline.log"
    handler = rotating_file(path, 7)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


@pytest.fixture
async def world(sessions, tmp_path, monkeypatch, hotline_log):
    p = await province(sessions, tmp_path, "dong_thap")
    files_dir, rec_dir, asterisk_log = tmp_path / "attachments", tmp_path / "recordings", tmp_path / "asterisk-log"
    asterisk_log.mkdir()
    monkeypatch.setenv("ZALO_OA_SECRET", "oa-secret")
    monkeypatch.setenv("ZALO_TOKEN", "zalo-token")
    config = Messaging.model_validate({"zalo": {"app_id": APP_ID, "oa_secret_env": "ZALO_OA_SECRET",
                                                "access_token_env": "ZALO_TOKEN",
                                                "send_url": "http://127.0.0.1:9/zalo"}})
    cdn_app = web.Application()
    cdn_app.router.add_get("/photos/{who}.jpg", zalo_photo)
    cdn = TestServer(cdn_app)
    await cdn.start_server()
    cdn_base = str(cdn.make_url("")).rstrip("/")
    conversations = Conversations(sessions, p.store, Attachments(sessions, files_dir), "tongdai1022@dongthap.gov.vn",
                                  platform_files=PlatformFiles([cdn_base], 1024 * 1024))
    conversations.cdn = cdn_base  # where the test's Zalo photos are
    accounts = Accounts(sessions)
    eraser = Eraser(files_dir, rec_dir, asterisk_log)
    FORGOTTEN.clear()  # what the parts that keep words in memory (live captions) are told to forget
    eraser.forget_calls.append(lambda phone, calls: FORGOTTEN.append((phone, calls)) or 1)
    requests = DataRequests(sessions, eraser, "Đồng Tháp", "Asia/Ho_Chi_Minh", KEY)
    app = web.Application(middlewares=[refusals])
    Webhooks(config, conversations).register(app.router)
    PrivacyApi(accounts, PersonalDataAudit(sessions), requests).register(app.router)
    server = TestServer(app)
    await server.start_server()
    users = await signed_in(accounts, [("vanphong", "office", None)])
    http = aiohttp.ClientSession()
    yield p, server, users["vanphong"], http, conversations, files_dir, rec_dir, asterisk_log
    await http.close()
    await users["vanphong"].close()
    await server.close()
    await cdn.close()


async def add_call(p, sessions, rec_dir: Path, linkedid: str, name: str, phone: str):
    """A call: its ticket (with the receipt SMS), its recording and transcript (SQLite's full-text
    table too, as the transcriber writes it)."""
    now = datetime.now(timezone.utc)
    ticket = await p.receive(now, reporter_name=name, caller_phone=phone, linkedid=linkedid,
                             content=f"Tôi là {name}, đèn đường hỏng, gọi lại số {phone}")
    (rec_dir / "archive").mkdir(parents=True, exist_ok=True)
    (rec_dir / "archive" / f"{linkedid}.wav").write_bytes(b"RIFF" + f"caller {phone}".encode())
    async with sessions() as s, s.begin():
        r = Recording(linkedid=linkedid, started_at=now, duration=30, caller_phone=phone, sha256="0" * 64,
                      path=f"archive/{linkedid}.wav", legs={})
        s.add(r)
        await s.flush()
        s.add(Transcript(recording_id=r.id, text=f"alô tôi tên là {name} số {phone}", words=[]))
        if s.bind.dialect.name == "sqlite":
            await s.execute(text("INSERT OR REPLACE INTO transcript_fts(rowid, text) VALUES (:id, :t)"),
                            {"id": r.id, "t": f"alô tôi tên là {name} số {phone}"})
    return ticket


async def a_citizen_everywhere(world, sessions):
    p, server, office, http, conversations, files_dir, rec_dir, asterisk_log = world
    # She phoned, and so did someone else.
    await add_call(p, sessions, rec_dir, "1764565200.11", NAME, PHONE)
    await add_call(p, sessions, rec_dir, "1764565200.12", OTHER_NAME, OTHER_PHONE)
    (asterisk_log / "queue_log").write_text(f"1764565200|1764565200.11|operator|NONE|ENTERQUEUE||{PHONE}|1\n"
                                            f"1764565201|1764565200.12|operator|NONE|ENTERQUEUE||{OTHER_PHONE}|1\n")
    assert await SmsSender(sessions, LogGateway()).send_due() >= 2  # the receipts, through the `log` gateway
    async with sessions() as s, s.begin():  # she asked to be called back; the operator noted the call
        req = CallbackRequest(caller_number="+84" + PHONE[1:], reason="after_hours")
        s.add(req)
        await s.flush()
        s.add(CallbackAttempt(request_id=req.id, operator_id="op1", outcome="reached",
                              note=f"Đã gọi {PHONE}, chị {NAME} hẹn gọi lại"))
    # She wrote by e-mail, with a photo that shows her number; so did the other citizen.
    mail_conv = await conversations.receive_mail(a_mail(EMAIL, NAME, "<nhung-1@mail.example.vn>",
                                                        f"Cống trước nhà tôi bị tắc. {NAME}, ĐT {PHONE}",
                                                        JPEG + f"EXIF {PHONE}".encode()))
    await conversations.receive_mail(a_mail(OTHER_EMAIL, OTHER_NAME, "<khoa-1@mail.example.vn>",
                                            f"Ổ gà. {OTHER_NAME}", JPEG + f"EXIF {OTHER_PHONE}".encode()))
    async with sessions() as s, s.begin():  # a supervisor downloaded her photo: in the audit log
        ticket_id = await s.scalar(select(Conversation.ticket_id).where(Conversation.id == mail_conv))
        s.add(AuditEntry(username="giamsat", role="supervisor", action="file", ticket_id=ticket_id,
                         detail=f"CCCD {NAME}.jpg"))
    # She chatted on Zalo: a signed event through the webhook.
    body = zalo_event(ZALO_ID, f"Chào tổng đài, tôi là {NAME}, số {PHONE}", "zalo-msg-1",
                      f"{conversations.cdn}/photos/{PHONE}.jpg")
    async with http.post(server.make_url("/webhooks/zalo"), data=body, headers={
            "X-ZEvent-Signature": "mac=" + zalo_signature(APP_ID, body, json.loads(body)["timestamp"],
                                                          "oa-secret")}) as r:
        assert r.status == 200, await r.text()
    async with sessions() as s:
        zalo_conv = await s.scalar(select(Conversation.id).where(Conversation.citizen_address == ZALO_ID))
    assert zalo_conv is not None
    assert await conversations.fetch_platform_files() == 1  # her photo, fetched from Zalo's host, kept
    # And once on the hotline's web chat, giving her name and number.
    web_conv, _ = await conversations.start_web(NAME, PHONE.replace("0913", "0913 "), None,
                                                f"Xin chào, tôi là {NAME}")
    # Operators answer and close the conversations: their transcripts go into the tickets' history.
    for conv_id in (mail_conv, zalo_conv, web_conv):
        await conversations.take(conv_id, "op1", force=True)
        await conversations.reply(conv_id, "op1", f"Chào {NAME}, tổng đài đã ghi nhận.")
        await conversations.close(conv_id, "op1")
    # An alert phrase was heard in her call (live captions), and one in the other citizen's.
    async with sessions() as s, s.begin():
        s.add(CallAlert(linkedid="1764565200.11", phrase="cháy", heard=f"tôi là {NAME} nhà tôi đang cháy",
                        side="caller", operator="op1", caller_phone=PHONE))
        s.add(CallAlert(linkedid="1764565200.12", phrase="cháy", heard=f"{OTHER_NAME} báo cháy", side="caller",
                        operator="op1", caller_phone=OTHER_PHONE))
    # Two of her e-mails the mailbox could not keep (one from her address, one from another that
    # carries her number), and one of the other citizen's: quarantined raw.
    quarantine = Quarantine(sessions)
    await quarantine.refuse(f"From: {NAME} <{EMAIL}>\r\nSubject: x\r\n\r\n{'<' * 1000}".encode(),
                            "quá nhiều phần MIME", EMAIL, "x")
    await quarantine.refuse(f"From: a@b.vn\r\nSubject: y\r\n\r\nGọi cho tôi: {PHONE}".encode(),
                            "lồng nhau quá sâu", "a@b.vn", "y")
    await quarantine.refuse(f"From: {OTHER_NAME} <{OTHER_EMAIL}>\r\n\r\n{OTHER_PHONE}".encode(),
                            "quá nhiều phần MIME", OTHER_EMAIL, None)
    logging.getLogger("test.erasure").info("a line naming %s, %s and %s", PHONE, EMAIL, ZALO_ID)


def snapshot(engine_url: str, db_file: Path | None) -> bytes:
    """The database's raw bytes: SQLite's file and its write-ahead log; PostgreSQL's pg_dump."""
    if db_file is not None:
        wal = db_file.with_name(db_file.name + "-wal")
        return db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    from sqlalchemy.engine import make_url

    url = make_url(engine_url)
    return subprocess.run([str(pg_bin() / "pg_dump"), "-h", url.host, "-p", str(url.port), "-U", url.username,
                           "--no-owner", url.database], capture_output=True, check=True, timeout=120).stdout


async def test_an_erasure_leaves_nothing_of_the_citizen_anywhere(world, sessions, tmp_path, hotline_log):
    p, server, office, http, conversations, files_dir, rec_dir, asterisk_log = world
    await a_citizen_everywhere(world, sessions)
    engine = sessions.kw["bind"]
    db_file = tmp_path / "store.db" if engine.dialect.name == "sqlite" else None
    url = engine.url.render_as_string(hide_password=False)
    hers, others = [PHONE, NAME, EMAIL, ZALO_ID], [OTHER_PHONE, OTHER_NAME, OTHER_EMAIL]

    # Before: the search finds her everywhere she is (in the database, the files, the recordings).
    assert set(found_in(snapshot(url, db_file), hers)) >= {PHONE, NAME, EMAIL, ZALO_ID}
    assert found_in(folder_bytes(files_dir), [PHONE]) and found_in(folder_bytes(rec_dir), [PHONE])
    assert b"(Zalo)" in folder_bytes(files_dir)  # the photo she sent on Zalo, kept on disk
    # The log was written (numbers, addresses and ids masked), never with her data in clear.
    log_text = hotline_log.read_text()
    assert "SMS #" in log_text and "091****246" in log_text and "n***@e***.vn" in log_text and "*" * 14 + "7999" in log_text
    assert found_in(folder_bytes(hotline_log.parent), hers) == []

    status, filed = await call(office, server, "POST", "/api/data-requests", {
        "kind": "erasure", "phone": "0913 579 246", "email": "Nhung.Pham@example.vn", "platform_id": ZALO_ID,
        "note": "Đơn đề nghị ngày 02/12, đã kiểm tra căn cước"})
    assert status == 201, filed
    status, done = await call(office, server, "POST", f"/api/data-requests/{filed['id']}/carry-out", {"confirm": True})
    assert status == 200, done
    counts = done["result"]["counts"]
    # What only memory holds (a caller's words kept for the operator's ticket) is dropped too.
    assert FORGOTTEN == [("0913579246", {"1764565200.11"})] and counts["words_in_memory"] == 1
    # Her call's report is still waiting for its answer: kept for the agency (the conversations'
    # drafts that nobody filed are not); it goes once answered and its notice sent.
    async with sessions() as s:
        call_ticket = await s.scalar(select(Ticket).where(Ticket.linkedid == "1764565200.11"))
    assert done["result"]["held"] == [call_ticket.code] and call_ticket.reporter_name == NAME
    assert found_in(snapshot(url, db_file), [NAME])
    await p.handling.act(call_ticket.id, "answer_directly", OPERATOR, Payload(result="Đã báo Điện lực."))
    await SmsSender(sessions, LogGateway()).send_due()  # the answer's notice reaches her first
    release = DataRequests(sessions, Eraser(files_dir, rec_dir, asterisk_log), "Đồng Tháp", "Asia/Ho_Chi_Minh", KEY)
    assert await release.release_held() == 1  # what the retention job runs before each pass
    status, listing = await call(office, server, "GET", "/api/data-requests")
    counts = listing[0]["result"]["counts"]
    assert listing[0]["result"]["released"] == [call_ticket.code] and not listing[0]["result"]["held"]
    assert counts["tickets"] == 4 and counts["conversations"] == 3 and counts["chat_outbox"] == 2
    assert counts["email_outbox"] == 2 and counts["files"] == 2 and counts["recordings"] == 1
    assert counts["mail_quarantine"] == 2
    assert counts["call_alerts"] == 1
    assert done["phone"] is None and done["email"] is None and done["platform_id"] is None

    # After: nothing of her in the database's bytes, its log, the folders and the logs.
    raw = snapshot(url, db_file)
    assert found_in(raw, hers) == []
    assert set(found_in(raw, others)) >= {OTHER_PHONE, OTHER_NAME, OTHER_EMAIL}  # the search still works
    if db_file is not None:  # the write-ahead log was emptied after the erasure
        wal = db_file.with_name(db_file.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
    for folder in (files_dir, rec_dir, hotline_log.parent, asterisk_log):
        assert found_in(folder_bytes(folder), hers) == [], folder
    assert found_in(folder_bytes(files_dir), [OTHER_PHONE]) and found_in(folder_bytes(rec_dir), [OTHER_PHONE])
    # The rows stay for the reports, her conversations with their channel and times.
    async with sessions() as s:
        convs = list(await s.scalars(select(Conversation).where(Conversation.citizen_address == "***")))
        assert sorted(c.channel for c in convs) == ["email", "webchat", "zalo"]
        assert all(c.status == "closed" for c in convs)
        [request] = list(await s.scalars(select(DataRequest)))
    hasher = IdentifierHasher(KEY)
    assert (request.phone_hash, request.email_hash, request.platform_hash) == (
        hasher.phone(PHONE), hasher.email(EMAIL), hasher.platform(ZALO_ID))


async def test_access_shows_the_conversations_and_the_office_finds_requests_by_address_or_platform_id(
        world, sessions):
    p, server, office, http, conversations, files_dir, rec_dir, asterisk_log = world
    await a_citizen_everywhere(world, sessions)
    # Asked by her Zalo id only: the conversation leads to its ticket, and on to nothing else of hers.
    status, access = await call(office, server, "POST", "/api/data-requests", {
        "kind": "access", "platform_id": ZALO_ID, "note": "Đến trực tiếp, đã kiểm tra căn cước"})
    assert status == 201 and access["hint"] == "Zalo/Facebook " + "*" * 14 + "7999"
    status, done = await call(office, server, "POST", f"/api/data-requests/{access['id']}/carry-out",
                              {"confirm": True})
    assert status == 200
    assert done["result"]["counts"] == {"tickets": 1, "conversations": 1, "conversation_messages": 3, "chat_outbox": 2}
    status, html = await call(office, server, "GET", f"/api/data-requests/{access['id']}/dossier")
    assert status == 200 and 'id="dossier-conversations"' in html
    assert f"tôi là {NAME}" in html and "Tổng đài trả lời" in html and ZALO_ID in html
    assert EMAIL not in html and OTHER_NAME not in html
    # By e-mail address: the e-mail conversation, its ticket, the receipt and answer sent.
    status, by_mail = await call(office, server, "POST", "/api/data-requests", {
        "kind": "access", "email": EMAIL.upper(), "note": "Thư đề nghị, đã kiểm tra"})
    status, done = await call(office, server, "POST", f"/api/data-requests/{by_mail['id']}/carry-out",
                              {"confirm": True})
    assert done["result"]["counts"] == {"tickets": 1, "conversations": 1, "conversation_messages": 3,
                                        "email_outbox": 2, "mail_quarantine": 1}  # a mail from her refused
    status, html = await call(office, server, "GET", f"/api/data-requests/{by_mail['id']}/dossier")
    assert "Cống trước nhà tôi bị tắc" in html and "cong.jpg" in html

    # The office's search: by e-mail address, by platform id, by phone (any written form).
    status, found = await call(office, server, "GET", f"/api/data-requests?platform_id={ZALO_ID}")
    assert status == 200 and [r["id"] for r in found] == [access["id"]]
    status, found = await call(office, server, "GET", "/api/data-requests?email=nhung.pham@example.vn")
    assert [r["id"] for r in found] == [by_mail["id"]]
    status, found = await call(office, server, "GET", "/api/data-requests?phone=0913579246")
    assert found == []
    status, _ = await call(office, server, "GET", "/api/data-requests?phone=abc")
    assert status == 400
    # Erasure: her earlier requests lose their identifiers, and are still found by them.
    status, erasure = await call(office, server, "POST", "/api/data-requests", {
        "kind": "erasure", "email": EMAIL, "platform_id": ZALO_ID, "note": "Đơn đề nghị xoá"})
    status, _ = await call(office, server, "POST", f"/api/data-requests/{erasure['id']}/carry-out", {"confirm": True})
    assert status == 200
    status, found = await call(office, server, "GET", f"/api/data-requests?platform_id={ZALO_ID}")
    assert [(r["id"], r["platform_id"]) for r in found] == [(erasure["id"], None), (access["id"], None)]
    status, found = await call(office, server, "GET", f"/api/data-requests?email={EMAIL}")
    assert [(r["id"], r["email"]) for r in found] == [(erasure["id"], None), (by_mail["id"], None)]
    status, _ = await call(office, server, "GET", f"/api/data-requests/{access['id']}/dossier")
    assert status == 409  # nothing left to print


async def test_requests_of_an_earlier_version_are_hashed_at_start_once(sessions, tmp_path):
    async with sessions() as s, s.begin():
        s.add_all([DataRequest(kind="access", phone=PHONE, note=f"Chị Nhung, ĐT {PHONE}", status="done",
                               requested_by="vanphong", result={}),
                   DataRequest(kind="erasure", phone=PHONE, note="", status="done", requested_by="vanphong",
                               result={}),
                   DataRequest(kind="access", email=EMAIL, note="", status="open", requested_by="vanphong",
                               result={})])
    eraser = Eraser(tmp_path, tmp_path)
    requests = DataRequests(sessions, eraser, "Đồng Tháp", "Asia/Ho_Chi_Minh", KEY)
    # At start: the retention job's first pass (whatever its periods) hashes them.
    await Retention(sessions, RetentionPolicy(), ["closed"], eraser).run()
    assert await requests.prepare() == 0  # once
    async with sessions() as s:
        access, done, open_ = list(await s.scalars(select(DataRequest).order_by(DataRequest.id)))
    hasher = IdentifierHasher(KEY)
    assert (done.phone, done.phone_hash, done.hint) == (None, hasher.phone(PHONE), "091****246")
    # The same citizen's earlier access request: erased with her, its note too.
    assert (access.phone, access.phone_hash, access.note) == (None, hasher.phone(PHONE), "Chị Nhung, ĐT ***")
    assert (open_.email, open_.email_hash) == (EMAIL, hasher.email(EMAIL))  # still to carry out


async def test_the_database_is_compacted_after_an_erasure(sessions):
    """SQLite: the write-ahead log emptied (TRUNCATE checkpoint); PostgreSQL: VACUUM of the tables
    an erasure writes to, outside a transaction. Both succeed on an idle database."""
    assert await compact(sessions, ERASED_TABLES)
    engine = sessions.kw["bind"]
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
        else:  # a table VACUUM touched says when (statistics may reach the view a moment later)
            deadline = time.monotonic() + 30
            while not (await conn.exec_driver_sql(
                    "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'conversations'")).scalar():
                assert time.monotonic() < deadline, "no VACUUM recorded"
                await conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
                await asyncio.sleep(0.1)


async def test_retention_reaches_the_conversations_of_closed_tickets(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    conversations = Conversations(sessions, p.store, Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn")
    conv_id = await conversations.receive_mail(a_mail(EMAIL, NAME, "<nhung-9@mail.example.vn>", f"Ổ gà. ĐT {PHONE}"))
    still = await conversations.receive_mail(a_mail(OTHER_EMAIL, OTHER_NAME, "<khoa-9@mail.example.vn>", "Ổ gà"))
    await conversations.take(conv_id, "op1", force=True)
    await conversations.reply(conv_id, "op1", f"Chào {NAME}")
    await conversations.close(conv_id, "op1")
    then = datetime(2026, 1, 5, tzinfo=timezone.utc)
    async with sessions() as s, s.begin():
        conv = await s.get(Conversation, conv_id)
        await s.execute(update(Ticket).where(Ticket.id == conv.ticket_id).values(
            draft=False, handling_stage="closed", status="closed", stage_entered_at=then))
    quarantine = Quarantine(sessions)  # mail the mailbox could not keep: kept 30 days by default
    await quarantine.refuse(f"From: {EMAIL}\r\n\r\n{PHONE}".encode(), "lồng nhau quá sâu", EMAIL, None,
                            now=then + timedelta(days=150))
    await quarantine.refuse(f"From: {OTHER_EMAIL}\r\n\r\nx".encode(), "lồng nhau quá sâu", OTHER_EMAIL, None,
                            now=then + timedelta(days=190))
    job = Retention(sessions, RetentionPolicy(closed_ticket_personal_days=180), p.handling.workflow.final_steps(),
                    Eraser(tmp_path / "files", tmp_path / "recordings"))
    assert await job.run(then + timedelta(days=200)) == {"tickets": 1, "conversations": 1, "mail_quarantine": 1}
    assert [q["sender"] for q in await quarantine.listing()] == [OTHER_EMAIL]
    async with sessions() as s:
        conv, other = await s.get(Conversation, conv_id), await s.get(Conversation, still)
        bodies = [m.body for m in await s.scalars(select(ConversationMessage).where(
            ConversationMessage.conversation_id == conv_id))]
        sent = list(await s.scalars(select(Outgoing).where(Outgoing.key.like(f"conversation:{conv_id}:%"))))
        history = [e.detail for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == conv.ticket_id))]
    assert (conv.citizen_address, conv.citizen_name, conv.subject) == ("***", None, None)
    assert set(bodies) == {"[đã xoá]"} and len(bodies) == 3
    assert sent and all(m.to_address == "***" and NAME not in m.body for m in sent)
    assert NAME not in json.dumps(history, ensure_ascii=False) and PHONE not in json.dumps(history)
    assert (other.citizen_address, other.citizen_name) == (OTHER_EMAIL, OTHER_NAME)  # an open ticket's: kept


async def test_retention_takes_what_alerts_quote_with_the_transcripts(sessions, tmp_path):
    """An alert quotes a piece of its call's transcript: it goes when the transcripts do, and the
    alert stays counted (phrase, side, time)."""
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    async with sessions() as s, s.begin():
        s.add(CallAlert(linkedid="1.1", phrase="cháy", heard=f"{NAME} báo cháy", side="caller", caller_phone=PHONE,
                        heard_at=now - timedelta(days=100)))
        s.add(CallAlert(linkedid="2.2", phrase="lũ", heard=f"{OTHER_NAME} báo lũ", side="caller",
                        caller_phone=OTHER_PHONE, heard_at=now - timedelta(days=10)))
    job = Retention(sessions, RetentionPolicy(recordings_days=90), [], Eraser(tmp_path / "f", tmp_path / "r"))
    assert (await job.run(now)).get("call_alerts") == 1
    async with sessions() as s:
        alerts = {a.phrase: (a.heard, a.caller_phone) for a in await s.scalars(select(CallAlert))}
    assert alerts == {"cháy": ("[đã xoá]", None), "lũ": (f"{OTHER_NAME} báo lũ", OTHER_PHONE)}

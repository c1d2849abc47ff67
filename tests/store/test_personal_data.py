"""Personal data (#19 item 15) on SQLite and PostgreSQL: reads of a ticket's reporter data and
files are in the audit log; each data class is removed when the profile's period is over; a
citizen's request to see or erase their data is carried out once by the office, the erasure
reaching the store, the files, the recordings and transcripts, and the outboxes."""

from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, update

from hotline.agencies.inbox import AgencyInbox
from hotline.agencies.directory import AgencyDirectory
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.agent_desktop.privacy_api import PrivacyApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.config.privacy import RetentionPolicy
from hotline.privacy.audit import PersonalDataAudit
from hotline.privacy.erasure import Eraser
from hotline.privacy.requests import DataRequests
from hotline.privacy.retention import Retention
from hotline.store.callbacks import CallbackRequest
from hotline.store.outbox import EmailMessage, SmsMessage
from hotline.store.privacy import AuditEntry
from hotline.store.recordings import Recording, Transcript
from hotline.store.tickets import Attachment, Ticket, TicketEvent
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import refusals
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, UTC, call, province, signed_in

MONDAY_9AM = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
KEY = b"k" * 48  # the installation's secret for keyed hashes (hotline.privacy.keys)


async def add_file(sessions, root, ticket_id: int, name: str) -> Attachment:
    rel = f"2026/11/{name}.jpg"
    (root / "2026/11").mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"\xff\xd8\xff" + name.encode())
    async with sessions() as s, s.begin():
        a = Attachment(ticket_id=ticket_id, filename=f"{name}.jpg", content_type="image/jpeg", size=10,
                       sha256=name.ljust(64, "0"), path=rel, uploaded_by="citizen")
        s.add(a)
    return a


async def add_recording(sessions, root, linkedid: str, phone: str, started: datetime) -> Recording:
    (root / "archive").mkdir(parents=True, exist_ok=True)
    for ext in ("wav", "ogg"):
        (root / "archive" / f"{linkedid}.{ext}").write_bytes(b"RIFF")
    async with sessions() as s, s.begin():
        r = Recording(linkedid=linkedid, started_at=started, duration=42, caller_phone=phone, path=f"archive/{linkedid}.wav",
                      sha256="0" * 64, compressed_path=f"archive/{linkedid}.ogg", legs={})
        s.add(r)
        await s.flush()
        s.add(Transcript(recording_id=r.id, text="tôi tên là Nguyễn Văn An số nhà 12", words=[]))
    return r


@pytest.fixture
async def desk(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    files_dir, rec_dir = tmp_path / "attachments", tmp_path / "recordings"
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, files_dir, 1024 * 1024)
    TicketsApi(accounts, p.store, p.handling, files).register(app.router)
    AgencyApi(accounts, AgencyInbox(sessions, p.handling, files), AgencyDirectory(sessions)).register(app.router)
    eraser = Eraser(files_dir, rec_dir, tmp_path / "asterisk-log")
    PrivacyApi(accounts, PersonalDataAudit(sessions),
               DataRequests(sessions, eraser, "Đồng Tháp", "Asia/Ho_Chi_Minh", KEY)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    users = await signed_in(accounts, [("op1", "operator", None), ("giamsat", "supervisor", None),
                                       ("vanphong", "office", None), ("dungle", "agency", p.agency_id)])
    clients = dict(zip(("operator", "supervisor", "office", "agency"), users.values()))
    yield p, server, clients, files_dir, rec_dir, eraser
    for c in clients.values():
        await c.close()
    await server.close()




async def test_reads_of_personal_data_and_files_are_audited(desk, sessions):
    p, server, c, files_dir, _, _ = desk
    t = await p.receive(MONDAY_9AM)
    hidden = await p.receive(MONDAY_9AM, confidential=True, caller_phone="0912000111")
    for ticket in (t, hidden):
        await p.handling.act(ticket.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    photo = await add_file(sessions, files_dir, t.id, "anh")

    for _ in range(3):  # the desktop shows it again and again: one read in the window
        status, _ = await call(c["supervisor"], server, "GET", f"/api/tickets/{t.id}")
        assert status == 200
    async with c["supervisor"].get(server.make_url(f"/api/tickets/{t.id}/attachments/{photo.id}")) as r:
        assert r.status == 200
    status, inbox = await call(c["agency"], server, "GET", "/api/agency/tickets")
    assert status == 200 and {i["code"] for i in inbox} == {t.code, hidden.code}

    status, log = await call(c["supervisor"], server, "GET", f"/api/audit?ticket={t.code}")
    assert status == 200
    assert sorted((e["username"], e["action"]) for e in log) == [
        ("dungle", "read"), ("giamsat", "file"), ("giamsat", "read")]
    assert next(e for e in log if e["action"] == "file")["detail"] == "anh.jpg"
    status, log = await call(c["office"], server, "GET", f"/api/audit?ticket={hidden.code}")
    assert status == 200 and log == []  # a confidential report: the agency saw no identity
    status, _ = await call(c["operator"], server, "GET", "/api/audit")
    assert status == 403
    status, _ = await call(c["agency"], server, "GET", "/api/audit")
    assert status == 403


async def test_each_data_class_goes_when_its_period_is_over(desk, sessions):
    p, server, c, files_dir, rec_dir, eraser = desk
    closed = await p.receive(MONDAY_9AM, content="Gọi lại cho tôi số 0912 345 678, tôi là Nguyễn Văn An",
                             email="an@example.vn", linkedid="1700000000.1")
    await p.store.update_ticket(closed.id, "giamsat", reporter_name="Nguyễn Văn Ân")  # an edit in the history
    still_open = await p.receive(MONDAY_9AM, caller_phone="0912000222")
    async with sessions() as s, s.begin():
        await s.execute(update(Ticket).where(Ticket.id == closed.id).values(
            handling_stage="closed", status="closed", stage_entered_at=MONDAY_9AM))
    kept_file = await add_file(sessions, files_dir, still_open.id, "mo")
    gone_file = await add_file(sessions, files_dir, closed.id, "dong")
    old = await add_recording(sessions, rec_dir, "1700000000.1", CITIZEN_PHONE, MONDAY_9AM)
    recent = await add_recording(sessions, rec_dir, "1700000000.2", "0912000222", MONDAY_9AM + timedelta(days=300))

    policy = RetentionPolicy(recordings_days=365, transcripts_days=30, closed_ticket_personal_days=180,
                             closed_ticket_files_days=90)
    job = Retention(sessions, policy, p.handling.workflow.final_steps(), Eraser(files_dir, rec_dir))
    assert await job.run(MONDAY_9AM + timedelta(days=20)) == {"transcripts": 0}  # nothing is due yet
    assert await job.run(MONDAY_9AM + timedelta(days=100)) == {"transcripts": 1, "files": 1}
    assert not (files_dir / gone_file.path).exists() and (files_dir / kept_file.path).exists()
    assert await job.run(MONDAY_9AM + timedelta(days=400)) == {"recordings": 1, "tickets": 1, "transcripts": 1}
    assert await job.run(MONDAY_9AM + timedelta(days=400)) == {"transcripts": 0}  # once

    async with sessions() as s:
        t = await s.get(Ticket, closed.id)
        assert (t.reporter_name, t.caller_phone, t.address, t.email) == (None, None, None, None)
        assert "0912" not in t.content and "Nguyễn Văn An" not in t.content and t.personal_erased_at
        events = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == closed.id)))
        assert "Nguyễn" not in str([e.detail for e in events])
        assert [e.detail["why"] for e in events if e.action == "personal_data_erased"] == ["retention"]
        assert (await s.get(Ticket, still_open.id)).caller_phone == "0912000222"
        assert (await s.get(Recording, old.id)).status == "expired"
        assert (await s.get(Recording, recent.id)).status == "ok"
        assert await s.get(Transcript, recent.id) is None  # 30 days for transcripts
    assert not (rec_dir / old.path).exists() and (rec_dir / recent.path).exists()


async def test_the_office_carries_out_access_and_erasure_requests_once(desk, sessions, tmp_path):
    p, server, c, files_dir, rec_dir, eraser = desk
    t = await p.receive(MONDAY_9AM, email="An@Example.vn", linkedid="1700000000.5",
                        content="Đèn hỏng, gọi tôi theo số 0912345678")
    other = await p.receive(MONDAY_9AM, caller_phone="0987000111", reporter_name="Trần Thị Bé")
    photo = await add_file(sessions, files_dir, t.id, "hong")
    rec = await add_recording(sessions, rec_dir, "1700000000.5", "+84912345678", MONDAY_9AM)
    async with sessions() as s, s.begin():
        s.add(CallbackRequest(caller_number="84912345678", reason="after_hours"))
    logs = tmp_path / "asterisk-log"  # Asterisk's own logs name the caller too
    logs.mkdir()
    queue_log = "1764565200|1700000000.5|operator|NONE|ENTERQUEUE||0912345678|1\n1764565230|1700000000.9|operator|NONE|ENTERQUEUE||0987000111|1\n"
    (logs / "queue_log").write_text(queue_log)
    (logs / "messages").write_text("[2026-12-01] NOTICE: Rejected call to 1023 from +84912345678\n")

    # filing: a Vietnamese number or an e-mail address, and how identity was checked
    office = c["office"]
    for bad in ({"kind": "erasure", "note": "CCCD"}, {"kind": "erasure", "phone": "+1 202 555 0100", "note": "CCCD"},
                {"kind": "erasure", "phone": "0912345678", "note": "  "}, {"kind": "delete", "phone": "0912345678",
                                                                          "note": "x"}):
        status, body = await call(office, server, "POST", "/api/data-requests", bad)
        assert status == 400, bad
    status, _ = await call(c["supervisor"], server, "POST", "/api/data-requests",
                           {"kind": "access", "phone": "0912345678", "note": "x"})
    assert status == 403

    status, access = await call(office, server, "POST", "/api/data-requests",
                                {"kind": "access", "phone": "0912.345.678", "note": "Đến trực tiếp, CCCD đã kiểm tra"})
    assert status == 201 and access["phone"] == "0912345678" and access["status"] == "open"
    status, _ = await call(office, server, "GET", f"/api/data-requests/{access['id']}/dossier")
    assert status == 409  # not carried out yet
    status, done = await call(office, server, "POST", f"/api/data-requests/{access['id']}/carry-out", {"confirm": True})
    assert status == 200 and done["status"] == "done"
    assert done["result"]["counts"] == {"tickets": 1, "recordings": 1, "callback_requests": 1, "sms_outbox": 1}
    status, html = await call(office, server, "GET", f"/api/data-requests/{access['id']}/dossier")
    assert status == 200 and t.code in html and "Nguyễn Văn An" in html and other.code not in html

    status, erasure = await call(office, server, "POST", "/api/data-requests",
                                 {"kind": "erasure", "phone": "0912345678", "email": "an@example.vn",
                                  "note": "Đơn đề nghị ngày 01/12, CCCD đã kiểm tra"})
    status, _ = await call(office, server, "POST", f"/api/data-requests/{erasure['id']}/carry-out", {})
    assert status == 400  # the confirmation is required
    status, done = await call(office, server, "POST", f"/api/data-requests/{erasure['id']}/carry-out", {"confirm": True})
    # Her report is still with the hotline, unanswered: what is needed to answer it stays until
    # then (the ticket, its photo); the rest goes now.
    assert status == 200 and done["result"]["counts"] == {"recordings": 1, "callback_requests": 1, "sms_outbox": 1,
                                                          "asterisk_logs": 2}
    assert done["result"]["held"] == [t.code] and t.code in done["held_note"]
    kept, _, events = await p.ticket(t.id)
    assert kept.email.lower() == "an@example.vn" and "0912345678" in kept.content and (files_dir / photo.path).exists()
    assert "erasure_held" in events
    housekeeping = Retention(sessions, RetentionPolicy(), p.handling.workflow.final_steps(), eraser)
    await housekeeping.run()
    assert (await p.ticket(t.id))[0].email  # not answered yet: kept
    # The operator answers; the answer's notice goes out to her first, then the rest goes too.
    status, view = await call(c["operator"], server, "POST", f"/api/tickets/{t.id}/actions/answer_directly",
                              {"result": "Đã báo Điện lực sửa đèn."})
    assert status == 200, view
    async with sessions() as s:
        pending = await s.scalar(select(func.count()).select_from(SmsMessage).where(
            SmsMessage.ticket_id == t.id, SmsMessage.status == "pending")) + await s.scalar(
            select(func.count()).select_from(EmailMessage).where(EmailMessage.status == "pending"))
    assert pending  # the result notice, by SMS or e-mail
    await housekeeping.run()
    assert (await p.ticket(t.id))[0].email  # its notice is not sent yet
    async with sessions() as s, s.begin():  # the gateways accept them
        await s.execute(update(SmsMessage).where(SmsMessage.status == "pending").values(status="sent"))
        await s.execute(update(EmailMessage).where(EmailMessage.status == "pending").values(status="sent"))
    await housekeeping.run()
    status, listing = await call(office, server, "GET", "/api/data-requests")
    done = next(r for r in listing if r["id"] == erasure["id"])
    assert done["result"]["counts"]["tickets"] == 1 and done["result"]["counts"]["files"] == 1
    assert done["result"]["held"] == [] and done["result"]["released"] == [t.code]
    assert "Đã xoá sau khi có kết quả" in done["held_note"]
    scrubbed = (logs / "queue_log").read_text()
    assert "0912345678" not in scrubbed and "0987000111" in scrubbed and len(scrubbed) == len(queue_log)
    assert "912345678" not in (logs / "messages").read_text()
    status, _ = await call(office, server, "POST", f"/api/data-requests/{erasure['id']}/carry-out", {"confirm": True})
    assert status == 409

    async with sessions() as s:
        gone = await s.get(Ticket, t.id)
        assert (gone.reporter_name, gone.caller_phone, gone.email) == (None, None, None)
        assert "0912345678" not in gone.content
        assert (await s.get(Ticket, other.id)).reporter_name == "Trần Thị Bé"
        assert await s.scalar(select(Attachment).where(Attachment.ticket_id == t.id)) is None
        assert (await s.get(Recording, rec.id)).status == "expired" and await s.get(Transcript, rec.id) is None
        sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == t.id)))
        assert sms and all(m.to_number == "***" and "Đèn" not in m.text for m in sms)
        mails = list(await s.scalars(select(EmailMessage)))
        assert all("an@example.vn" not in m.to_address.lower() for m in mails)
        assert (await s.scalar(select(CallbackRequest))).caller_number == "***"
        assert [e.action for e in await s.scalars(select(AuditEntry).where(AuditEntry.detail.like("data request%")))
                ] == ["export", "export", "erase", "erase"]  # the last: the kept ticket, once answered
    assert not (files_dir / photo.path).exists() and not (rec_dir / rec.path).exists()
    events = (await p.ticket(t.id))[2]
    assert "personal_data_erased" in events and "files_erased" in events

    status, refused = await call(office, server, "POST", "/api/data-requests",
                                 {"kind": "erasure", "phone": "0987000111", "note": "Qua điện thoại"})
    status, body = await call(office, server, "POST", f"/api/data-requests/{refused['id']}/refuse",
                              {"reason": "Chưa xác minh được danh tính người yêu cầu"})
    assert status == 200 and body["status"] == "refused"
    status, listing = await call(office, server, "GET", "/api/data-requests")
    assert [r["status"] for r in listing] == ["refused", "done", "done"]

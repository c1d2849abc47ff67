"""The public pages over HTTP (aiohttp in-process server, real store on SQLite and PostgreSQL):
a citizen's report with attachments and its receipt, published results without any personal
data and never a confidential ticket, look-up by code and phone, rating, follow-up, and hostile
input stored and shown safely or refused with a clear message."""

import re
from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.settings import Security
from hotline.ticketing.handling import Payload
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Attachment, Ticket
from tests.store.support import OPERATOR, province

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2000
NAME, PHONE, ADDRESS, EMAIL = "Nguyễn Thị Hoa", "0987654321", "Số 7 đường Lý Thường Kiệt", "hoa.nguyen@example.vn"


@pytest.fixture
async def site(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    desk = PublicDesk(sessions, p.handling, tmp_path / "attachments", max_bytes=1024 * 1024)
    app = web.Application(client_max_size=8 * 1024 * 1024)
    PublicPages(desk).register(app.router)
    server = TestServer(app)
    await server.start_server()
    http = aiohttp.ClientSession()
    yield p, desk, server, http
    await http.close()
    await server.close()


def report_form(**over) -> aiohttp.FormData:
    fields = {"reporter_name": NAME, "caller_phone": "098 765 4321", "address": ADDRESS, "email": EMAIL,
              "topic": "infrastructure", "content": "Ống nước vỡ, nước tràn ra đường, đề nghị sửa gấp.", **over}
    form = aiohttp.FormData()
    for k, v in fields.items():
        if v is not None:
            form.add_field(k, v)
    return form


async def post(http, server, path, form):
    async with http.post(server.make_url(path), data=form) as r:
        return r.status, await r.text()


async def test_a_citizen_reports_with_a_photo_and_gets_a_code(site):
    p, desk, server, http = site
    form = report_form()
    form.add_field("files", JPEG, filename="ong-nuoc.jpg", content_type="image/jpeg")
    status, html = await post(http, server, "/phan-anh", form)
    assert status == 201
    code = re.search(r'id="receipt-code">(\d{8})<', html).group(1)
    async with p.sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
        files = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
        sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == t.id)))
    assert (t.channel, t.caller_phone, t.reporter_name, t.handling_stage) == ("web", PHONE, NAME, "received")
    assert [(f.content_type, f.size) for f in files] == [("image/jpeg", len(JPEG))]
    assert (desk.files.dir / files[0].path).read_bytes() == JPEG
    assert [(m.to_number, m.purpose) for m in sms] == [(PHONE, "receipt")] and code in sms[0].text

    # Refused, each with its reason, keeping what was typed: a script "photo", a missing field.
    form = report_form()
    form.add_field("files", b"<script>alert(1)</script>", filename="anh.jpg", content_type="image/jpeg")
    status, html = await post(http, server, "/phan-anh", form)
    assert status == 415 and "không phải ảnh, video hoặc âm thanh" in html and "Ống nước vỡ" in html
    status, html = await post(http, server, "/phan-anh", report_form(address=None))
    assert status == 400 and "Địa chỉ" in html
    big = report_form()
    big.add_field("files", JPEG + b"\0" * (1024 * 1024), filename="lon.jpg", content_type="image/jpeg")
    status, html = await post(http, server, "/phan-anh", big)
    assert status == 413 and "vượt quá 1 MB" in html
    async with p.sessions() as s:
        assert len(list(await s.scalars(select(Ticket)))) == 1


async def test_published_results_hide_personal_data_and_confidential_tickets(site):
    p, desk, server, http = site
    now = datetime.now(timezone.utc)
    public = await p.receive(now, reporter_name=NAME, caller_phone=PHONE, address=ADDRESS, email=EMAIL,
                             content=f"Tôi là {NAME}, nhà ở {ADDRESS}, gọi {PHONE} hoặc {EMAIL}: cống bị tắc.")
    secret = await p.receive(now, confidential=True, content="Phản ánh cán bộ nhũng nhiễu tại xã")
    classified = await p.receive(now, state_secret=True, content="Vụ việc thuộc bí mật nhà nước")
    for t in (public, secret, classified):
        await p.handling.act(t.id, "answer_directly", OPERATOR,
                             Payload(result=f"Đã liên hệ chị {NAME} qua số 0987.654.321 để thông tin."), now=now)
    async with http.get(server.make_url("/ket-qua")) as r:
        html = await r.text()
    assert r.status == 200 and f'data-code="{public.code}"' in html and "cống bị tắc" in html
    assert secret.code not in html and classified.code not in html and "nhũng nhiễu" not in html
    for personal in (NAME, PHONE, ADDRESS, EMAIL, "0987.654.321", "Hoa"):
        assert personal not in html


async def test_look_up_rate_and_ask_again_by_code_and_phone(site):
    p, desk, server, http = site
    now = datetime.now(timezone.utc)
    t = await p.receive(now, caller_phone=PHONE)
    await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Đã sửa xong."), now=now)
    status, html = await post(http, server, "/tra-cuu", {"code": t.code, "phone": "0999999999"})
    assert status == 404 and "Không tìm thấy" in html and "Đã sửa xong" not in html
    bad = t.code[:-1] + str((int(t.code[-1]) + 1) % 10)
    status, html = await post(http, server, "/tra-cuu", {"code": bad, "phone": PHONE})
    assert status == 422 and "kiểm tra lại" in html
    status, html = await post(http, server, "/tra-cuu", {"code": t.code, "phone": "+84 987 654 321"})
    assert status == 200 and "Đã sửa xong" in html and 'id="rate-form"' in html
    status, html = await post(http, server, "/tra-cuu/danh-gia", {"code": t.code, "phone": PHONE, "rating": "9"})
    assert status == 422
    status, html = await post(http, server, "/tra-cuu/danh-gia", {"code": t.code, "phone": PHONE, "rating": "5"})
    assert status == 200 and "Rất hài lòng" in html and 'id="rate-form"' not in html
    status, html = await post(http, server, "/tra-cuu/hoi-them",
                              {"code": t.code, "phone": PHONE, "question": "Bao giờ thông xe lại?"})
    assert status == 200 and "Người dân hỏi thêm" in html
    async with p.sessions() as s:
        t = await s.get(Ticket, t.id)
    assert (t.rating, t.handling_stage, t.question) == (5, "follow_up", "Bao giờ thông xe lại?")
    # Guessing codes: limited per address.
    statuses = [(await post(http, server, "/tra-cuu", {"code": t.code, "phone": "0911111111"}))[0]
                for _ in range(25)]
    assert 429 in statuses


async def test_hostile_input_is_stored_and_shown_as_text_or_refused(site):
    p, desk, server, http = site
    script = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    sql = "'; DROP TABLE tickets; --"
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa 😀"  # NFD Vietnamese with an emoji
    status, html = await post(http, server, "/phan-anh", report_form(reporter_name=decomposed,
                                                                     content=f"{script} {sql} cống tắc 🚧"))
    assert status == 201
    code = re.search(r'id="receipt-code">(\d{8})<', html).group(1)
    async with p.sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
    assert t.reporter_name == "Nguyễn Thị Hoa 😀" and sql in t.content and script in t.content  # stored as typed (NFC)
    await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result=f"Trả lời {script}"))
    async with http.get(server.make_url("/ket-qua")) as r:
        html = await r.text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "onerror=alert(1)>" not in html
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "DENY"
    # 10 MB of content: refused with a clear message, nothing stored.
    status, html = await post(http, server, "/phan-anh", report_form(content="a" * (10 * 1024 * 1024)))
    assert status == 413 and "quá lớn" in html
    async with p.sessions() as s:
        assert len(list(await s.scalars(select(Ticket)))) == 1


async def test_a_script_cannot_make_the_hotline_text_a_number_without_end(sessions, tmp_path):
    """20 reports with one phone number: the later ones are refused (per-phone limit), at most the
    daily cap of receipt SMS is queued to that number, and a foreign number gets none."""
    p = await province(sessions, tmp_path, "dong_thap")
    p.handling.notices.citizen_sms_per_day = 3
    desk = PublicDesk(sessions, p.handling, tmp_path / "attachments", max_bytes=1024 * 1024)
    app = web.Application()
    PublicPages(desk, Security(reports_per_phone=8, reports_per_address=100)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            statuses = [(await post(http, server, "/phan-anh", report_form(caller_phone="0912 000 999")))[0]
                        for _ in range(20)]
            assert statuses == [201] * 8 + [429] * 12
            status, html = await post(http, server, "/phan-anh", report_form(caller_phone="+1 202 555 0143"))
            assert status == 201
        async with p.sessions() as s:
            to_victim = list(await s.scalars(select(SmsMessage).where(SmsMessage.to_number == "0912000999")))
            foreign = list(await s.scalars(select(SmsMessage).where(SmsMessage.to_number.like("%2025550143"))))
            tickets = list(await s.scalars(select(Ticket).where(Ticket.caller_phone == "0912000999")))
        assert len(tickets) == 8  # refused reports leave nothing behind
        assert [m.purpose for m in to_victim] == ["receipt"] * 3
        assert foreign == []
    finally:
        await server.close()

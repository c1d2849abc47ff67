"""The look-up link without a phone (#31 items 9 and 10), on SQLite and PostgreSQL: every ticket gets
its own secret on every path that creates one (and the tickets already there, by the migration);
the receipt SMS carries the link within the SMS length rule; the page it opens shows where the
report stands and each step with its date while it is in progress, the result once answered and
approved, never the reporter's data, the staff's names or a note; confidential and state-secret
tickets show their status only; an unknown secret is 404 and guessing is limited per address. The
look-up by the code alone shows the same public progress, and the result once published."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, text

from hotline.conversations.mail import parse
from hotline.conversations.service import Conversations
from hotline.notifications.sms import MAX_SEGMENTS, segments
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.settings import Security
from hotline.store.conversations import Conversation
from hotline.store.db import make_engine, migrate
from hotline.store.outbox import EmailMessage as Outgoing
from hotline.store.tickets import Ticket
from hotline.ticketing.attachments import Attachments, Upload
from hotline.ticketing.codes import luhn_check_digit
from hotline.ticketing.handling import Payload
from tests.store.support import OPERATOR, province

NAME, PHONE, ADDRESS, EMAIL = "Trịnh Thị Mai", "0987001122", "Số 14 đường Trần Phú", "mai.trinh@example.vn"
SECRET = re.compile(r"https://1022\.example\.vn/p/([A-Za-z0-9_-]{16})\b")
_names = itertools.count(1)


@pytest.fixture
async def site(sessions, tmp_path):
    async def start(profile: str = "dong_thap", security: Security | None = None):
        p = await province(sessions, tmp_path, profile)
        desk = PublicDesk(sessions, p.handling, tmp_path / "attachments", max_bytes=1024 * 1024)
        app = web.Application()
        PublicPages(desk, security).register(app.router)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return p, desk, server

    servers: list[TestServer] = []
    http = aiohttp.ClientSession()
    yield start, http
    await http.close()
    for server in servers:
        await server.close()


async def page(http, server, path: str) -> tuple[int, str, dict]:
    async with http.get(server.make_url(path), allow_redirects=False) as r:
        return r.status, await r.text(), dict(r.headers)


def steps(html: str) -> list[str]:
    """The timeline's entries as the citizen reads them, without their times."""
    found = re.search(r'<ol class="timeline" id="t-timeline">(.*?)</ol>', html, re.S)
    items = re.findall(r"<li><time>[^<]*</time> (.*?)</li>", found.group(1), re.S) if found else []
    return [re.sub(r"<[^>]+>", "", i).strip() for i in items]


async def test_every_way_a_ticket_is_made_gives_it_its_own_secret(site, sessions, tmp_path):
    start, http = site
    p, desk, server = await start()
    now = datetime.now(timezone.utc)
    made = [await p.receive(now), await p.store.create_ticket(channel="phone", draft=True),
            await p.store.draft_for_call("1700000000.1", PHONE, "infrastructure", "op1", None)]
    async with sessions() as s, s.begin():
        made.append(await p.store.add_ticket(s, channel="email", draft=True))
    form = aiohttp.FormData({"reporter_name": NAME, "caller_phone": PHONE, "address": ADDRESS,
                             "topic": "infrastructure", "content": "Cây đổ chắn ngang đường."})
    async with http.post(server.make_url("/phan-anh"), data=form) as r:
        html = await r.text()
    assert r.status == 201
    code = re.search(r'id="receipt-code">(\d{8})<', html).group(1)
    async with sessions() as s:
        made.append(await s.scalar(select(Ticket).where(Ticket.code == code)))
    conversations = Conversations(sessions, p.store, Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn", lookup_url=lambda s: f"https://1022.example.vn/p/{s}")
    mail = EmailMessage()
    mail["From"], mail["To"] = f"{NAME} <{EMAIL}>", "tongdai1022@dongthap.gov.vn"
    mail["Subject"], mail["Message-ID"] = "Cống bị tắc", "<link-1@example.vn>"
    mail.set_content("Cống trước chợ bị tắc.")
    conv_id = await conversations.receive_mail(parse(bytes(mail)))
    async with sessions() as s:
        [receipt] = list(await s.scalars(select(Outgoing)))
        made.append(await s.get(Ticket, (await s.get(Conversation, conv_id)).ticket_id))
        stored = {t.id: t.public_secret for t in await s.scalars(select(Ticket))}
    secrets_ = [t.public_secret for t in made]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", v or "") for v in secrets_), secrets_
    assert len(set(secrets_)) == len(made) == len(stored) == 6
    assert all(stored[t.id] == t.public_secret for t in made)  # the secret the receipt gives is the one kept

    # The public form's confirmation page and the e-mail receipt carry the ticket's own link.
    assert f'href="https://1022.example.vn/p/{made[4].public_secret}"' in html
    assert f"https://1022.example.vn/p/{made[5].public_secret}" in receipt.body
    # The draft of the e-mail opens too, before an operator has taken it up.
    status, html, _ = await page(http, server, f"/p/{made[5].public_secret}")
    assert status == 200 and made[5].code in html and steps(html) == ["Tiếp nhận phản ánh"]
    assert NAME not in html and EMAIL not in html and "Cống trước chợ" not in html


async def test_the_receipt_link_shows_progress_and_result_without_personal_data(site):
    start, http = site
    p, desk, server = await start()
    now = datetime.now(timezone.utc)
    t = await p.receive(now, reporter_name=NAME, caller_phone=PHONE, address=ADDRESS, email=EMAIL,
                        content=f"Tôi là {NAME}, ở {ADDRESS}, số {PHONE}: ống nước vỡ trước nhà.")
    _, sms, _ = await p.ticket(t.id)
    [receipt] = [m for m in sms if m.purpose == "receipt"]
    link = SECRET.search(receipt.text)
    assert link and link.group(1) == t.public_secret and segments(receipt.text) <= MAX_SEGMENTS
    assert receipt.text.endswith(link.group(0))  # nothing glued to the address

    status, html, headers = await page(http, server, f"/p/{t.public_secret}")
    assert status == 200 and t.code in html and steps(html) == ["Tiếp nhận phản ánh"]
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"

    # In progress: forwarded, then a new date with the agency's reason (which stays off the page).
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id, note=f"Gọi lại {NAME}"),
                         now=now + timedelta(minutes=5))
    await p.handling.act(t.id, "reschedule", p.staff,
                         Payload(date=now + timedelta(days=9), reason=f"Chờ vật tư, đã báo anh {NAME} {PHONE}"),
                         now=now + timedelta(hours=1))
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert status == 200 and steps(html)[:2] == ["Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Công ty Điện lực"]
    assert steps(html)[2].startswith("Hẹn lại · hẹn trả lời trước ")
    assert 'id="t-result"' not in html
    for personal in (NAME, PHONE, ADDRESS, EMAIL, "Mai", "ống nước vỡ", "Chờ vật tư", "op1", "dungle",
                     "Lê Văn Dũng", "Gọi lại"):
        assert personal not in html, personal

    await p.handling.act(t.id, "answer", p.staff, Payload(result=f"Đã thay ống, báo chị {NAME} qua {PHONE}."),
                         now=now + timedelta(days=2))
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert steps(html)[-1] == "Trả lời người dân"
    assert "Đã thay ống" in html and NAME not in html and PHONE not in html


async def test_quang_ninh_shows_take_up_and_the_result_only_once_approved(site):
    start, http = site
    p, desk, server = await start("quang_ninh")
    now = datetime.now(timezone.utc)
    t = await p.receive(now)
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    await p.handling.act(t.id, "take_up", p.staff, Payload(), now=now + timedelta(hours=2))
    await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay bóng đèn."), now=now + timedelta(days=1))
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert steps(html) == ["Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Công ty Điện lực", "Tiếp nhận xử lý",
                           "Trình kết quả"]
    assert "Đã thay bóng đèn" not in html  # not yet approved by the leader
    await p.handling.act(t.id, "approve", p.leader, Payload(), now=now + timedelta(days=1, hours=1))
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert steps(html)[-1] == "Phê duyệt" and "Đã thay bóng đèn" in html


async def test_confidential_and_state_secret_tickets_show_their_status_only(site):
    start, http = site
    p, desk, server = await start()
    now = datetime.now(timezone.utc)
    for flag in ("confidential", "state_secret"):
        t = await p.receive(now, **{flag: True})
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
        status, html, _ = await page(http, server, f"/p/{t.public_secret}")
        assert status == 200 and 'id="t-stage"' in html and 'id="t-confidential"' in html
        assert steps(html) == [] and "Công ty Điện lực" not in html and "Đèn đường" not in html


async def test_the_link_shows_the_files_the_unit_made_public_and_no_other(site, sessions, tmp_path):
    """A progress update's photos, published by the unit, are on the link's page (HCMC Art. 7.2b,
    11.1); a file not made public, another ticket's file and any file of a confidential ticket
    are not found by the link."""
    start, http = site
    p, desk, server = await start("ho_chi_minh")
    files = Attachments(sessions, tmp_path / "attachments")
    now = datetime.now(timezone.utc)
    jpeg = b"\xff\xd8\xff\xe0" + bytes(300)
    t = await p.receive(now, topic="socio_economic")
    other = await p.receive(now, topic="socio_economic")
    hidden = await p.receive(now, topic="socio_economic", confidential=True)
    [shown] = await files.save(t.id, files.check([Upload("thu-gom.jpg", jpeg)]), "dungle", now, public=True)
    [kept] = await files.save(t.id, files.check([Upload("bien-ban.jpg", jpeg)]), "dungle", now)
    [elsewhere] = await files.save(other.id, files.check([Upload("khac.jpg", jpeg)]), "dungle", now, public=True)
    [secret] = await files.save(hidden.id, files.check([Upload("mat.jpg", jpeg)]), "dungle", now, public=True)

    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert status == 200 and f'href="/p/{t.public_secret}/tep/{shown.id}"' in html and "bien-ban.jpg" not in html
    async with http.get(server.make_url(f"/p/{t.public_secret}/tep/{shown.id}")) as r:
        assert (r.status, r.headers["Content-Type"], await r.read()) == (200, "image/jpeg", jpeg)
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Content-Disposition"].startswith("inline")
    for secret_of, file in ((t, kept), (t, elsewhere), (hidden, secret), (t, "x1")):
        status, _, _ = await page(http, server, f"/p/{secret_of.public_secret}/tep/{getattr(file, 'id', file)}")
        assert status == 404, file
    status, html, _ = await page(http, server, f"/p/{hidden.public_secret}")
    assert "mat.jpg" not in html


async def test_an_unknown_secret_is_not_found_and_guessing_is_limited(site):
    start, http = site
    p, desk, server = await start(security=Security(lookups_per_address=5))
    t = await p.receive(datetime.now(timezone.utc))
    wrong = t.public_secret[:-1] + ("A" if t.public_secret[-1] != "A" else "B")
    for path in (f"/p/{wrong}", "/p/short", f"/p/{t.public_secret}x", f"/p/{t.code}"):
        status, html, headers = await page(http, server, path)
        assert status == 404 and "Không tìm thấy" in html and t.code not in html, path
        assert headers["Cache-Control"] == "no-store"
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert status == 200 and t.code in html  # the fifth look-up from this address in the window
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert status == 429 and "thử lại" in html and t.code not in html  # the sixth


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return await request.getfixturevalue("postgres").create_database(f"link{next(_names)}")


async def test_tickets_made_before_the_link_get_their_own_secret(database_url):
    engine = make_engine(database_url)
    await migrate(engine, "0031")
    async with engine.begin() as conn:
        for code in ("26110001", "26110002", "26110003"):
            await conn.execute(text("INSERT INTO tickets (code, status, channel, confidential, draft, version, "
                                    "counts, late, state_secret, created_at, updated_at) VALUES (:code, 'received', "
                                    "'phone', false, false, 0, '{}', false, false, CURRENT_TIMESTAMP, "
                                    "CURRENT_TIMESTAMP)"), {"code": code})
    await migrate(engine)
    async with engine.connect() as conn:
        rows = dict((await conn.execute(text("SELECT code, public_secret FROM tickets"))).all())
    await engine.dispose()
    assert len(rows) == 3 and len(set(rows.values())) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", v) for v in rows.values())


async def test_the_code_alone_shows_the_public_progress_and_a_result_once_published(site):
    start, http = site
    p, desk, server = await start()
    now = datetime.now(timezone.utc)
    t = await p.receive(now, reporter_name=NAME, caller_phone=PHONE, address=ADDRESS, email=EMAIL,
                        content=f"Tôi là {NAME}: ống nước vỡ.")
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    status, html, headers = await page(http, server, f"/tra-cuu?ma={t.code}")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert steps(html) == ["Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Công ty Điện lực"]
    async with http.post(server.make_url("/tra-cuu"), data={"code": t.code, "phone": ""}) as r:
        posted = await r.text()
    assert r.status == 200 and steps(posted) == steps(html)
    for personal in (NAME, PHONE, ADDRESS, EMAIL, "ống nước vỡ", "rate-form"):
        assert personal not in html and personal not in posted, personal

    await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay ống."), now=now + timedelta(days=1))
    status, html, _ = await page(http, server, f"/tra-cuu?ma={t.code}")
    assert steps(html)[-1] == "Trả lời người dân"
    assert "Đã thay ống" in html  # Đồng Tháp publishes the answer (Art. 12)
    async with p.sessions() as s, s.begin():  # a result not (yet) published: by its code, not shown
        (await s.get(Ticket, t.id)).published_at = None
    status, html, _ = await page(http, server, f"/tra-cuu?ma={t.code}")
    assert steps(html)[-1] == "Trả lời người dân" and "Đã thay ống" not in html
    status, html, _ = await page(http, server, f"/p/{t.public_secret}")
    assert "Đã thay ống" in html  # the receipt's link: the citizen's own answer

    hidden = await p.receive(now, confidential=True)
    status, html, _ = await page(http, server, f"/tra-cuu?ma={hidden.code}")
    assert status == 200 and 'id="t-confidential"' in html and steps(html) == [] and "Đèn đường" not in html
    body = "1234567" if not t.code.startswith("1234567") and not hidden.code.startswith("1234567") else "7654321"
    status, html, _ = await page(http, server, f"/tra-cuu?ma={body}{luhn_check_digit(body)}")
    assert status == 404 and "Không tìm thấy phiếu với mã số này" in html
    status, html, _ = await page(http, server, f"/tra-cuu?ma={body}{(int(luhn_check_digit(body)) + 1) % 10}")
    assert status == 422 and "kiểm tra lại" in html

"""Staff keep the scan of a paper or portal letter on its ticket (Đồng Tháp Art. 3.5, 5.3): an
operator uploads it over HTTP, the background job recognises its text with the real tesseract
(Vietnamese; a PDF through pdftoppm), and a search typed without diacritics finds the ticket, on
SQLite and PostgreSQL; agencies may do neither, a confidential report's letter is not shown to the
office, a state-secret ticket not to roles the profile does not name; an erasure takes the text."""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, text

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.privacy.erasure import Eraser
from hotline.store.privacy import AuditEntry
from hotline.store.tickets import Attachment, Ticket
from hotline.testing.letters import letter_files
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.scans import Scans, search_query
from hotline.web.auth import refusals
from tests.store.support import call, province, signed_in

_letters: list[tuple[bytes, bytes]] = []  # rendered once for both databases


async def letters() -> tuple[bytes, bytes]:
    if not _letters:
        _letters.append(await letter_files())
    return _letters[0]


@pytest.fixture
async def api(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, tmp_path / "attachments", 1024 * 1024)
    scans = Scans(sessions, files)
    TicketsApi(accounts, p.store, p.handling, files, scans=scans).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = await signed_in(accounts, [("op1", "operator", None), ("giamsat", "supervisor", None),
                                         ("vanphong", "office", None), ("dien.luc", "agency", p.agency_id)])
    yield p, scans, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def upload(client, server, ticket_id, name, data):
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("files", data, filename=name, content_type="application/octet-stream")
    async with client.post(server.make_url(f"/api/tickets/{ticket_id}/scans"), data=form,
                           headers={"X-Hotline-Upload": "1"}) as r:
        return r.status, await r.json()


async def found(client, server, q):
    status, hits = await call(client, server, "GET", f"/api/tickets/search?q={q}")
    assert status == 200, hits
    return {h["code"]: h for h in hits}


async def test_a_scanned_letter_is_recognised_and_found_without_diacritics(api):
    p, scans, server, c = api
    op, sup, office, agency = c["op1"], c["giamsat"], c["vanphong"], c["dien.luc"]
    png, pdf = await letters()
    now = datetime.now(timezone.utc)
    plain = await p.receive(now, content="Người dân gửi công văn về đường sụt lún")
    private = await p.receive(now, content="Phản ánh bảo mật kèm thư", confidential=True)
    secret = await p.receive(now, content="Vụ việc mật", state_secret=True)

    status, rows = await upload(op, server, plain.id, "cong-van-12.png", png)
    assert status == 201 and rows[0]["scan"] and rows[0]["label"] == "Bản quét văn bản"
    assert rows[0]["text_status"] == "pending"
    status, _ = await upload(op, server, private.id, "thu.pdf", pdf)
    assert status == 201
    assert (await upload(agency, server, plain.id, "x.png", png))[0] == 403
    assert (await upload(op, server, secret.id, "x.png", png))[0] == 403  # operators may not read it
    status, err = await upload(op, server, plain.id, "ghi-am.mp3", b"ID3" + b"\x00" * 100)
    assert status == 415 and "ảnh" in err["error"]
    assert (await upload(sup, server, secret.id, "mat.png", png))[0] == 201

    assert await found(op, server, "cong van so 12") == {}  # nothing recognised yet: content says "công văn"
    await scans.drain()  # the background job's pass: real tesseract, and pdftoppm for the PDF
    async with p.sessions() as s:
        done = {a.ticket_id: a for a in await s.scalars(select(Attachment).where(Attachment.scan.is_(True)))}
    assert {a.text_status for a in done.values()} == {"done"}, [a.text_error for a in done.values()]
    assert "Công văn số 12" in done[plain.id].text and "Công văn số 12" in done[private.id].text
    status, view = await call(op, server, "GET", f"/api/tickets/{plain.id}")
    assert [f["text_status"] for f in view["attachments"]] == ["done"]

    hits = await found(op, server, "cong van so 12")
    assert set(hits) == {plain.code, private.code}  # not the state-secret one: not an operator's
    assert hits[plain.code]["found_in"] == "scan" and "Công văn số 12" in hits[plain.code]["snippet"]
    assert set(await found(sup, server, "CONG VAN SO 12")) == {plain.code, private.code, secret.code}
    assert set(await found(op, server, "đường sụt lún nguyen hue")) == {plain.code, private.code}
    assert set(await found(op, server, "duong sut lun nguoi dan")) == {plain.code}  # content and scan together
    assert set(await found(op, server, plain.code)) == {plain.code}
    for nothing in ("%", "_", "khong co tu nay"):
        assert await found(op, server, nothing) == {}

    office_hits = await found(office, server, "cong van so 12")
    assert set(office_hits) == {plain.code}  # a confidential report's letter is the hotline's only
    assert office_hits[plain.code]["snippet"]
    by_code = await found(office, server, private.code)  # found by its code, nothing of it shown
    assert by_code[private.code]["snippet"] is None
    assert (await call(agency, server, "GET", "/api/tickets/search?q=cong+van"))[0] == 403

    async with p.sessions() as s:
        reads = set(await s.scalars(select(AuditEntry.ticket_id).where(AuditEntry.username == "op1",
                                                                       AuditEntry.action == "read")))
    assert {plain.id, private.id} <= reads  # the snippets were reads of the reports

    # The ticket's files erased (the citizen's request, or their retention): the text goes with them.
    eraser = Eraser(scans.files.dir, scans.files.dir.parent / "recordings")
    async with p.sessions() as s, s.begin():
        assert await eraser.ticket_files(s, plain.id, "giamsat", "request", datetime.now(timezone.utc)) == 1
    assert set(await found(op, server, "cong van so 12")) == {private.code}
    async with p.sessions() as s:
        assert not list(await s.scalars(select(Attachment).where(Attachment.ticket_id == plain.id)))
    assert (scans.files.dir / done[plain.id].path).is_file()  # the same image is the state-secret ticket's too


async def test_the_search_indexes_follow_each_change_and_answer_the_search(api, sessions):
    """The search finds a report typed in capitals with "Đ", by a part of its code, by short
    words, and after an edit by its new text only; it is answered from the indexes of migration
    0040 (SQLite: the query plan names its FTS table; PostgreSQL: the indexed column holds the
    folded text), not by folding every ticket's text."""
    p, scans, server, c = api
    op = c["op1"]
    now = datetime.now(timezone.utc)
    lamp = await p.receive(now, content="ĐÈN ĐƯỜNG HỎNG Ở CHỢ MỸ HIỆP")
    other = await p.receive(now, content="Hỏi thủ tục cấp giấy phép xây dựng")
    assert set(await found(op, server, "den duong")) == {lamp.code}
    assert set(await found(op, server, "my hiep cho")) == {lamp.code}  # two-letter words too
    assert set(await found(op, server, lamp.code[2:7])) == {lamp.code}  # a part of its code
    assert set(await found(op, server, "giay phep")) == {other.code}

    async with sessions() as s, s.begin():  # an edit of the text: the index holds the new one only
        (await s.get(Ticket, lamp.id)).content = "Cây đổ chắn lối đi"
    assert await found(op, server, "den duong") == {}
    assert set(await found(op, server, "cay do chan")) == {lamp.code}

    async with sessions() as s:
        dialect = s.bind.dialect
        if dialect.name == "sqlite":
            sql = str(search_query(["cay do chan"], dialect.name, True, False).limit(30)
                      .compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r[-1]) for r in await s.execute(text("EXPLAIN QUERY PLAN " + sql)))
            # the index gives the rows (its MATCH, "M" in the plan's index string), newest first
            assert "SCAN ticket_fts VIRTUAL TABLE INDEX" in plan and ":M" in plan and "SCAN tickets" not in plan, plan
        else:  # the folded column its trigram index covers, kept by the triggers
            held = await s.scalar(text("SELECT search_text FROM tickets WHERE id = :id"), {"id": lamp.id})
            assert "cay do chan" in held and "den duong" not in held and lamp.code in held, held

"""Agencies answer in their inbox: an administrator opens an account for the focal point, who
sees the agency's transferred tickets (and only those) with their deadlines, and answers."""

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import select

from hotline.agencies.schemas import AgencyIn
from hotline.agencies.directory import AgencyDirectory
from hotline.testing.browser import launch, log_in
from hotline.store.tickets import Ticket, TicketEvent
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration


async def test_the_focal_point_answers_in_the_agency_inbox(playwright_session, desktop_line, store):
    directory = AgencyDirectory(store.tickets.sessions)
    mine, _ = await directory.save(AgencyIn(name="Sở Xây dựng (hộp thư)", level="province", phone="02773851010",
                                            contacts=[{"role": "focal_point", "name": "Lý Văn Phúc",
                                                       "phone": "0911000010"}]))
    other, _ = await directory.save(AgencyIn(name="Sở Y tế (hộp thư)", level="province"))
    now = datetime.now(timezone.utc)
    common = {"status": "in_progress", "topic": "infrastructure", "handling_stage": "focal_point",
              "transferred_at": now, "due_at": now + timedelta(hours=8)}
    open_ticket = await store.tickets.create_ticket(agency_id=mine.id, reporter_name="Trần Văn Tư",
                                                    caller_phone="0912555111", content="Nứt mặt cầu Đình Trung",
                                                    **common)
    secret = await store.tickets.create_ticket(agency_id=mine.id, reporter_name="Người tố giác", confidential=True,
                                               caller_phone="0912555222", content="Xây dựng trái phép", **common)
    elsewhere = await store.tickets.create_ticket(agency_id=other.id, content="Việc của sở khác", **common)

    admin = await session_for(desktop_line, "quantri-inbox", await store.user("quantri-inbox", "admin"))
    try:
        async with admin.post(url(desktop_line, f"/api/agencies/{mine.id}/accounts"),
                              json={"username": "phuc.sxd", "full_name": "Lý Văn Phúc",
                                    "password": "mat-khau-dai-1"}) as r:
            assert r.status == 201, await r.text()
        async with admin.post(url(desktop_line, f"/api/agencies/{mine.id}/accounts"),
                              json={"username": "phuc.sxd", "full_name": "X", "password": "mat-khau-dai-2"}) as r:
            assert r.status == 409
    finally:
        await admin.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "phuc.sxd", "mat-khau-dai-1")
        assert page.url.endswith("/agency")
        await page.wait_for_selector(f"#inbox tr[data-code='{open_ticket.code}']", timeout=10000)
        codes = await page.eval_on_selector_all("#inbox tbody tr", "rows => rows.map(r => r.dataset.code)")
        assert sorted(codes) == sorted([open_ticket.code, secret.code])  # never another agency's ticket
        html = await page.content()
        assert "Người tố giác" not in html and "0912555222" not in html  # confidential reporter hidden
        await page.click(f"#inbox tr[data-code='{open_ticket.code}'] button")
        assert (await page.text_content("#d-name")) == "Trần Văn Tư"  # the agency answers the citizen
        # First it reschedules (once): the option is gone afterwards.
        day = (now + timedelta(days=20)).strftime("%Y-%m-%d")
        await page.select_option("#action-name", "reschedule")
        await page.fill("#action-reason", "Cần khảo sát kết cấu cầu")
        await page.fill("#action-date", day)
        await page.click("#action-submit")
        await page.wait_for_function("document.getElementById('action-saved').textContent.startsWith('Đã thực hiện')",
                                     timeout=10000)
        options = await page.eval_on_selector_all("#action-name option", "os => os.map(o => o.value)")
        assert "reschedule" not in options and "return" in options
        # The site photo goes with the answer, published with the result.
        photo = b"\xff\xd8\xff\xe0" + bytes(500)
        await page.set_input_files("#attach-files", files=[{"name": "hiện trường.jpg", "mimeType": "image/jpeg",
                                                            "buffer": photo}])
        await page.check("#attach-public")
        await page.click("#attach-submit")
        await page.wait_for_function("document.getElementById('attach-saved').textContent === 'Đã tải lên'",
                                     timeout=10000)
        assert (await page.text_content("#d-files")).strip() == "hiện trường.jpg (công khai)"
        href = await page.get_attribute("#d-files a", "href")
        assert await page.evaluate(f"fetch('{href}').then(r => r.arrayBuffer()).then(b => b.byteLength)") == len(photo)
        await page.fill("textarea[name=result]", "Đã cử tổ kỹ thuật kiểm tra, rào chắn và sửa chữa trong tuần.")
        await page.click("#answer-submit")
        await page.wait_for_function("document.getElementById('answer-saved').textContent === 'Đã gửi trả lời'",
                                     timeout=10000)
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        t = await s.get(Ticket, open_ticket.id)
        events = [e.action for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id))]
    assert t.status == "answered" and t.handling_stage == "answered" and t.answered_by == "phuc.sxd"
    assert "sửa chữa" in t.result and events == ["reschedule", "attach", "answer"]

    agency = await session_for(desktop_line, "phuc.sxd", "mat-khau-dai-1")
    try:
        async with agency.post(url(desktop_line, f"/api/agency/tickets/{open_ticket.id}/answer"),
                               json={"result": "lần hai"}) as r:
            assert r.status == 409  # answered once; the first answer stays
        async with agency.post(url(desktop_line, f"/api/agency/tickets/{elsewhere.id}/answer"),
                               json={"result": "không phải việc của tôi"}) as r:
            assert r.status == 404
        async with agency.post(url(desktop_line, f"/api/agency/tickets/{secret.id}/answer"),
                               json={"result": "   "}) as r:
            assert r.status == 400
        for path in ("/api/supervisor/state", "/api/agencies", "/api/calls/x/ticket"):
            async with agency.get(url(desktop_line, path)) as r:
                assert r.status == 403, path
        ws = await agency.ws_connect(url(desktop_line, "/ws"), origin=url(desktop_line, ""))
        hello = await ws.receive_json(timeout=5)
        assert "snapshot" not in hello["data"]  # no live calls for agencies
        await ws.close()
    finally:
        await agency.close()
    async with aiohttp.ClientSession() as anon:
        async with anon.get(url(desktop_line, "/api/agency/tickets")) as r:
            assert r.status == 401

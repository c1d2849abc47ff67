"""The provincial office's page in a real browser against the running hotline: it names the agency
for a matter the operator referred to it (the citizen is told by SMS), and sends an agency a
request for explanation about an overdue ticket, which the agency answers from its inbox."""

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.office import OfficeLetter
from hotline.store.outbox import SmsMessage
from hotline.store.reports import StatutoryReportRow
from hotline.store.tickets import Ticket
from hotline.testing.browser import launch, log_in
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration

CITIZEN = "0912777001"


async def test_the_office_names_the_agency_and_asks_an_overdue_agency_to_explain(playwright_session, desktop_line,
                                                                                store):
    directory = AgencyDirectory(store.tickets.sessions)
    works, _ = await directory.save(AgencyIn(name="Sở Xây dựng (văn phòng)", level="province", phone="02773851020",
                                             contacts=[{"role": "focal_point", "name": "Lê Văn Tâm",
                                                        "phone": "0911000020"},
                                                       {"role": "head", "name": "Mai Thị Hồng",
                                                        "phone": "0911000021"}]))
    now = datetime.now(timezone.utc)
    unclear = await store.tickets.create_ticket(draft=False, status="received", handling_stage="received",
                                                topic="general", caller_phone=CITIZEN, reporter_name="Phan Văn Lực",
                                                content="Bãi tập kết cát trái phép giáp ranh hai huyện",
                                                stage_entered_at=now)
    late = await store.tickets.create_ticket(draft=False, status="overdue", handling_stage="overdue",
                                             topic="infrastructure", agency_id=works.id, caller_phone="0912777002",
                                             reporter_name="Đỗ Thị Mai", content="Mương thoát nước bị lấp",
                                             transferred_at=now - timedelta(days=12), due_at=now - timedelta(days=2),
                                             late=True)
    # The operator refers the unclear matter to the office (the workflow's own action, over HTTP).
    operator = await session_for(desktop_line, "tdv-vp", await store.user("tdv-vp", "operator", "op2"))
    try:
        async with operator.post(url(desktop_line, f"/api/tickets/{unclear.id}/actions/refer_to_office"),
                                 json={"reason": "Giáp ranh, chưa rõ huyện nào quản lý"}) as r:
            assert r.status == 200, await r.text()
        async with operator.get(url(desktop_line, "/api/office/pending")) as r:
            assert r.status == 403
    finally:
        await operator.close()
    await store.accounts.create_user("tam.sxd", "Lê Văn Tâm", "agency", "mat-khau-dai-du-1", agency_id=works.id)

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "vanphong", await store.user("vanphong", "office"))
        assert page.url.endswith("/office")
        row = f"#pending tr[data-code='{unclear.code}']"
        await page.wait_for_selector(row, timeout=10000)
        html = await page.content()
        assert "Phan Văn Lực" not in html and CITIZEN not in html  # the matter, not who reported it
        assert "Giáp ranh, chưa rõ huyện nào quản lý" in await page.text_content(row)
        await page.select_option(f"{row} select.assign-agency", label="Sở Xây dựng (văn phòng)")
        await page.click(f"{row} button.assign")
        await page.wait_for_selector(row, state="detached", timeout=10000)

        # The overdue ticket: a request for explanation, numbered.
        await page.click(f"#overdue tr[data-code='{late.code}'] button.write-letter")
        await page.select_option("#letter-kind", "explanation")
        await page.fill("#letter-body", "Đề nghị báo cáo trước cuộc họp giao ban.")
        await page.click("#letter-submit")
        await page.wait_for_function(
            "document.getElementById('letter-saved').textContent.startsWith('Đã gửi văn bản số')", timeout=10000)
        number = (await page.text_content("#letter-saved")).rsplit(" ", 1)[1]
        await page.wait_for_selector(f"#letters tr[data-number='{number}']", timeout=10000)
        assert "Chưa giải trình" in await page.text_content(f"#letters tr[data-number='{number}'] .answer")

        # The agency explains from its inbox; the office sees the explanation.
        agency_ctx = await launch(playwright_session)
        try:
            inbox = await log_in(agency_ctx, base_url(desktop_line), "tam.sxd", "mat-khau-dai-du-1")
            letter_row = f"#office-letters tr[data-number='{number}']"
            await inbox.wait_for_selector(letter_row, timeout=10000)
            await inbox.fill(f"{letter_row} textarea", "Chờ phân định ranh giới; đã giao Phòng Quản lý đô thị.")
            await inbox.click(f"{letter_row} button[type=submit]")
            await inbox.wait_for_function(
                f"document.querySelector(\"{letter_row}\")?.textContent.includes('Phòng Quản lý đô thị')",
                timeout=10000)
        finally:
            await agency_ctx.close()
        await page.reload()
        await page.wait_for_function(
            f"document.querySelector(\"#letters tr[data-number='{number}'] .answer\")"
            "?.textContent.includes('Phòng Quản lý đô thị')", timeout=10000)
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        t = await s.get(Ticket, unclear.id)
        sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id.in_([unclear.id, late.id]))))
        letter = await s.scalar(select(OfficeLetter).where(OfficeLetter.ticket_id == late.id))
    assert (t.handling_stage, t.agency_id) == ("focal_point", works.id) and t.due_at is not None
    assert (CITIZEN, "forwarded") in [(m.to_number, m.purpose) for m in sms]
    assert ("0911000021", "office_letter") in [(m.to_number, m.purpose) for m in sms]  # the agency's head
    assert letter.kind == "explanation" and letter.answered_by == "tam.sxd"


async def test_the_office_sees_who_read_a_ticket_and_carries_out_a_citizens_data_requests(playwright_session,
                                                                                         desktop_line, store):
    phone = "0912777088"
    # Answered already: an erasure takes all of it at once (one still being handled would be kept
    # for the agency until its answer: tests/store/test_personal_data.py).
    t = await store.tickets.create_ticket(draft=False, status="answered", handling_stage="answered",
                                          topic="infrastructure", caller_phone=phone, reporter_name="Hồ Thị Thu",
                                          email="thu@example.vn", content="Nắp cống vỡ trước nhà, gọi 0912777088")
    supervisor = await session_for(desktop_line, "gs-dulieu", await store.user("gs-dulieu", "supervisor"))
    try:
        async with supervisor.get(url(desktop_line, f"/api/tickets/{t.id}")) as r:
            assert r.status == 200 and (await r.json())["reporter_name"] == "Hồ Thị Thu"
    finally:
        await supervisor.close()

    async with store.tickets.sessions() as s, s.begin():  # a statutory report made on its date
        s.add(StatutoryReportRow(report_id="monthly", title="Báo cáo tháng 10", first_day=date(2026, 10, 1),
                                 last_day=date(2026, 10, 31), made_at=datetime.now(timezone.utc),
                                 file_name="monthly-2026-10.xlsx", recipients=["vanphong@ubnd.example.vn"]))

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "vanphong", await store.user("vanphong", "office"))
        await page.wait_for_selector("#statutory tbody tr[data-report=monthly]", timeout=10000)
        # Who read the ticket's personal data
        await page.fill("#audit-ticket", t.code)
        await page.click("#audit-submit")
        await page.wait_for_selector("#audit tbody tr", timeout=10000)
        assert "gs-dulieu" in await page.text_content("#audit tbody")
        assert "Xem thông tin người phản ánh" in await page.text_content("#audit tbody")

        # A citizen asks to see their data: the dossier lists the ticket with what is held.
        await page.select_option("#request-kind", "access")
        await page.fill("#request-phone", "0912 777 088")
        await page.fill("#request-note", "Đến trực tiếp, đã kiểm tra căn cước")
        await page.click("#request-submit")
        row = "#requests tbody tr:first-child"
        await page.wait_for_selector(f"{row} button.carry-out", timeout=10000)
        await page.click(f"{row} button.carry-out")
        await page.wait_for_function(
            "document.querySelector('#requests tbody tr:first-child .state').textContent === 'Đã thực hiện'")
        href = await page.get_attribute(f"{row} a.dossier", "href")
        dossier = await ctx.new_page()
        await dossier.goto(base_url(desktop_line) + href)
        assert t.code in await dossier.text_content("#dossier-tickets")
        assert "Hồ Thị Thu" in await dossier.text_content("#dossier-tickets")
        await dossier.close()

        # Then to erase it: asked to confirm, then done everywhere, with what was erased.
        await page.select_option("#request-kind", "erasure")
        await page.fill("#request-phone", phone)
        await page.fill("#request-note", "Đơn đề nghị xoá dữ liệu, đã kiểm tra căn cước")
        await page.click("#request-submit")
        await page.wait_for_selector(f"{row} button.carry-out", timeout=10000)
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.click(f"{row} button.carry-out")
        await page.wait_for_function(
            "document.querySelector('#requests tbody tr:first-child .state').textContent === 'Đã thực hiện'")
        assert "Phiếu phản ánh: 1" in await page.text_content(f"{row} .result")
    finally:
        await ctx.close()
    ctx = await launch(playwright_session)  # the supervisors' reports page lists the same report
    try:
        page = await log_in(ctx, base_url(desktop_line), "gs-dulieu", await store.user("gs-dulieu", "supervisor"))
        await page.goto(base_url(desktop_line) + "/reports")
        await page.wait_for_selector("#statutory tbody tr[data-report=monthly]", timeout=10000)
        assert "Báo cáo tháng 10" in await page.text_content("#statutory tbody")
    finally:
        await ctx.close()
    async with store.tickets.sessions() as s:
        erased = await s.get(Ticket, t.id)
    assert (erased.reporter_name, erased.caller_phone, erased.email) == (None, None, None)
    assert phone not in erased.content and erased.personal_erased_at is not None

"""The weekly review of written answers in real browsers: a supervisor records a finding against
an agency's answer on /reviews; the agency's account sees it in its inbox and says what it did."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.reviews import AnswerReview
from hotline.testing.browser import launch, log_in
from tests.integration.desktop_support import base_url

pytestmark = pytest.mark.integration


async def test_a_finding_reaches_the_agency_which_says_what_it_did(playwright_session, desktop_line, store):
    directory = AgencyDirectory(store.tickets.sessions)
    agency, _ = await directory.save(AgencyIn(name="Sở Y tế (rà soát)", level="province", phone="02773851030",
                                              contacts=[{"role": "head", "name": "Hồ Thị Thu",
                                                         "phone": "0911000030"}]))
    now = datetime.now(timezone.utc)
    t = await store.tickets.create_ticket(draft=False, status="answered", handling_stage="answered",
                                          topic="general", agency_id=agency.id, answer_level=2,
                                          content="Trạm y tế phường đóng cửa giờ hành chính",
                                          result="Đề nghị liên hệ cơ quan khác.", answered_at=now,
                                          answered_by="yte.hcm", transferred_at=now)
    await store.accounts.create_user("thu.syt", "Hồ Thị Thu", "agency", "mat-khau-dai-du-2", agency_id=agency.id)
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "giamsat-rs", await store.user("giamsat-rs", "supervisor"))
        await page.goto(base_url(desktop_line) + "/reviews")
        row = f"#answers tr[data-code='{t.code}']"
        await page.wait_for_selector(row, timeout=10000)
        await page.select_option(f"{row} select.review-verdict", "buck_passing")
        await page.fill(f"{row} input.review-comment", "Trạm y tế thuộc Sở, không được đùn đẩy")
        await page.click(f"{row} button.review-save")
        await page.wait_for_function(
            f"document.querySelector(\"{row} .verdict b\")?.textContent === 'Đùn đẩy, né tránh'", timeout=10000)
        agency_ctx = await launch(playwright_session)
        try:
            inbox = await log_in(agency_ctx, base_url(desktop_line), "thu.syt", "mat-khau-dai-du-2")
            finding = f"#findings tr[data-code='{t.code}']"
            await inbox.wait_for_selector(finding, timeout=10000)
            assert "không được đùn đẩy" in await inbox.text_content(finding)
            await inbox.fill(f"{finding} textarea", "Đã yêu cầu trạm mở cửa đúng giờ và trả lời lại người dân.")
            await inbox.click(f"{finding} button[type=submit]")
            await inbox.wait_for_function(
                f"document.querySelector(\"{finding}\")?.textContent.includes('mở cửa đúng giờ')", timeout=10000)
        finally:
            await agency_ctx.close()
        await page.reload()
        await page.wait_for_function(
            f"document.querySelector(\"{row} .action\")?.textContent.includes('Đã khắc phục')", timeout=10000)
    finally:
        await ctx.close()
    async with store.tickets.sessions() as s:
        r = await s.scalar(select(AnswerReview).where(AnswerReview.ticket_id == t.id))
    assert (r.verdict, r.agency_id, r.responded_by) == ("buck_passing", agency.id, "thu.syt")

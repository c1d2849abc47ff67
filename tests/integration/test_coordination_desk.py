"""Coordination between agencies in real browsers against a hotline running the Thanh Hóa profile:
the handling agency asks another for its part from its inbox; the other sees the request (without
the reporter's identity) and answers; both focal points are told by SMS."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.testing.browser import launch, log_in
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import CoordinationRequest
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def thanh_hoa(workdir, config_dir):
    async with running_line(workdir, "thanhhoa", "thanh_hoa", config_dir, ivr=False) as ln:
        store = Store(ln.instance.home)
        yield ln, store
        await store.close()


async def test_an_agency_asks_another_to_coordinate_and_gets_its_answer(playwright_session, thanh_hoa):
    line, store = thanh_hoa
    directory = AgencyDirectory(store.tickets.sessions)
    handler, _ = await directory.save(AgencyIn(name="Sở Xây dựng Thanh Hóa", level="province", phone="02373851010",
                                               contacts=[{"role": "focal_point", "name": "Lê Văn Hải",
                                                          "phone": "0911000040"}]))
    helper, _ = await directory.save(AgencyIn(name="Điện lực Thanh Hóa", level="public_service",
                                              phone="02373851011",
                                              contacts=[{"role": "focal_point", "name": "Mai Thị Hoa",
                                                         "phone": "0911000041"}]))
    now = datetime.now(timezone.utc)
    t = await store.tickets.create_ticket(agency_id=handler.id, reporter_name="Đỗ Văn Nam", caller_phone="0912777001",
                                          content="Công trình lấn chiếm vỉa hè, kéo dây điện tạm qua đường",
                                          status="in_progress", topic="infrastructure", handling_stage="handling",
                                          transferred_at=now, due_at=now + timedelta(days=14))
    for user, agency in (("hai.sxd", handler.id), ("hoa.dl", helper.id)):
        await store.accounts.create_user(user, user, "agency", "mat-khau-dai-1", agency_id=agency)

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "hai.sxd", "mat-khau-dai-1")
        await page.click(f"#inbox tr[data-code='{t.code}'] button")
        await page.wait_for_selector("#coordinate-form", state="visible", timeout=10000)
        await page.select_option("#coordinate-agency", str(helper.id))
        await page.fill("#coordinate-question", "Đề nghị kiểm tra, cắt điện dây tạm không an toàn")
        await page.click("#coordinate-submit")
        await page.wait_for_function(
            "document.getElementById('coordinate-saved').textContent === 'Đã gửi đề nghị phối hợp'", timeout=10000)
        assert "chờ trả lời trước" in await page.text_content(f"#d-coordination li[data-agency='{helper.id}']")
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "hoa.dl", "mat-khau-dai-1")
        row = f"#asked tr[data-code='{t.code}']"
        await page.wait_for_selector(row, timeout=10000)
        assert "Đỗ Văn Nam" not in await page.content() and "0912777001" not in await page.content()
        await page.fill(f"{row} textarea", "Đã cắt điện dây tạm, lập biên bản yêu cầu tháo dỡ")
        await page.click(f"{row} button")
        await page.wait_for_function(
            f"document.querySelector(\"{row}\").textContent.includes('Đã cắt điện dây tạm')", timeout=10000)
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        r = await s.scalar(select(CoordinationRequest).where(CoordinationRequest.ticket_id == t.id))
        sms = [(m.to_number, m.purpose) for m in await s.scalars(select(SmsMessage).where(
            SmsMessage.ticket_id == t.id).order_by(SmsMessage.id))]
    assert (r.agency_id, r.answered_by, r.late) == (helper.id, "hoa.dl", False)
    assert sms == [("0911000041", "coordination"), ("0911000040", "coordination")]

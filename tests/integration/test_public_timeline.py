"""The public timeline (#19 item 4) in a real browser against the running hotline: a report
received by an operator, transferred to an agency and answered by it shows, on the published
results and on the citizen's look-up, when it was received, to which agency it went and when it
was answered, and nothing of who reported it. A report still in progress shows the same steps on
the page its receipt's link opens, without a phone (#31 items 9 and 10)."""

import re

import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.outbox import SmsMessage
from hotline.testing.browser import launch
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration

PHONE, NAME = "0912777333", "Lâm Thị Hạnh"


async def test_a_published_answer_shows_its_timeline_without_personal_data(playwright_session, desktop_line, store):
    agency, _ = await AgencyDirectory(store.tickets.sessions).save(AgencyIn(
        name="Ban Quản lý công trình công cộng", level="commune", phone="02773851030", fields=["infrastructure"],
        contacts=[{"role": "focal_point", "name": "Vũ Văn Khải", "phone": "0911000030"}]))
    await store.accounts.create_user("khai.ql", "Vũ Văn Khải", "agency", "mat-khau-dai-du-1", agency_id=agency.id)
    operator = await session_for(desktop_line, "tdv-tl", await store.user("tdv-tl", "operator", "op2"))
    focal = await session_for(desktop_line, "khai.ql", "mat-khau-dai-du-1")
    try:
        async with operator.post(url(desktop_line, "/api/tickets"), json={
                "channel": "email", "reporter_name": NAME, "caller_phone": PHONE, "topic": "infrastructure",
                "address": "Số 5 đường Lê Lợi", "content": "Cột đèn nghiêng sắp đổ trước số 5 Lê Lợi"}) as r:
            assert r.status == 201, await r.text()
            ticket = await r.json()
        async with operator.post(url(desktop_line, f"/api/tickets/{ticket['id']}/actions/transfer"),
                                 json={"agency_id": agency.id}) as r:
            assert r.status == 200, await r.text()
        async with focal.post(url(desktop_line, f"/api/agency/tickets/{ticket['id']}/answer"),
                              json={"result": "Đã gia cố cột đèn ngày 30/11."}) as r:
            assert r.status == 200, await r.text()
    finally:
        await operator.close()
        await focal.close()

    ctx = await launch(playwright_session)
    try:
        page = await ctx.new_page()
        await page.goto(base_url(desktop_line) + "/ket-qua")
        steps = await page.locator(f"#timeline-{ticket['code']} li").all_text_contents()
        assert [s.split(" ", 2)[-1] for s in steps] == [
            "Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Ban Quản lý công trình công cộng", "Trả lời người dân"]

        assert NAME not in await page.content() and PHONE not in await page.content()

        # The citizen's own look-up shows the same steps.
        await page.goto(base_url(desktop_line) + "/tra-cuu")
        await page.fill("#lookup-form input[name=code]", ticket["code"])
        await page.fill("#lookup-form input[name=phone]", PHONE)
        await page.click("#lookup-form button[type=submit]")
        await page.wait_for_selector("#t-timeline li")
        assert len(await page.locator("#t-timeline li").all()) == 3
        assert "Ban Quản lý công trình công cộng" in await page.text_content("#t-timeline")
    finally:
        await ctx.close()


async def test_the_receipt_link_opens_the_progress_of_a_report_in_progress(playwright_session, desktop_line, store):
    agency, _ = await AgencyDirectory(store.tickets.sessions).save(AgencyIn(
        name="Ban Quản lý chợ Cao Lãnh", level="commune", phone="02773851031", fields=["infrastructure"],
        contacts=[{"role": "focal_point", "name": "Đỗ Văn Tâm", "phone": "0911000031"}]))
    operator = await session_for(desktop_line, "tdv-link", await store.user("tdv-link", "operator", "op2"))
    phone, name = "0912777444", "Phan Thị Diệu"
    try:
        async with operator.post(url(desktop_line, "/api/tickets"), json={
                "channel": "phone", "reporter_name": name, "caller_phone": phone, "topic": "infrastructure",
                "address": "Số 9 đường Nguyễn Huệ", "content": f"Nắp cống vỡ trước nhà chị {name}"}) as r:
            assert r.status == 201, await r.text()
            ticket = await r.json()
        async with operator.post(url(desktop_line, f"/api/tickets/{ticket['id']}/actions/transfer"),
                                 json={"agency_id": agency.id}) as r:
            assert r.status == 200, await r.text()
    finally:
        await operator.close()
    async with store.tickets.sessions() as s:
        receipt = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == ticket["id"],
                                                          SmsMessage.purpose == "receipt"))
    assert receipt is not None and receipt.to_number == phone and ticket["code"] in receipt.text
    link = re.search(r"https?://\S+/p/[A-Za-z0-9_-]{16}$", receipt.text).group(0)

    ctx = await launch(playwright_session)
    try:
        page = await ctx.new_page()
        response = await page.goto(link)  # as the citizen taps it on the phone: no code, no phone typed
        assert response.status == 200 and response.headers["cache-control"] == "no-store"
        await page.wait_for_selector("#t-timeline li")
        assert await page.text_content("#ticket h2") == f"Phiếu {ticket['code']} · Sự cố hạ tầng kỹ thuật"
        assert await page.text_content("#t-stage") == "Cán bộ đầu mối xử lý"
        steps = await page.locator("#t-timeline li").all_text_contents()
        assert [s.split(" ", 2)[-1] for s in steps] == [
            "Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Ban Quản lý chợ Cao Lãnh"]
        assert await page.locator("#t-result").count() == 0  # not answered yet
        html = await page.content()
        for personal in (name, phone, "Nguyễn Huệ", "Nắp cống", "tdv-link", "op2", "Đỗ Văn Tâm"):
            assert personal not in html, personal
    finally:
        await ctx.close()

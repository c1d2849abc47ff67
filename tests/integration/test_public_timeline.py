"""The public timeline (#19 item 4) in a real browser against the running hotline: a report
received by an operator, transferred to an agency and answered by it shows, on the published
results and on the citizen's look-up, when it was received, to which agency it went and when it
was answered, and nothing of who reported it."""

import pytest

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.testing.browser import launch
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration

PHONE, NAME = "0912777333", "Lâm Thị Hạnh"


async def test_a_published_answer_shows_its_timeline_without_personal_data(playwright_session, desktop_line, store):
    agency, _ = await AgencyDirectory(store.tickets.sessions).save(AgencyIn(
        name="Ban Quản lý công trình công cộng", level="district", phone="02773851030", fields=["infrastructure"],
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

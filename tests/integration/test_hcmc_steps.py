"""Hồ Chí Minh City's own steps (#31 item 11) in real browsers against a hotline running the HCMC
profile: a report whose unit nobody could name goes to the operating unit, whose supervisor names
it in the page (Art. 6.3); a unit's return is reviewed by its leader (7.1c); a dangerous incident of
several units is led by the operating unit, which posts its progress with its own photos and
answers (7.1e); the unit posts a progress update
with a photo that the citizen sees (7.2b, 11.1); and the unit commends a good proposal, the citizen
is thanked by SMS and the proposal is in the quarter's good-proposals report (7.3, 11.4)."""

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.config.profile import load_profile
from hotline.reports.statutory import StatutoryReports
from hotline.settings import load_settings
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import TicketEvent
from hotline.testing.browser import launch, log_in
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, session_for, url

pytestmark = pytest.mark.integration

PASSWORD = "mat-khau-dai-hcm-1"
JPEG = b"\xff\xd8\xff\xe0" + bytes(600)


@pytest.fixture(scope="module")
async def hcmc(workdir, config_dir):
    async with running_line(workdir, "hcmc", "ho_chi_minh", config_dir, ivr=False) as ln:
        store = Store(ln.instance.home)
        yield ln, store
        await store.close()


async def unit(store, name: str, focal_phone: str, users: dict[str, bool]):
    """An agency of the city with its focal point, and its inbox accounts ({username: leader})."""
    agency, _ = await AgencyDirectory(store.tickets.sessions).save(AgencyIn(
        name=name, level="province", phone="02838221000",
        contacts=[{"role": "focal_point", "name": "Đầu mối", "phone": focal_phone}]))
    for username, leader in users.items():
        await store.accounts.create_user(username, username, "agency", PASSWORD, agency_id=agency.id,
                                         agency_leader=leader)
    return agency


async def report(line, store, body: dict, action: str | None = None, payload: dict | None = None) -> dict:
    """An operator records a report from another channel (and takes a first action on it)."""
    http = await session_for(line, "tdv-hcm", await store.user("tdv-hcm", "operator", "op1"))
    try:
        async with http.post(url(line, "/api/tickets"), json={"channel": "web", **body}) as r:
            assert r.status == 201, await r.text()
            ticket = await r.json()
        if action:
            async with http.post(url(line, f"/api/tickets/{ticket['id']}/actions/{action}"), json=payload or {}) as r:
                assert r.status == 200, await r.text()
        return ticket
    finally:
        await http.close()


async def act_in_inbox(page, code: str, action: str, fields: dict[str, str], stage: str) -> None:
    """An agency's person opens the ticket in the inbox, takes one action of the form with its
    fields, and the page says the step it went to."""
    await page.click(f"#inbox tr[data-code='{code}'] button")
    await page.select_option("#action-name", action)
    for selector, value in fields.items():
        await page.fill(selector, value)
    await page.click("#action-submit")
    await page.wait_for_function(
        f"document.getElementById('action-saved').textContent === 'Đã thực hiện: {stage}'", timeout=10000)


async def options(page, selector: str) -> list[str]:
    return await page.eval_on_selector_all(f"{selector} option", "os => os.map(o => o.value)")


async def test_a_report_of_unknown_unit_is_placed_by_the_operating_unit(playwright_session, hcmc):
    line, store = hcmc
    agency = await unit(store, "Sở Xây dựng TP.HCM (6.3)", "0911000601", {"dau.moi.sxd": False})
    ctx = await launch(playwright_session)
    try:
        # The operator cannot tell which unit handles it: she sends it to the operating unit.
        page = await log_in(ctx, base_url(line), "tdv-hcm-63", await store.user("tdv-hcm-63", "operator", "op2"))
        status, ticket = await page.evaluate("""(body) => fetch('/api/tickets', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
            .then(async (r) => [r.status, await r.json()])""", {
            "channel": "web", "topic": "socio_economic", "caller_phone": "0912600001",
            "content": "Hẻm 12 đường Lê Văn Sỹ bị lấn chiếm làm quán nhậu, không rõ phường nào quản lý"})
        assert status == 201, ticket
        await page.click("#work-refresh")
        await page.locator(f"#work-table tr[data-code='{ticket['code']}'] button").click()
        await page.wait_for_function(f"document.getElementById('w-code').textContent === '{ticket['code']}'")
        await page.select_option("#w-action", "ask_operating_unit")
        assert await page.is_visible("#w-note") and not await page.is_visible("#w-agency")
        await page.fill("#w-note", "Hẻm nằm giữa hai phường, người dân không rõ địa giới")
        await page.click("#w-submit")
        await page.wait_for_function("document.getElementById('w-saved').textContent === "
                                     "'Đã thực hiện: Chưa xác định đơn vị xử lý: chờ đơn vị vận hành hướng dẫn'",
                                     timeout=10000)
        assert await options(page, "#w-action") == []  # naming the unit is the operating unit's, not hers
        assert await page.is_disabled("#w-submit")
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giamsat-hcm", await store.user("giamsat-hcm", "supervisor"))
        assert page.url.endswith("/supervisor")
        row = f"#hotline-work tr[data-code='{ticket['code']}']"
        await page.wait_for_selector(row, timeout=10000)
        assert "chờ đơn vị vận hành hướng dẫn" in await page.text_content(row)
        await page.click(f"{row} button")
        await page.wait_for_function(f"document.getElementById('hw-code').textContent === '{ticket['code']}'")
        assert "guide_transfer" in await options(page, "#hw-action")
        await page.select_option("#hw-action", "guide_transfer")
        await page.select_option("#hw-agency", str(agency.id))
        await page.click("#hw-submit")
        await page.wait_for_function(
            "document.getElementById('hw-saved').textContent === 'Đã thực hiện: Đơn vị đang xử lý'", timeout=10000)
        await page.wait_for_selector(row, state="detached", timeout=10000)  # no longer the hotline's
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "dau.moi.sxd", PASSWORD)
        row = f"#inbox tr[data-code='{ticket['code']}']"
        await page.wait_for_selector(row, timeout=10000)
        assert "Đơn vị đang xử lý" in await page.text_content(row)
    finally:
        await ctx.close()
    async with store.tickets.sessions() as s:
        sms = [m.to_number for m in await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == ticket["id"],
                                                                             SmsMessage.purpose != "receipt"))]
    assert "0911000601" in sms  # the unit's focal point is told, as after any transfer


async def test_the_leader_reviews_a_return_and_the_operating_unit_leads_a_dangerous_incident(playwright_session,
                                                                                             hcmc):
    line, store = hcmc
    agency = await unit(store, "Công ty Thoát nước đô thị (7.1)", "0911000711",
                        {"doi.truc.tn": False, "giam.doc.tn": True})
    wrong = await report(line, store, {"topic": "infrastructure", "caller_phone": "0912600002",
                                       "content": "Nước tràn lên mặt đường Nguyễn Hữu Cảnh"},
                         "transfer", {"agency_id": agency.id})
    dangerous = await report(line, store, {"topic": "infrastructure", "caller_phone": "0912600003",
                                           "content": "Sụt lún lớn giữa đường Võ Văn Kiệt, lộ đường ống và cáp điện"},
                             "transfer", {"agency_id": agency.id})

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "doi.truc.tn", PASSWORD)
        await page.wait_for_selector(f"#inbox tr[data-code='{wrong['code']}']", timeout=10000)
        # 7.1c: not its incident: returned with the reason and what it verified, to its leader.
        await act_in_inbox(page, wrong["code"], "return_incident",
                           {"#action-reason": "Vỡ ống cấp nước, thuộc Tổng công ty Cấp nước",
                            "#action-note": "Đã kiểm tra: cống thoát thông suốt, nước chảy từ ống cấp D300"},
                           "Đơn vị quản lý xem xét đề xuất trả lại")
        assert "confirm_return" not in await options(page, "#action-name")  # the leader's
        # 7.1e: dangerous, several units concerned: to the operating unit.
        await act_in_inbox(page, dangerous["code"], "escalate_dangerous",
                           {"#action-note": "Hố sụt 4 m, ảnh hưởng đường ống nước và cáp điện ngầm"},
                           "Sự cố nguy hiểm, liên quan nhiều đơn vị: đơn vị vận hành chủ trì khắc phục")
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giam.doc.tn", PASSWORD)
        row = f"#inbox tr[data-code='{wrong['code']}']"
        await page.wait_for_selector(row, timeout=10000)
        assert "Đơn vị quản lý xem xét đề xuất trả lại" in await page.text_content(row)
        await act_in_inbox(page, wrong["code"], "confirm_return",
                           {"#action-note": "Đồng ý: sự cố thuộc Tổng công ty Cấp nước"},
                           "Đơn vị trả lại, chờ chuyển đúng đơn vị")
        # The incident the operating unit leads is no longer the unit's.
        codes = await page.eval_on_selector_all("#inbox tbody tr", "rows => rows.map(r => r.dataset.code)")
        assert dangerous["code"] not in codes
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giamsat-hcm", await store.user("giamsat-hcm", "supervisor"))
        returned = f"#hotline-work tr[data-code='{wrong['code']}']"
        led = f"#hotline-work tr[data-code='{dangerous['code']}']"
        await page.wait_for_selector(returned, timeout=10000)
        assert "Đơn vị trả lại, chờ chuyển đúng đơn vị" in await page.text_content(returned)
        assert "đơn vị vận hành chủ trì khắc phục" in await page.text_content(led)
        await page.click(f"{led} button")
        await page.wait_for_function(f"document.getElementById('hw-code').textContent === '{dangerous['code']}'")
        assert {"progress", "answer"} <= set(await options(page, "#hw-action"))
        # It posts its progress with its own site photo, then the answer.
        await page.select_option("#hw-action", "progress")
        assert await page.is_visible("#hw-photos") and await page.is_visible("#hw-note")
        await page.set_input_files("#hw-attach-files", files=[{"name": "rao-chan.jpg", "mimeType": "image/jpeg",
                                                               "buffer": JPEG}])
        await page.check("#hw-attach-public")
        await page.click("#hw-attach-submit")
        await page.wait_for_function("document.getElementById('hw-attach-saved').textContent === 'Đã tải lên'",
                                     timeout=10000)
        assert (await page.text_content("#hw-files")).strip() == "rao-chan.jpg (công khai)"
        await page.select_option("#hw-action", "progress")
        await page.fill("#hw-note", "Đã rào chắn, phân luồng; cấp nước và điện lực đang xử lý đường ống, cáp")
        await page.click("#hw-submit")
        await page.wait_for_function("document.getElementById('hw-saved').textContent === 'Đã thực hiện: "
                                     "Sự cố nguy hiểm, liên quan nhiều đơn vị: đơn vị vận hành chủ trì khắc phục'",
                                     timeout=10000)
        await page.select_option("#hw-action", "answer")
        await page.fill("#hw-result", "Các đơn vị cấp nước, điện lực và thoát nước đã khắc phục, thông xe lúc 18 giờ")
        await page.click("#hw-submit")
        await page.wait_for_function(
            "document.getElementById('hw-saved').textContent === 'Đã thực hiện: Đã có kết quả'", timeout=10000)
        await page.wait_for_selector(led, state="detached", timeout=10000)
    finally:
        await ctx.close()
    async with store.tickets.sessions() as s:
        result = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == dangerous["id"],
                                                         SmsMessage.purpose == "result"))
        actions = [(e.actor, e.action) for e in await s.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == dangerous["id"]).order_by(TicketEvent.id))]
    assert result is not None and result.to_number == "0912600003"  # the citizen is told the result
    assert actions[-4:] == [("doi.truc.tn", "escalate_dangerous"), ("giamsat-hcm", "attach"),
                            ("giamsat-hcm", "progress"), ("giamsat-hcm", "answer")]


async def test_a_progress_update_with_its_photo_reaches_the_citizens_page(playwright_session, hcmc):
    line, store = hcmc
    agency = await unit(store, "UBND phường Bến Thành (7.2)", "0911000721", {"can.bo.bt": False})
    phone = "0912600004"
    ticket = await report(line, store, {"topic": "socio_economic", "caller_phone": phone,
                                        "reporter_name": "Hồ Thị Lan",
                                        "content": "Rác thải tồn đọng lâu ngày tại chợ Bến Thành cửa Tây"},
                          "transfer", {"agency_id": agency.id})
    async with store.tickets.sessions() as s:
        receipt = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == ticket["id"],
                                                          SmsMessage.purpose == "receipt"))
    link = re.search(r"https?://\S+/p/[A-Za-z0-9_-]{16}$", receipt.text).group(0)

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "can.bo.bt", PASSWORD)
        await page.click(f"#inbox tr[data-code='{ticket['code']}'] button")
        await page.select_option("#action-name", "progress")
        assert await page.is_visible("#action-photos")  # the update needs its photos
        await page.set_input_files("#attach-files", files=[{"name": "thu-gom-rac.jpg", "mimeType": "image/jpeg",
                                                            "buffer": JPEG}])
        await page.check("#attach-public")
        await page.click("#attach-submit")
        await page.wait_for_function("document.getElementById('attach-saved').textContent === 'Đã tải lên'",
                                     timeout=10000)
        await act_in_inbox(page, ticket["code"], "progress",
                           {"#action-note": "Đã thu gom 3 tấn rác, còn lại khu vực cửa Tây thu gom trong tuần"},
                           "Đơn vị đang xử lý")
    finally:
        await ctx.close()

    ctx = await launch(playwright_session)
    try:
        page = await ctx.new_page()
        await page.goto(link)  # the receipt's link, as the citizen taps it
        await page.wait_for_selector("#t-timeline li")
        steps = [s.split(" ", 2)[-1] for s in await page.locator("#t-timeline li").all_text_contents()]
        assert steps[-1] == "Cập nhật tiến độ xử lý" and await page.text_content("#t-stage") == "Đơn vị đang xử lý"
        photo = page.locator("#t-photos a")
        assert await photo.all_text_contents() == ["thu-gom-rac.jpg"]
        href = await photo.get_attribute("href")
        got = await page.evaluate(f"fetch('{href}').then(async r => [r.status, r.headers.get('content-type'), "
                                  "(await r.arrayBuffer()).byteLength])")
        assert got == [200, "image/jpeg", len(JPEG)]
        assert "Hồ Thị Lan" not in await page.content() and phone not in await page.content()

        # Her own look-up (code and phone) also gives the update's note.
        await page.goto(base_url(line) + "/tra-cuu")
        await page.fill("#lookup-form input[name=code]", ticket["code"])
        await page.fill("#lookup-form input[name=phone]", phone)
        await page.click("#lookup-form button[type=submit]")
        await page.wait_for_selector("#t-timeline li")
        assert "Cập nhật tiến độ xử lý: Đã thu gom 3 tấn rác" in await page.text_content("#t-timeline")
    finally:
        await ctx.close()


async def test_a_good_proposal_is_commended_thanked_and_reported(playwright_session, hcmc):
    line, store = hcmc
    agency = await unit(store, "Sở Giao thông công chính (7.3)", "0911000731", {"chuyen.vien.gt": False})
    phone = "0912600005"
    ticket = await report(line, store, {"topic": "proposals", "caller_phone": phone,
                                        "content": "Đề xuất làm làn xe buýt riêng trên đường Điện Biên Phủ giờ cao điểm"},
                          "send_to_office")

    ctx = await launch(playwright_session)
    try:  # the City office's reception dispatches it to the unit
        page = await log_in(ctx, base_url(line), "vp-hcm", await store.user("vp-hcm", "office"))
        row = f"#pending tr[data-code='{ticket['code']}']"
        await page.wait_for_selector(row, timeout=10000)
        await page.select_option(f"{row} select.assign-agency", str(agency.id))
        await page.click(f"{row} button.assign")
        await page.wait_for_selector(row, state="detached", timeout=10000)
    finally:
        await ctx.close()

    note = "Hiến kế khả thi, đưa vào đề án làn xe buýt năm 2027"
    ctx = await launch(playwright_session)
    try:  # the unit answers, then records the proposal as good and thanks the citizen
        page = await log_in(ctx, base_url(line), "chuyen.vien.gt", PASSWORD)
        await page.click(f"#inbox tr[data-code='{ticket['code']}'] button")
        assert "commend" not in await options(page, "#action-name")  # not before the answer
        await page.fill("textarea[name=result]", "Sở tiếp thu, nghiên cứu thí điểm làn xe buýt riêng từ quý II/2027.")
        await page.click("#answer-submit")
        await page.wait_for_function("document.getElementById('answer-saved').textContent === 'Đã gửi trả lời'",
                                     timeout=10000)
        await act_in_inbox(page, ticket["code"], "commend", {"#action-note": note}, "Đã có kết quả")
        assert "commend" not in await options(page, "#action-name")  # once
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        thanks = [(m.to_number, m.text) for m in await s.scalars(select(SmsMessage).where(
            SmsMessage.ticket_id == ticket["id"], SmsMessage.purpose == "thanks"))]
    assert len(thanks) == 1 and thanks[0][0] == phone
    assert f"cảm ơn hiến kế mã số {ticket['code']}" in thanks[0][1]

    # The quarter's report, made as the running hotline makes it on its day (the 10th of the
    # quarter's next month), lists it.
    settings = load_settings(line.instance.home)
    profile = load_profile(settings.config_dir, "ho_chi_minh")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    following = date(first.year + first.month // 10, (first.month + 2) % 12 + 1, 1)
    made = await StatutoryReports(store.tickets.sessions, profile, settings.reports_dir).run(
        now=datetime.combine(following.replace(day=10), time(3), timezone.utc))
    last = following - timedelta(days=1)
    assert f"good_proposals-{first:%Y-%m-%d}-{last:%Y-%m-%d}.xlsx" in made, made

    ctx = await launch(playwright_session)
    try:  # on the office's page with the other statutory reports, its file to download
        page = await log_in(ctx, base_url(line), "vp-hcm", await store.user("vp-hcm", "office"))
        row = page.locator("#statutory tbody tr", has_text="hiến kế hay, sáng tạo")
        await row.wait_for(timeout=10000)
        href = await row.locator("a").get_attribute("href")
        body = await page.evaluate(f"fetch('{href}').then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))")
    finally:
        await ctx.close()
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(body))).active
    proposals = [r[:5] for r in sheet.iter_rows(values_only=True) if r[0] == ticket["code"] and r[4] == note]
    assert proposals == [(ticket["code"], "Hiến kế xây dựng, phát triển Thành phố", "Sở Giao thông công chính (7.3)",
                          today.strftime("%d/%m/%Y"), note)]

"""The knowledge base in the browsers: an agency drafts an article on its page and sends it for
approval, the supervisor approves it, and an operator on a real call finds it by typing without
diacritics, puts its answer into the ticket with one click and sends the ticket: the ticket is
answered at level 1 and its history cites the article and version. A stale article is flagged."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.db import sessionmaker
from hotline.store.knowledge import Article, Citation
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.browser import launch, log_in
from hotline.testing.sipp import PCAP_DIR, CallScript
from tests.integration.desktop_support import base_url, operator_page, text

pytestmark = pytest.mark.integration

QUESTION = "Cấp giấy phép xây dựng nhà ở riêng lẻ"
ANSWER = "Nộp hồ sơ tại Bộ phận một cửa của UBND cấp huyện; thời hạn giải quyết 15 ngày."


async def test_agency_drafts_supervisor_approves_operator_answers_from_it(playwright_session, desktop_line, store):
    line = desktop_line
    sessions = sessionmaker(store.engine)
    builders, _ = await AgencyDirectory(sessions).save(AgencyIn(
        name="Sở Xây dựng (tri thức)", level="province", phone="02773851011", fields=["administrative_procedures"],
        contacts=[{"role": "focal_point", "name": "Võ Văn Tư", "phone": "0911000011"}]))
    await store.accounts.create_user("xaydung_kb", "Sở Xây dựng", "agency", "pw-xaydung-Ab1!", agency_id=builders.id)
    supervisor_password = await store.user("giamsat_kb", "supervisor")

    # The agency drafts and sends for approval on its page.
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "xaydung_kb", "pw-xaydung-Ab1!")
        await page.click("#knowledge-link")
        await page.wait_for_selector("#kb-new")
        await page.click("#kb-new")
        await page.select_option("#kb-field", "administrative_procedures")
        await page.fill("input[name=question]", QUESTION)
        await page.fill("textarea[name=answer]", ANSWER)
        await page.fill("input[name=legal_document]", "15/2021/NĐ-CP")
        await page.click("#kb-save")
        await page.wait_for_function("document.getElementById('kb-saved').textContent.includes('phiên bản 1')")
        await page.click("#kb-submit")
        await page.wait_for_function("document.getElementById('kb-saved').textContent === 'Đã gửi duyệt'")
    finally:
        await ctx.close()

    # The supervisor finds it waiting and approves it.
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giamsat_kb", supervisor_password)
        await page.goto(base_url(line) + "/knowledge")
        await page.select_option("#kb-filter", "submitted")
        await page.wait_for_selector(f"#kb-list tr:has-text('{QUESTION}') .kb-open")
        await page.click(f"#kb-list tr:has-text('{QUESTION}') .kb-open")
        await page.wait_for_selector("#kb-review:not([hidden])")
        await page.fill("#kb-note", "Đúng quy định")
        await page.click("#kb-approve")
        await page.wait_for_function("document.getElementById('kb-saved').textContent === 'Đã duyệt'")
        # The agencies' existing answers come in from a file: good rows become drafts, a bad one
        # is named by row and column.
        await page.set_input_files("#kb-file", files=[{
            "name": "hoi-dap.csv", "mimeType": "text/csv", "buffer": (
                "linh_vuc,cau_hoi,tra_loi,ngay_hieu_luc\n"
                "Thủ tục hành chính,Đăng ký khai sinh cần giấy tờ gì?,Tờ khai và giấy chứng sinh.,\n"
                "Thủ tục hành chính,Gia hạn giấy phép xây dựng?,Nộp đơn tại UBND xã.,31/02/2026\n").encode()}])
        await page.click("#kb-import-submit")
        await page.wait_for_function(
            "document.getElementById('kb-import-result').textContent === 'Đã nhập 1 bản nháp; 1 dòng lỗi'")
        assert "dòng 3, cột ngay_hieu_luc" in await page.inner_text("#kb-import-errors")
    finally:
        await ctx.close()

    # An operator on a call finds it, inserts its answer, sends the ticket.
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    try:
        caller = "0912000777"
        script = CallScript().pause(2000).keys("11", gap_ms=1500).pause(6000).audio(PCAP_DIR / "g711a.pcap").pause(25000)
        call_task = asyncio.create_task(line.call(script, caller=caller, timeout=120))
        await page.wait_for_selector("#answer:not([disabled])", timeout=30000)
        await page.click("#answer")
        await page.wait_for_function("document.getElementById('ticket-code').textContent !== ''", timeout=10000)
        await page.fill("#kb-search", "cap giay phep xay dung")
        await page.wait_for_function(
            f"document.querySelector('#kb-results li .kb-question')?.textContent === '{QUESTION}'", timeout=10000)
        await page.click("#kb-results li:first-child .kb-use")
        assert await page.input_value("#ticket-answer") == ANSWER
        assert "phiên bản 1" in await text(page, "#ticket-article")
        await page.fill("textarea[name=content]", "Hỏi thủ tục xin giấy phép xây nhà ở")
        await page.click("#submit-ticket")
        await page.wait_for_function("document.getElementById('ticket-saved').textContent === 'Đã gửi phiếu'",
                                     timeout=10000)
        linkedid = line.ami.linkedids_of(caller)[-1]
        async with sessions() as s:
            t = await s.scalar(select(Ticket).where(Ticket.linkedid == linkedid))
            for _ in range(20):  # the answer is sent just after the ticket
                cited = await s.scalar(select(Citation).where(Citation.ticket_id == t.id))
                if cited:
                    break
                await asyncio.sleep(0.5)
                s.expire_all()
            t = await s.get(Ticket, t.id)
            line_ = await s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                              TicketEvent.action == "answer_directly"))
        assert (t.status, t.answer_level, t.result) == ("answered", 1, ANSWER)
        assert cited is not None and cited.cited_by == "op1"
        assert (line_.detail["article"], line_.detail["article_version"]) == (cited.article_id, 1)

        # Past its review date the article is flagged when the operator finds it.
        async with sessions() as s, s.begin():
            await s.execute(update(Article).where(Article.id == cited.article_id)
                            .values(review_by=date.today() - timedelta(days=1)))
        await page.fill("#kb-search", "giay phep xay dung ")
        await page.wait_for_selector("#kb-results li:first-child .kb-stale", timeout=10000)
        await call_task
    finally:
        await ctx.close()

    # The supervisor's report counts the level-1 answer and the article used.
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giamsat_kb", supervisor_password)
        await page.goto(base_url(line) + "/reports")
        await page.click("#report-run")
        used = page.locator(f"#kb-used tbody tr:has-text('{QUESTION}') td").nth(2)
        await used.wait_for(timeout=10000)
        assert await used.text_content() == "1"
        fields = page.locator("#kb-fields tbody tr:has-text('Thủ tục hành chính') td")
        assert int(await fields.nth(4).text_content()) >= 1  # answered from an article
    finally:
        await ctx.close()

"""The operator's work list outside calls, in a real browser against the running hotline: two
citizens report the same broken traffic light on the public form; the operator links the second
to the first (the later reporter is told by SMS) and transfers the first to the agency; then keeps
the scan of a letter on it and finds it by the letter's words typed without diacritics."""

import asyncio
import re

import aiohttp
import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.testing.letters import letter_png
from tests.integration.desktop_support import operator_page, text, url

pytestmark = pytest.mark.integration


async def report(line, name, phone, content) -> str:
    form = {"reporter_name": name, "caller_phone": phone, "address": "Ngã tư Hùng Vương - Lý Thường Kiệt, phường 1",
            "topic": "infrastructure", "content": content}
    async with aiohttp.ClientSession() as citizen:
        async with citizen.post(url(line, "/phan-anh"), data=form) as r:
            assert r.status == 201, await r.text()
            page = await r.text()
    code = re.search(r'id="receipt-code">(\d{8})<', page)
    assert code, page[:500]
    return code.group(1)


async def test_the_operator_links_a_duplicate_and_transfers_from_the_work_list(playwright_session, desktop_line,
                                                                                store):
    directory = AgencyDirectory(store.tickets.sessions)
    agency, _ = await directory.save(AgencyIn(name="Sở Giao thông (danh sách chờ)", level="province",
                                              phone="02773851020", fields=["infrastructure"],
                                              contacts=[{"role": "focal_point", "name": "Ngô Văn Tín",
                                                         "phone": "0911000020"}]))
    first = await report(desktop_line, "Lê Thị Mai", "0901000031", "Đèn tín hiệu giao thông ở ngã tư bị hỏng")
    second = await report(desktop_line, "Phan Văn Tâm", "0901000032",
                          "Đèn tín hiệu giao thông ngã tư Hùng Vương bị hỏng từ sáng")

    ctx, page = await operator_page(playwright_session, desktop_line, store, "op1")
    try:
        for code in (first, second):
            await page.wait_for_selector(f"#work-table tr[data-code='{code}']", timeout=15000)
        await page.click(f"#work-table tr[data-code='{second}'] button")
        await page.wait_for_function(f"document.getElementById('w-code').textContent === '{second}'", timeout=10000)
        await page.click("#w-find-duplicates")
        await page.wait_for_selector(f"#w-candidates li[data-code='{first}'] button", timeout=10000)
        await page.click(f"#w-candidates li[data-code='{first}'] button")
        await page.wait_for_function("document.getElementById('w-saved').textContent.startsWith('Đã gộp')",
                                     timeout=10000)
        await page.wait_for_selector(f"#work-table tr[data-code='{second}']", state="detached", timeout=10000)

        await page.click(f"#work-table tr[data-code='{first}'] button")
        await page.wait_for_function(f"document.getElementById('w-code').textContent === '{first}'", timeout=10000)
        await page.select_option("#w-action", "transfer")
        assert await page.is_visible("#w-agency") and not await page.is_visible("#w-result")
        await page.select_option("#w-agency", str(agency.id))
        await page.click("#w-submit")
        await page.wait_for_function("document.getElementById('w-saved').textContent.startsWith('Đã thực hiện')",
                                     timeout=10000)
        assert "Cán bộ đầu mối" in await text(page, "#w-saved")
        await page.wait_for_selector(f"#work-table tr[data-code='{first}']", state="detached", timeout=10000)

        # The town's letter about it came on paper: the operator keeps its scan on the ticket; once
        # its text is recognised (the hotline's background job, real tesseract) a search typed
        # without diacritics finds the ticket by what the letter says.
        await page.set_input_files("#w-scan-file", files=[{"name": "cong-van-12.png", "mimeType": "image/png",
                                                             "buffer": await letter_png(playwright=playwright_session)}])
        await page.click("#w-scan-form button[type=submit]")
        await page.wait_for_selector("#w-scans li[data-scan]", timeout=10000)
        assert (await text(page, "#w-scans li")).startswith("Bản quét văn bản: cong-van-12.png")
        await page.fill("#ticket-search-q", "cong van so 12 nguyen hue")
        deadline = asyncio.get_running_loop().time() + 90
        while not await page.query_selector(f"#ticket-search-hits li[data-code='{first}']"):
            assert asyncio.get_running_loop().time() < deadline, await text(page, "#ticket-search-hits")
            await page.click("#ticket-search button[type=submit]")
            await page.wait_for_function("document.querySelector('#ticket-search-hits li') !== null", timeout=10000)
            if not await page.query_selector(f"#ticket-search-hits li[data-code='{first}']"):
                await page.wait_for_timeout(1000)  # the poll's pace while the text is being recognised
        hit = await text(page, f"#ticket-search-hits li[data-code='{first}']")
        assert "Bản quét văn bản" in hit and "Công văn số 12" in hit and second not in await text(page, "#ticket-search-hits")
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        a = await s.scalar(select(Ticket).where(Ticket.code == first))
        b = await s.scalar(select(Ticket).where(Ticket.code == second))
        sms = [(m.to_number, m.purpose) for m in await s.scalars(select(SmsMessage).where(
            SmsMessage.ticket_id.in_([a.id, b.id])))]
    assert (a.handling_stage, a.agency_id, a.channel) == ("focal_point", agency.id, "web")
    assert b.status == "closed" and b.duplicate_of == a.id
    assert ("0901000032", "duplicate") in sms and ("0911000020", "transfer_slip") in sms

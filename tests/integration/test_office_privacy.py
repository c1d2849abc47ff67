"""The office page's part of #29 item 3, in a real browser against the running hotline: a citizen
who chatted on Zalo asks to be forgotten by her Zalo id (the id the conversation shows); the
office files the request with it, carries it out (confirmed), and finds it again by that id
afterwards, the page showing only a masked hint; the running hotline's own log never held the id
or her number in clear."""

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.db import sessionmaker
from hotline.store.tickets import Ticket
from hotline.testing.browser import launch, log_in
from tests.integration.desktop_support import base_url

pytestmark = pytest.mark.integration

ZALO_ID, PHONE, NAME = "246845883529191022", "0915000777", "Đoàn Thị Mai"


async def test_the_office_erases_a_zalo_citizen_by_her_id_and_finds_the_request_again(playwright_session,
                                                                                    desktop_line, store):
    now = datetime.now(timezone.utc)
    sessions = sessionmaker(store.engine)
    async with store.tickets.sessions() as s, s.begin():  # her chat, as the webhook keeps one
        ticket = Ticket(code="29031022", channel="zalo", draft=True, content=f"Tôi là {NAME}, số {PHONE}",
                        created_at=now)
        s.add(ticket)
        await s.flush()
        conv = Conversation(channel="zalo", citizen_address=ZALO_ID, status="closed", ticket_id=ticket.id,
                            created_at=now, last_message_at=now)
        s.add(conv)
        await s.flush()
        s.add(ConversationMessage(conversation_id=conv.id, channel="zalo", external_id="zalo-29-1", direction="in",
                                  body=f"Tôi là {NAME}, số {PHONE}", created_at=now))
        conv_id = conv.id
        # And her report on Zalo that an agency is still handling: kept until its answer.
        pending = Ticket(code="29031023", channel="zalo", status="in_progress", handling_stage="focal_point",
                         content=f"Ổ gà trước nhà {NAME}", created_at=now)
        s.add(pending)
        await s.flush()
        s.add(Conversation(channel="zalo", citizen_address=ZALO_ID, status="closed", ticket_id=pending.id,
                           created_at=now, last_message_at=now))

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "vanphong", await store.user("vanphong", "office"))
        await page.wait_for_selector("#request-form")
        await page.select_option("#request-kind", "erasure")
        await page.fill("#request-platform", ZALO_ID)
        await page.fill("#request-note", "Đơn đề nghị xoá dữ liệu, đã kiểm tra căn cước")
        await page.click("#request-submit")
        row = "#requests tbody tr:first-child"
        await page.wait_for_selector(f"{row} button.carry-out", timeout=10000)
        assert ZALO_ID in await page.text_content(f"{row} .who")  # in clear while it is to be carried out
        request_id = await page.get_attribute(row, "data-request")
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.click(f"{row} button.carry-out")
        await page.wait_for_function(
            "document.querySelector('#requests tbody tr:first-child .state').textContent === 'Đã thực hiện'")
        result = await page.text_content(f"{row} .result")
        assert "Phiếu phản ánh: 1" in result and "Hội thoại (thư, trò chuyện, Zalo, Facebook): 2" in result
        assert "Giữ đến khi có kết quả trả lời (đang xử lý): 29031023" in result
        who = await page.text_content(f"{row} .who")
        assert ZALO_ID not in who and who.endswith("1022")  # only the masked hint is left

        # Found again by her id (its keyed hash), and not by another.
        await page.select_option("#request-search-by", "platform_id")
        await page.fill("#request-search-value", "246845883529190000")
        await page.click("#request-search-submit")
        await page.wait_for_function("document.querySelectorAll('#requests tbody tr').length === 0")
        await page.fill("#request-search-value", ZALO_ID)
        await page.click("#request-search-submit")
        await page.wait_for_function("document.querySelectorAll('#requests tbody tr').length === 1")
        assert "Đã thực hiện" in await page.text_content("#requests tbody")
        await page.select_option("#request-search-by", "phone")
        await page.fill("#request-search-value", "không phải số")
        await page.click("#request-search-submit")
        await page.wait_for_function("document.getElementById('request-error').textContent !== ''")
    finally:
        await ctx.close()

    async with sessions() as s:
        conv = await s.get(Conversation, conv_id)
        bodies = list(await s.scalars(select(ConversationMessage.body).where(
            ConversationMessage.conversation_id == conv_id)))
        content = await s.scalar(select(Ticket.content).where(Ticket.code == "29031022"))
        kept = await s.scalar(select(Ticket.content).where(Ticket.code == "29031023"))
    assert NAME in kept  # what the agency needs, until the answer
    # Her number goes from the ticket's text (any number does); a name the hotline was never told
    # cannot be recognised there (docs/operations.md, "Personal data").
    assert conv.citizen_address == "***" and bodies == ["[đã xoá]"] and PHONE not in content
    log = (desktop_line.instance.home / "log" / "hotline.log").read_text(encoding="utf-8")
    assert f"data request #{request_id} (erasure) carried out by vanphong" in log
    assert ZALO_ID not in log and PHONE not in log

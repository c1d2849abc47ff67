"""Web chat on the citizens' site (#18), in the browser on both sides: the citizen writes, an
available operator gets it in her inbox, they exchange messages (her answer taken from the
knowledge base), and when she closes it the
transcript goes with the ticket; with nobody available, what the citizen writes becomes a written
report with a receipt code."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func, select

from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.tickets import Ticket, TicketEvent
from hotline.testing.browser import launch, log_in
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, operator_page, pause

pytestmark = pytest.mark.integration
ANSWER = "Công trình sửa đường Trần Hưng Đạo dự kiến hoàn thành cuối tháng 12."


async def test_a_citizen_chats_with_an_operator_and_with_nobody_free_files_a_report(workdir, config_dir,
                                                                                      playwright_session):
    async with running_line(workdir, "webchat", "test_open", config_dir) as line:
        store = Store(line.instance.home)
        op_ctx = citizen_ctx = None
        try:
            kb = KnowledgeBase(store.tickets.sessions, {"infrastructure": "Hạ tầng"})
            editor = Editor("test", "supervisor")
            v = await kb.save(editor, ArticleText(field="infrastructure", answer=ANSWER,
                                                  question="Khi nào đường Trần Hưng Đạo sửa xong?"))
            await kb.submit(editor, v.id)
            await kb.review(editor, v.id, True, "Thông tin của Sở Giao thông vận tải")
            op_ctx, op = await operator_page(playwright_session, line, store, "op1")
            citizen_ctx = await launch(playwright_session)
            citizen = await citizen_ctx.new_page()
            await citizen.goto(base_url(line) + "/tro-chuyen")
            await citizen.fill("input[name=reporter_name]", "Phạm Thị Mai")
            await citizen.fill("input[name=caller_phone]", "0912 345 678")
            await citizen.select_option("select[name=topic]", "infrastructure")
            await citizen.fill("textarea[name=text]", "Cho hỏi đường Trần Hưng Đạo bao giờ sửa xong?")
            await citizen.click("#chat-begin")
            await citizen.wait_for_function("document.getElementById('chat-status').textContent.includes('Đã kết nối')")

            # The chat is given at once to the available operator: it is in her inbox as hers.
            row = op.locator("#inbox-table tr", has_text="Phạm Thị Mai")
            await row.locator("button.inbox-open").click(timeout=10000)
            await op.wait_for_function(
                "document.getElementById('inbox-messages').textContent.includes('Trần Hưng Đạo')")
            # She has read it: the citizen's page says so; she starts writing: the page says that too.
            await citizen.wait_for_selector("#chat-log li.from-citizen .seen", timeout=10000)
            await op.fill("#inbox-reply", "Dạ")
            await citizen.wait_for_selector("#chat-typing:not([hidden])", timeout=10000)
            # Her answer comes from the knowledge base (an approved article), found beside the chat.
            await op.fill("#kb-search", "Trần Hưng Đạo")
            article = op.locator("#kb-results li", has_text="đường Trần Hưng Đạo")
            await article.locator("button.kb-use").click(timeout=15000)
            assert await op.input_value("#inbox-reply") == ANSWER
            await op.click("#inbox-send")
            await citizen.wait_for_function(
                "document.getElementById('chat-log').textContent.includes('cuối tháng 12')", timeout=10000)
            assert await citizen.is_hidden("#chat-typing")  # the answer came: no longer "writing"
            # The citizen's page was in view: the operator sees that her answer was read.
            await op.wait_for_selector("#inbox-messages li.from-hotline .seen", timeout=10000)

            # The citizen writes again: the operator sees her typing, then the message in the open
            # conversation (pushed with its text), and reading it shows on the citizen's page.
            await citizen.fill("#chat-text", "Cảm ơn. Đoạn gần chợ có rào chắn không?")
            await op.wait_for_selector("#inbox-typing:not([hidden])", timeout=10000)
            await citizen.click("#chat-send-button")
            await op.wait_for_function(
                "document.getElementById('inbox-messages').textContent.includes('rào chắn')", timeout=10000)
            await citizen.wait_for_function(
                "[...document.querySelectorAll('#chat-log li.from-citizen')].at(-1).querySelector('.seen')",
                timeout=10000)
            # Read with the conversation open: nothing is counted unread in her inbox.
            await op.wait_for_function(
                "!document.querySelector('#inbox-table tbody').textContent.includes('chưa đọc')", timeout=10000)
            async with store.tickets.sessions() as s:
                last_in = await s.scalar(select(func.max(ConversationMessage.id)).where(
                    ConversationMessage.direction == "in", ConversationMessage.body.like("%rào chắn%")))
                read_mark = await s.scalar(select(Conversation.operator_read_id).where(
                    Conversation.citizen_name == "Phạm Thị Mai"))
            assert last_in is not None and read_mark == last_in  # recorded, not only shown

            # A supervisor sees every conversation and gives this one to another operator: it leaves
            # op1's inbox; given back, it returns.
            sup_ctx = await launch(playwright_session)
            sup = await log_in(sup_ctx, base_url(line), "gs-chat", await store.user("gs-chat", "supervisor"))
            sup_row = sup.locator("#conversations tr", has_text="Phạm Thị Mai")
            await sup_row.wait_for(timeout=10000)
            for operator, visible in (("op2", 0), ("op1", 1)):
                await sup_row.locator("select.conv-operator").select_option(operator)
                await sup_row.locator("button.conv-assign").click()
                await op.wait_for_function(
                    f"document.querySelectorAll('#inbox-table tbody tr').length === {visible}", timeout=10000)
            # The day's report counts the chat under its channel, answered.
            reply = await sup.request.get(base_url(line) + "/api/reports?kind=day")
            webchat = [r for r in (await reply.json())["conversations"]["by_channel"] if r["key"] == "webchat"]
            assert webchat and webchat[0]["conversations"] == 1 and webchat[0]["answered"] == 1
            assert webchat[0]["messages_in"] == 2 and webchat[0]["messages_out"] == 1
            # ... and the reports page shows it so (this month, the page's default).
            await sup.goto(base_url(line) + "/reports")
            web_row = sup.locator("#conversations tbody tr", has_text="Trò chuyện trên web")
            await web_row.wait_for(timeout=10000)
            cells = await web_row.locator("td").all_text_contents()
            assert cells[1:3] == ["1", "1"] and cells[6:8] == ["2", "1"]
            await sup_ctx.close()
            await op.locator("#inbox-table tr", has_text="Phạm Thị Mai").locator("button.inbox-open").click()
            await op.wait_for_function("document.getElementById('inbox-messages').textContent.includes('rào chắn')")

            # A script in a chat: past 30 messages a minute the socket says to slow down and keeps
            # nothing more; what it kept is acknowledged one by one, and what it did not, named.
            async with aiohttp.ClientSession() as http:
                async with http.post(base_url(line) + "/api/chat", json={"topic": "general", "text": "Hỏi nhanh"}) as r:
                    assert r.status == 201
                    token = (await r.json())["token"]
                async with http.ws_connect(base_url(line).replace("http", "ws", 1) + "/ws/chat",
                                           headers={"Origin": base_url(line)}) as ws:
                    await ws.send_json({"token": token})
                    assert (await ws.receive_json(timeout=10))["type"] == "history"
                    for i in range(35):
                        await ws.send_json({"text": f"tin {i}", "ref": str(i)})
                    answers = [await ws.receive_json(timeout=10) for _ in range(35)]
            assert [a["type"] for a in answers] == ["sent"] * 30 + ["slow_down"] * 5
            assert [a["ref"] for a in answers] == [str(i) for i in range(35)]  # the page marks which
            async with store.tickets.sessions() as s:
                kept = await s.scalar(select(func.count(ConversationMessage.id)).where(
                    ConversationMessage.body.like("tin %")))
            assert kept == 30

            # She closes it: the citizen is told, and the transcript goes with the ticket.
            await op.click("#inbox-close")
            await citizen.wait_for_function(
                "document.getElementById('chat-status').textContent.includes('kết thúc')", timeout=10000)
            async with store.tickets.sessions() as s:
                ticket = await s.scalar(select(Ticket).where(Ticket.reporter_name == "Phạm Thị Mai"))
                closed = await s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                                  TicketEvent.action == "conversation_closed"))
            assert (ticket.channel, ticket.caller_phone, ticket.topic) == ("web", "0912345678", "infrastructure")
            bodies = [m["body"] for m in closed.detail["transcript"]]
            assert bodies[0].startswith("Cho hỏi") and "cuối tháng 12" in bodies[1] and "rào chắn" in bodies[2]

            # Nobody available (the operator pauses): the next chat becomes a written report.
            await pause(op, "meal")
            await citizen.goto(base_url(line) + "/tro-chuyen")
            await citizen.fill("input[name=caller_phone]", "0987 654 321")
            await citizen.fill("textarea[name=text]", "Cột điện nghiêng nguy hiểm ở ấp 3.")
            await citizen.click("#chat-begin")
            await citizen.wait_for_selector("#chat-receipt:not([hidden])", timeout=10000)
            code = (await citizen.text_content("#chat-code")).strip()
            async with store.tickets.sessions() as s:
                report = await s.scalar(select(Ticket).where(Ticket.code == code))
            assert report is not None and not report.draft and report.channel == "web"
            assert report.caller_phone == "0987654321" and "Cột điện" in report.content
            # ... and its link opens the report's progress without the phone (#31 item 9).
            assert (await citizen.get_attribute("#chat-link", "href")).endswith(f"/p/{report.public_secret}")
            await citizen.click("#chat-link")
            await citizen.wait_for_selector(f'#ticket[data-code="{code}"] #t-timeline li')
        finally:
            for ctx in (op_ctx, citizen_ctx):
                if ctx is not None:
                    await ctx.close()
            await store.close()

"""Citizens' e-mails become conversations and tickets (#18), against real mail servers: Dovecot
holds the hotline's and the citizen's mailboxes, an SMTP server delivers into them. A citizen's
e-mail with a photo becomes a draft ticket with the photo and a receipt in the citizen's thread;
the operator takes and answers it on her desktop (Chromium), and the citizen's mailbox receives the answer in the same
thread with the code in the subject; the citizen's reply joins the same conversation; an
auto-reply makes nothing."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import pytest

from hotline.testing.mail_server import DeliveringSmtp, Dovecot
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, operator_page, session_for, url

pytestmark = pytest.mark.integration

HOTLINE = "tongdai1022@dongthap.gov.vn"
CITIZEN = "an.nguyen@example.vn"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4


async def send(smtp: DeliveringSmtp, msg: EmailMessage) -> None:
    def go():
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.send_message(msg)
    await asyncio.to_thread(go)


async def until(fetch, check, timeout: float = 30):
    value = None
    for _ in range(int(timeout * 4)):
        value = await fetch()
        if check(value):
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"not reached: {value!r}")


def citizen_mail(subject: str, text: str, message_id: str, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = f"Nguyễn Văn An <{CITIZEN}>", HOTLINE, subject, message_id
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(text)
    return msg


async def test_an_email_becomes_a_ticket_answered_in_the_citizens_thread(workdir, config_dir, monkeypatch,
                                                                         playwright_session):
    dovecot = Dovecot({"hotline": "hotline-mailbox-pw", "citizen": "citizen-pw"})
    await dovecot.start()
    smtp = DeliveringSmtp(dovecot, {HOTLINE: "hotline", CITIZEN: "citizen"})
    smtp.start()
    monkeypatch.setenv("HOTLINE_TEST_IMAP_PASSWORD", "hotline-mailbox-pw")
    settings = f"""
[email]
gateway = "smtp"
host = "127.0.0.1"
port = {smtp.port}
starttls = false
sender = "{HOTLINE}"
poll_seconds = 0.5
[email.imap]
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "hotline"
password_env = "HOTLINE_TEST_IMAP_PASSWORD"
# Longer than the test waits: new mail is read because Dovecot's IDLE tells of it at once.
poll_seconds = 120
"""
    http = store = ctx = None
    try:
        async with running_line(workdir, "email", "test_open", config_dir, extra_settings=settings) as line:
            store = Store(line.instance.home)
            http = await session_for(line, "op1", await store.user("op1", "operator", "op1"))

            async def inbox():
                async with http.get(url(line, "/api/conversations")) as r:
                    assert r.status == 200, await r.text()
                    return await r.json()

            async def citizen_box():
                return await asyncio.to_thread(dovecot.messages, "citizen")

            # The citizen writes, with a photo.
            first = citizen_mail("Đèn đường hỏng", "Đèn đường trước nhà số 12 đường Lý Thường Kiệt hỏng.",
                                 "<first@example.vn>")
            first.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="den-hong.jpg")
            await send(smtp, first)
            [conv] = await until(inbox, lambda c: len(c) == 1)
            assert (conv["channel"], conv["citizen_address"], conv["status"]) == ("email", CITIZEN, "open")
            code = conv["ticket_code"]
            async with http.get(url(line, f"/api/tickets/{conv['ticket_id']}")) as r:
                ticket = await r.json()
            assert ticket["channel"] == "email" and ticket["email"] == CITIZEN and "Lý Thường Kiệt" in ticket["content"]
            assert [f["filename"] for f in ticket["attachments"]] == ["den-hong.jpg"]

            # The receipt reaches the citizen in the same thread, with the code.
            [receipt] = await until(citizen_box, lambda m: len(m) == 1)
            assert f"[Mã phản ánh {code}]" in receipt["Subject"]
            assert receipt["In-Reply-To"] == "<first@example.vn>"

            # Nobody answers a conversation before taking it.
            async with http.post(url(line, f"/api/conversations/{conv['id']}/reply"), json={"text": "Chào anh"}) as r:
                assert r.status == 409 and (await r.json())["code"] == "conversation_not_taken"
            # The operator, on her desktop beside the calls, takes it, completes its ticket and answers.
            ctx, page = await operator_page(playwright_session, line, store, "op1")
            row = page.locator(f"#inbox-table tr[data-id='{conv['id']}']")
            await row.locator("button.inbox-take").click()
            await page.wait_for_function(
                "document.getElementById('inbox-messages').textContent.includes('Lý Thường Kiệt')", timeout=10000)
            assert await page.text_content("#inbox-code") == code
            await page.click("#inbox-ticket")  # the draft ticket in the ticket form
            await page.wait_for_function(f"document.getElementById('ticket-code').textContent === 'mã {code}'")
            answer = "Chào anh An, Tổng đài đã chuyển phản ánh đến Điện lực thành phố; đèn sẽ được sửa trong tuần."
            await page.fill("#inbox-reply", answer)
            await page.click("#inbox-send")
            await page.wait_for_function("document.getElementById('inbox-saved').textContent === 'Đã gửi trả lời'")
            mails = await until(citizen_box, lambda m: len(m) == 2)
            reply = next(m for m in mails if m["Message-ID"] != receipt["Message-ID"])
            assert reply["Subject"] == f"Re: Đèn đường hỏng [Mã phản ánh {code}]"
            assert reply["In-Reply-To"] == "<first@example.vn>"
            assert "<first@example.vn>" in reply["References"] and answer in reply.get_content()

            # The citizen answers the operator's mail: the same conversation, waiting again.
            await send(smtp, citizen_mail(f"Re: {reply['Subject']}", "Cảm ơn, nhưng đèn số 14 cũng hỏng.",
                                          "<second@example.vn>", **{"In-Reply-To": reply["Message-ID"],
                                                                    "References": f"<first@example.vn> {reply['Message-ID']}"}))

            async def thread():
                async with http.get(url(line, f"/api/conversations/{conv['id']}")) as r:
                    return await r.json()
            detail = await until(thread, lambda d: sum(m["direction"] == "in" for m in d["messages"]) == 2)
            assert detail["status"] == "open" and "đèn số 14" in detail["messages"][-1]["body"]
            assert [m["direction"] for m in detail["messages"]] == ["in", "out", "out", "in"]

            # A vacation responder writes back: nothing is made of it, and it is not read again.
            auto = citizen_mail("Trả lời tự động: Đèn đường hỏng", "Tôi đang đi công tác.", "<auto@example.vn>",
                                **{"Auto-Submitted": "auto-replied"})
            await send(smtp, auto)
            await until(lambda: asyncio.to_thread(dovecot.messages, "hotline", True), lambda m: not m)
            assert len(await inbox()) == 1
            assert len((await thread())["messages"]) == 4
    finally:
        if ctx is not None:
            await ctx.close()
        if http is not None:
            await http.close()
        if store is not None:
            await store.close()
        smtp.stop()
        await dovecot.stop()

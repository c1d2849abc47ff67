"""Citizens' e-mails become conversations and tickets (#18), against real mail servers: Dovecot
holds the hotline's and the citizen's mailboxes, an SMTP server delivers into them. A citizen's
e-mail with a photo becomes a draft ticket with the photo and a receipt in the citizen's thread;
the operator takes and answers it on her desktop (Chromium), and the citizen's mailbox receives the answer in the same
thread with the code in the subject; the citizen's reply joins the same conversation; an
auto-reply makes nothing."""

from __future__ import annotations

import asyncio
import smtplib
import time
from email.message import EmailMessage

import pytest

import aiohttp

from hotline.testing.browser import launch, log_in
from hotline.testing.mail_server import DeliveringSmtp, Dovecot
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, operator_page, session_for, url

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
            for _ in range(50):  # the mail's files are kept with its ticket, just after the conversation
                async with http.get(url(line, f"/api/tickets/{conv['ticket_id']}")) as r:
                    ticket = await r.json()
                if ticket["attachments"]:
                    break
                await asyncio.sleep(0.2)
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
            try:
                await page.wait_for_function(f"document.getElementById('ticket-code').textContent === 'mã {code}'")
            except Exception as e:  # (seen once in CI, not understood): say what the form showed instead
                raise AssertionError(("the ticket form did not show the draft", await page.text_content("#ticket-code"),
                                      await page.text_content("#ticket-error"))) from e
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
            # Waiting again: the thread shows her answer and the conversation waits for an operator.
            detail = await until(thread, lambda d: any("đèn số 14" in m["body"] for m in d["messages"]
                                                           if m["direction"] == "in"))
            assert sum(m["direction"] == "in" for m in detail["messages"]) == 2, detail
            detail = await until(thread, lambda d: d["status"] == "open")
            assert "đèn số 14" in detail["messages"][-1]["body"], detail
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


def _raw(sender: str, subject: str, body: bytes, content_type: str = "text/plain; charset=utf-8",
         message_id: str | None = None) -> bytes:
    return (f"From: {sender}\r\nTo: {HOTLINE}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id or f'<{abs(hash((sender, subject)))}@example.vn>'}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n").encode() + body + b"\r\n"


def many_parts(n: int) -> bytes:
    parts = b"".join(b"--P\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(n))
    return _raw("Phan Tram <tram@example.vn>", "Nhieu phan", parts + b"--P--", "multipart/mixed; boundary=P")


def nested(depth: int) -> bytes:
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
                    for i in range(1, depth))
    body += b"--b%d\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b%d--\r\n" % (depth - 1, depth - 1)
    body += b"".join(b"--b%d--\r\n" % i for i in range(depth - 2, -1, -1))
    return _raw("Long Nguyen <long@example.vn>", "Long nhau", body, "multipart/mixed; boundary=b0")


async def test_hostile_mail_neither_stalls_the_line_nor_stops_the_mailbox(workdir, config_dir, monkeypatch,
                                                                          playwright_session):
    """While a caller goes through the IVR, the mailbox receives 1 MiB of whitespace, a 300 KiB
    line of `<` as HTML, 20,000 parts, ~1,200 nested multiparts, a From whose encoded word
    decodes to CR/LF and a sender's name of 300 characters with a NUL in the body, two messages a
    pass. The call joins its queue; the health endpoint answers throughout (probed every 100 ms);
    the two refused messages are quarantined with their reason and downloadable as received by a
    supervisor (not by an operator); the others and a normal mail sent after them become
    conversations; nothing is left unread."""
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
poll_seconds = 1
max_per_pass = 2
"""
    hostile = {
        "whitespace": _raw("Tran Binh <binh@example.vn>", "Khoang trang", b" " * (1 << 20)),
        "angle brackets": _raw("Le Chi <chi@example.vn>", "Dau nho hon", b"<" * (300 * 1024), "text/html"),
        "20000 parts": many_parts(20000),
        "nested": nested(1200),
        "crlf name": _raw("=?utf-8?q?Gi=E1=BA=A3_m=E1=BA=A1o=0D=0ABcc=3A_x=40example=2Evn?= <gia@example.vn>",
                          "Ten co xuong dong", b"Noi dung"),
        "long name, NUL": _raw("=?utf-8?q?" + "A" * 300 + "?= <dai@example.vn>", "Ten dai", b"C\x00o NUL"),
    }
    http = store = ctx = sup_http = None
    probes: list[tuple[float, float | None]] = []  # (sent at, seconds to answer; None: no answer)
    try:
        async with running_line(workdir, "hostile-mail", "test_open", config_dir, extra_settings=settings) as line:
            store = Store(line.instance.home)
            http = await session_for(line, "op1", await store.user("op1", "operator", "op1"))
            sup_http = await session_for(line, "gs-mail", await store.user("gs-mail", "supervisor"))

            async def conversations():
                async with sup_http.get(url(line, "/api/conversations")) as r:
                    assert r.status == 200, await r.text()
                    return await r.json()

            async def quarantined():
                async with sup_http.get(url(line, "/api/mail-quarantine")) as r:
                    assert r.status == 200, await r.text()
                    return await r.json()

            stop = asyncio.Event()

            async def probe():
                async with aiohttp.ClientSession() as client:
                    while not stop.is_set():
                        sent = time.monotonic()
                        try:
                            async with client.get(url(line, "/healthz"), timeout=aiohttp.ClientTimeout(total=2)) as r:
                                await r.read()
                                probes.append((sent, time.monotonic() - sent if r.status == 200 else None))
                        except (asyncio.TimeoutError, aiohttp.ClientError):
                            probes.append((sent, None))
                        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - sent)))

            prober = asyncio.create_task(probe())
            call = asyncio.create_task(line.call(CallScript().pause(2000).keys("2").pause(7000)))
            for raw in hostile.values():
                await asyncio.to_thread(dovecot.append, "hotline", raw)
            # A citizen's normal mail, after the poison.
            await send(smtp, citizen_mail("Nước sinh hoạt bị đục", "Nước máy khu phố 3 bị đục từ sáng nay.",
                                          "<normal@example.vn>"))
            record = await call
            assert record.queues_joined() == ["infrastructure"]
            convs = await until(conversations, lambda c: any(x["citizen_address"] == CITIZEN for x in c), timeout=120)
            held = await until(quarantined, lambda q: len(q) == 2, timeout=120)
            await until(lambda: asyncio.to_thread(dovecot.messages, "hotline", True), lambda m: not m, timeout=60)
            stop.set()
            await prober

            normal = next(c for c in convs if c["citizen_address"] == CITIZEN)
            assert normal["subject"] == "Nước sinh hoạt bị đục"
            convs = await conversations()
            by_address = {c["citizen_address"]: c for c in convs}
            assert set(by_address) == {CITIZEN, "binh@example.vn", "chi@example.vn", "gia@example.vn", "dai@example.vn"}
            assert "\n" not in by_address["gia@example.vn"]["citizen_name"]
            assert by_address["dai@example.vn"]["citizen_name"] == "A" * 200
            reasons = {q["sender"]: q["reason"] for q in held}
            assert "phần MIME" in reasons["Phan Tram <tram@example.vn>"]
            assert "phần MIME" in reasons["Long Nguyen <long@example.vn>"]

            # The health endpoint answered every probe, none left unanswered past the 2 s bound.
            answered = [seconds for _, seconds in probes]
            assert len(probes) > 20 and None not in answered, probes
            print(f"\nhealth probes: {len(probes)}, slowest answer {max(answered) * 1000:.0f} ms")

            # Quarantined mail: for supervisors only, as received.
            async with http.get(url(line, "/api/mail-quarantine")) as r:
                assert r.status == 403
            async with aiohttp.ClientSession() as anonymous:
                async with anonymous.get(url(line, f"/api/mail-quarantine/{held[0]['id']}/raw")) as r:
                    assert r.status == 401
            ctx = await launch(playwright_session)
            page = await log_in(ctx, base_url(line), "gs-mail", await store.user("gs-mail", "supervisor"))
            await page.wait_for_function("document.querySelectorAll('#quarantine tbody tr').length === 2",
                                         timeout=15000)
            row = page.locator("#quarantine tbody tr", has_text="long@example.vn")
            assert "lồng" in await row.text_content()
            async with page.expect_download() as download_info:
                await row.locator("a.quarantine-raw").click()
            download = await download_info.value
            assert (await asyncio.to_thread(open(await download.path(), "rb").read)) == hostile["nested"]
    finally:
        if ctx is not None:
            await ctx.close()
        for client in (http, sup_http):
            if client is not None:
                await client.close()
        if store is not None:
            await store.close()
        smtp.stop()
        await dovecot.stop()

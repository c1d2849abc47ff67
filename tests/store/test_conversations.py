"""Conversations on SQLite and PostgreSQL: a citizen's e-mail becomes a conversation and a draft
ticket with the receipt queued in its thread; a message read twice is kept once; a reply finds its
thread by its headers, or by the code in the subject when a mail client dropped them; files are
checked like uploads; two operators taking the same conversation: one gets it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from hotline.config.conversations import ConversationPolicy
from hotline.conversations.mail import parse
from hotline.conversations.service import Conversations, MailRefused
from hotline.events.bus import EventBus
from hotline.events.types import ConversationActivity, ConversationsChanged
from hotline.errors import Refused
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.outbox import EmailMessage as Outgoing
from hotline.store.tickets import Attachment, Ticket
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.store import TicketStore

JPEG = b"\xff\xd8\xff\xe0" + bytes(300)


def mail(message_id: str, subject: str = "Cống bị tắc", text: str = "Cống trước chợ bị tắc.", files=(), **headers):
    msg = EmailMessage()
    msg["From"], msg["To"] = "Lê Thị Hoa <hoa@example.vn>", "tongdai1022@dongthap.gov.vn"
    msg["Subject"], msg["Message-ID"] = subject, message_id
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(text)
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return parse(bytes(msg))


@pytest.fixture
def conversations(sessions, tmp_path):
    return Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                         "tongdai1022@dongthap.gov.vn", lookup_url=lambda secret: f"https://1022.vn/p/{secret}")


async def count(sessions, model) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_a_first_mail_makes_a_conversation_a_draft_ticket_and_a_receipt(sessions, conversations):
    conv_id = await conversations.receive_mail(mail("<a1@example.vn>", files=[("anh.jpg", JPEG), ("virus.exe", b"MZ\x90")]))
    async with sessions() as s:
        conv = await s.get(Conversation, conv_id)
        ticket = await s.get(Ticket, conv.ticket_id)
        [receipt] = list(await s.scalars(select(Outgoing)))
        [kept] = list(await s.scalars(select(Attachment)))
        [message] = list(await s.scalars(select(ConversationMessage).where(ConversationMessage.direction == "in")))
    assert (ticket.channel, ticket.email, ticket.draft, ticket.reporter_name) == ("email", "hoa@example.vn", True,
                                                                                 "Lê Thị Hoa")
    assert f"[Mã phản ánh {ticket.code}]" in receipt.subject and receipt.to_address == "hoa@example.vn"
    assert receipt.headers["In-Reply-To"] == "<a1@example.vn>" and f"https://1022.vn/p/{ticket.public_secret}" in receipt.body
    assert kept.filename == "anh.jpg" and message.attachments == [{"id": kept.id, "filename": "anh.jpg"}]
    assert [r["filename"] for r in message.refused] == ["virus.exe"]
    # Read again (a crash before the mailbox was told): kept once.
    assert await conversations.receive_mail(mail("<a1@example.vn>")) == conv_id
    assert await count(sessions, Ticket) == 1 and await count(sessions, ConversationMessage) == 2


async def test_replies_find_their_thread_by_headers_or_by_the_code(sessions, conversations):
    conv_id = await conversations.receive_mail(mail("<b1@example.vn>"))
    async with sessions() as s:
        receipt = await s.scalar(select(Outgoing))
        code = await s.scalar(select(Ticket.code))
    by_headers = await conversations.receive_mail(mail("<b2@example.vn>", "Re: x", "Thêm ảnh",
                                                       **{"In-Reply-To": receipt.headers["Message-ID"]}))
    by_code = await conversations.receive_mail(mail("<b3@example.vn>", f"Re: Cống [Mã phản ánh {code}]", "Còn tắc"))
    other = await conversations.receive_mail(mail("<b4@example.vn>", "Đường hỏng", "Ổ gà lớn"))
    assert by_headers == by_code == conv_id != other
    assert await count(sessions, Ticket) == 2


async def test_machines_mail_makes_nothing(sessions, conversations):
    """Auto-replies, bulk and list mail: no conversation, and above all no receipt (two
    responders would otherwise answer each other without end)."""
    for n, headers in enumerate([{"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"Precedence": "list"},
                                 {"List-Id": "<tin-tuc.example.vn>"}, {"List-Unsubscribe": "<mailto:u@example.vn>"},
                                 {"X-Autoreply": "yes"}]):
        assert await conversations.receive_mail(mail(f"<c{n}@example.vn>", **headers)) is None, headers
    assert await count(sessions, Conversation) == 0 and await count(sessions, Outgoing) == 0


async def test_one_operator_takes_a_conversation_and_answers_in_its_thread(sessions, conversations):
    conv_id = await conversations.receive_mail(mail("<d1@example.vn>"))
    results = await asyncio.gather(conversations.take(conv_id, "op1"), conversations.take(conv_id, "op2"),
                                   return_exceptions=True)
    winners = [r["assignee"] for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, Refused)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].status == 409
    with pytest.raises(Refused) as refused:
        await conversations.reply(conv_id, "op2" if winners[0] == "op1" else "op1", "Chào chị")
    assert refused.value.status == 409
    await conversations.reply(conv_id, winners[0], "Chào chị Hoa, đã chuyển Công ty Cấp thoát nước.")
    async with sessions() as s:
        ticket = await s.scalar(select(Ticket))
        answer = await s.scalar(select(Outgoing).where(Outgoing.subject.like("Re:%")))
    assert ticket.operator_id == winners[0]  # the draft is hers to complete
    assert answer.headers["In-Reply-To"] == "<d1@example.vn>" and answer.subject.endswith(f"[Mã phản ánh {ticket.code}]")
    assert (await conversations.detail(conv_id))["status"] == "answered"


async def test_receipts_to_one_address_are_capped_so_a_forged_sender_cannot_use_the_hotline(sessions, conversations):
    """Anyone can put another's address in From: the hotline keeps every e-mail but mails at most
    three receipts a day to one address, with a fixed text that repeats nothing the sender wrote,
    marked as automatic (RFC 3834)."""
    spam = "Trúng thưởng 100 triệu, gọi ngay 0900000000"
    for n in range(5):
        assert await conversations.receive_mail(mail(f"<f{n}@example.vn>", f"{spam} {n}", f"{spam} {n}")) is not None
    async with sessions() as s:
        receipts = list(await s.scalars(select(Outgoing).where(Outgoing.to_address == "hoa@example.vn")))
        codes = list(await s.scalars(select(Ticket.code).order_by(Ticket.id)))
    assert len(receipts) == 3 and await count(sessions, Conversation) == 5
    for receipt, code in zip(receipts, codes):
        assert receipt.subject == f"Tổng đài 1022 đã nhận phản ánh [Mã phản ánh {code}]"
        assert "Trúng thưởng" not in receipt.body and "0900000000" not in receipt.body
        assert receipt.headers["Auto-Submitted"] == "auto-replied"


async def test_a_sender_opens_a_bounded_number_of_conversations_a_day(sessions, tmp_path):
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn",
                                  policy=ConversationPolicy(new_per_sender_per_day=2))
    t0 = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    for n in range(2):
        await conversations.receive_mail(mail(f"<n{n}@example.vn>", f"Việc {n}"), now=t0)
    with pytest.raises(MailRefused) as refused:
        await conversations.receive_mail(mail("<n2@example.vn>", "Việc 2"), now=t0 + timedelta(hours=1))
    assert "tối đa 2" in refused.value.reason and await count(sessions, Conversation) == 2
    # A day later the sender may write again.
    assert await conversations.receive_mail(mail("<n3@example.vn>", "Việc 3"), now=t0 + timedelta(days=1, minutes=1))
    with pytest.raises(ValueError):
        ConversationPolicy(new_per_sender_per_day=0)


async def test_a_forged_from_cannot_add_to_another_citizens_conversation(sessions, conversations):
    """Threading needs the conversation's own address AND a reference the hotline issued (the
    Message-ID of a mail it sent, or the code in the subject): the citizen's own Message-ID, or a
    hotline reference under another address, starts a new conversation."""
    conv_id = await conversations.receive_mail(mail("<g1@example.vn>"))
    async with sessions() as s:
        receipt = await s.scalar(select(Outgoing))
        code = await s.scalar(select(Ticket.code))

    def forged(message_id: str, sender: str, subject: str = "Re: Cống", **headers):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, "tongdai1022@dongthap.gov.vn", subject, message_id
        for name, value in headers.items():
            msg[name] = value
        msg.set_content("Nội dung giả mạo")
        return parse(bytes(msg))

    other = "Kẻ mạo danh <gia@example.vn>"
    assert await conversations.receive_mail(forged("<g2@x>", other, **{"In-Reply-To": receipt.headers["Message-ID"]})) != conv_id
    assert await conversations.receive_mail(forged("<g3@x>", other, f"Re: [Mã phản ánh {code}]")) != conv_id
    # The citizen's address but only her own Message-ID (seen by anyone she wrote to): a new one.
    assert await conversations.receive_mail(forged("<g4@x>", "hoa@example.vn", **{"In-Reply-To": "<g1@example.vn>"})) != conv_id
    async with sessions() as s:
        kept = list(await s.scalars(select(ConversationMessage.external_id).where(
            ConversationMessage.conversation_id == conv_id, ConversationMessage.direction == "in")))
    assert kept == ["<g1@example.vn>"]
    # Her address and the hotline's reference: the same conversation.
    assert await conversations.receive_mail(forged("<g5@x>", "hoa@example.vn", **{"In-Reply-To": receipt.headers["Message-ID"]})) == conv_id


async def test_what_postgresql_refuses_is_normalised(sessions, conversations):
    """A NUL in the body and the subject, a sender's name of 300 characters, a display name whose
    encoded word decodes to CR/LF: kept, fit for the columns (the test runs on both engines)."""
    raw = ("From: =?utf-8?q?" + "A" * 300 + "?= <dai@example.vn>\r\nTo: tongdai1022@dongthap.gov.vn\r\n"
           "Subject: =?utf-8?q?C=E1=BB=91ng=00t=E1=BA=AFc?=\r\nMessage-ID: <p1@example.vn>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nC\x00\xe1\xbb\x91ng b\xe1\xbb\x8b t\xe1\xba\xafc\r\n").encode("latin-1")
    conv_id = await conversations.receive_mail(parse(raw))
    crlf = (b"From: =?utf-8?q?Evil=0D=0ABcc=3A_x=40example=2Evn?= <evil@example.vn>\r\nMessage-ID: <p2@example.vn>\r\n"
            b"Subject: x\r\n\r\nhi\r\n")
    crlf_id = await conversations.receive_mail(parse(crlf))
    async with sessions() as s:
        conv = await s.get(Conversation, conv_id)
        message = await s.scalar(select(ConversationMessage).where(ConversationMessage.external_id == "<p1@example.vn>"))
        evil = await s.get(Conversation, crlf_id)
    assert conv.citizen_name == "A" * 200 and "\x00" not in conv.subject and message.body == "Cống bị tắc"
    assert evil.citizen_address == "evil@example.vn" and "\n" not in evil.citizen_name and "\r" not in evil.citizen_name


async def test_new_conversations_go_to_free_operators_within_their_capacity(sessions, tmp_path):
    """Capacity: one call or up to `max_per_operator` conversations. A new conversation goes to the
    available operator with the fewest; an operator on a call (not available) gets none; beyond
    the limit nobody gets it, and nobody may take it."""
    free = ["op1", "op2"]
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn", policy=ConversationPolicy(max_per_operator=2),
                                  free_operators=lambda: list(free))
    ids = [await conversations.receive_mail(mail(f"<g{n}@example.vn>", f"Việc {n}", f"Nội dung {n}")) for n in range(5)]
    given = [(await conversations.detail(i))["assignee"] for i in ids]
    assert given == ["op1", "op2", "op1", "op2", None]
    with pytest.raises(Refused) as refused:
        await conversations.take(ids[4], "op1")
    assert refused.value.code == "conversation_capacity"
    await conversations.close(ids[0], "op1")  # one done: room for one more
    assert (await conversations.take(ids[4], "op1"))["assignee"] == "op1"
    free.remove("op2")  # op2 answers a call: she is not available
    await conversations.close(ids[1], "op2")
    extra = await conversations.receive_mail(mail("<g9@example.vn>", "Việc 9", "Nội dung 9"))
    assert (await conversations.detail(extra))["assignee"] is None  # op1 is full, op2 on a call
    async with sessions() as s:
        ticket = await s.scalar(select(Ticket).join(Conversation, Conversation.ticket_id == Ticket.id)
                                .where(Conversation.id == ids[2]))
    assert ticket.operator_id == "op1"  # the draft of a conversation given to her is hers


async def test_a_citizen_waiting_is_reminded_to_the_operator_then_escalated_and_an_answer_clears_it(sessions, tmp_path):
    """First-reply time (15 minutes, reminder 5 minutes before): the operator is reminded once, the
    supervisors are told once it is late; an answer ends the wait, and the citizen's next message
    starts a new one."""
    bus = EventBus()
    seen = []

    async def collect(event):
        if event.data["status"] in ("reminder", "overdue"):  # to op1 (hers) and the supervisors
            assert isinstance(event, ConversationActivity) and event.agent == "op1"
        seen.append(event.data["status"])
    bus.subscribe(collect, ConversationsChanged, ConversationActivity)
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn", bus=bus, free_operators=lambda: ["op1"])
    t0 = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    conv_id = await conversations.receive_mail(mail("<h1@example.vn>"), now=t0)
    detail = await conversations.detail(conv_id)
    assert detail["reply_due_at"] == (t0 + timedelta(minutes=15)).isoformat() and not detail["overdue"]
    seen.clear()
    assert await conversations.scan(t0 + timedelta(minutes=9)) == 0
    assert await conversations.scan(t0 + timedelta(minutes=10)) == 1 and seen == ["reminder"]
    assert await conversations.scan(t0 + timedelta(minutes=12)) == 0  # once
    assert await conversations.scan(t0 + timedelta(minutes=15)) == 1 and seen == ["reminder", "overdue"]
    assert await conversations.scan(t0 + timedelta(minutes=40)) == 0
    assert (await conversations.detail(conv_id))["overdue"]
    await conversations.reply(conv_id, "op1", "Chào chị", now=t0 + timedelta(minutes=41))
    answered = await conversations.detail(conv_id)
    assert answered["reply_due_at"] is None and not answered["overdue"]
    later = t0 + timedelta(hours=2)
    async with sessions() as s:  # the citizen answers the operator's mail
        answer = await s.scalar(select(Outgoing).where(Outgoing.subject.like("Re:%")))
    await conversations.receive_mail(mail("<h2@example.vn>", **{"In-Reply-To": answer.headers["Message-ID"]}),
                                     now=later)
    assert (await conversations.detail(conv_id))["reply_due_at"] == (later + timedelta(minutes=15)).isoformat()


async def test_typing_and_read_states_go_to_the_other_side_and_the_report_counts_by_channel(sessions, tmp_path):
    """A web chat given to op1: the citizen typing and her messages reach op1 (not another
    operator) with the text; op1 reading and typing reach the citizen's page; read marks only move
    forward and only op1 may set hers; Messenger's read watermark marks the answers sent before it.
    The month's report counts the conversations, answers, late ones and first-reply times by
    channel."""
    from hotline.conversations.platforms import ChatIn
    from hotline.events.types import ChatToCitizen
    from hotline.reports.figures import conversation_report
    from hotline.reports.periods import period

    bus = EventBus()
    desk, page = [], []

    async def to_desk(event):
        desk.append((event.agent, {k: v for k, v in event.data.items() if k != "message"}, event.data.get("message")))

    async def to_page(event):
        page.append(event.data)
    bus.subscribe(to_desk, ConversationActivity)
    bus.subscribe(to_page, ChatToCitizen)
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn", bus=bus, free_operators=lambda: ["op1"])
    t0 = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    chat, _token = await conversations.start_web("Phạm Thị Mai", "0913000111", "infrastructure", "Đường hư", now=t0)
    await conversations.citizen_typing(chat)
    assert desk[-1][:2] == ("op1", {"id": chat, "typing": "citizen"})
    said = await conversations.receive_web(chat, "Đoạn gần chợ", now=t0 + timedelta(minutes=1))
    agent, data, message = desk[-1]
    assert agent == "op1" and data["status"] == "open" and message["body"] == "Đoạn gần chợ"
    assert message["id"] == said["id"]
    with pytest.raises(Refused) as refused:
        await conversations.read_by_operator(chat, "op2", said["id"])
    assert refused.value.code == "conversation_not_taken"
    await conversations.read_by_operator(chat, "op1", said["id"])
    assert page[-1] == {"conversation_id": chat, "read_up_to": said["id"]}
    page.clear()
    await conversations.read_by_operator(chat, "op1", said["id"] - 1)  # backwards: nothing
    assert page == []
    await conversations.operator_typing(chat, "op1")
    assert page[-1] == {"conversation_id": chat, "typing": True}
    answer = await conversations.reply(chat, "op1", "Đã chuyển Phòng Quản lý đô thị", now=t0 + timedelta(minutes=4))
    assert page[-1]["id"] == answer["id"] and page[-1]["body"].startswith("Đã chuyển")
    await conversations.read_by_citizen(chat, answer["id"])
    assert desk[-1][:2] == ("op1", {"id": chat, "status": "read", "read": {"by": "citizen", "up_to": answer["id"]}})
    detail = await conversations.detail(chat)
    assert detail["operator_read_id"] == said["id"] and detail["citizen_read_id"] == answer["id"]
    listing = {c["id"]: c for c in await conversations.listing("op1")}
    assert listing[chat]["unread"] == 0
    await conversations.receive_web(chat, "Cảm ơn", now=t0 + timedelta(minutes=5))
    assert {c["id"]: c for c in await conversations.listing("op1")}[chat]["unread"] == 1

    # Messenger: answered at 10 minutes, read (watermark) at 12.
    fb = await conversations.receive_chat(ChatIn("facebook", "psid-1", "facebook:m1", "Xin hỏi"), now=t0)
    await conversations.take(fb, "op1")
    sent = await conversations.reply(fb, "op1", "Chào anh", now=t0 + timedelta(minutes=10))
    await conversations.read_on_platform("facebook", "psid-1", t0 + timedelta(minutes=9))  # before the answer
    assert (await conversations.detail(fb))["citizen_read_id"] is None or \
        (await conversations.detail(fb))["citizen_read_id"] < sent["id"]
    await conversations.read_on_platform("facebook", "psid-1", t0 + timedelta(minutes=12))
    assert (await conversations.detail(fb))["citizen_read_id"] == sent["id"]

    # An e-mail nobody answers in time: late; so is the chat's "Cảm ơn", left waiting.
    assert await conversations.receive_mail(mail("<r1@example.vn>"), now=t0)
    assert await conversations.scan(t0 + timedelta(minutes=30)) == 2

    report = await conversation_report(sessions, period("month", t0.date(), "Asia/Ho_Chi_Minh"),
                                       {"webchat": "Trò chuyện trên web", "facebook": "Facebook", "email": "E-mail"})
    rows = {r["key"]: r for r in report["by_channel"]}
    assert [r["key"] for r in report["by_channel"]] == ["webchat", "email", "facebook"]
    assert rows["webchat"] == {**rows["webchat"], "name": "Trò chuyện trên web", "conversations": 1, "answered": 1,
                               "late": 1, "waiting": 1, "messages_in": 3, "messages_out": 1,
                               "median_first_reply_minutes": 4.0}
    assert rows["facebook"]["answered"] == 1 and rows["facebook"]["median_first_reply_minutes"] == 10.0
    assert rows["facebook"]["messages_out"] == 1  # the automatic receipt is not an answer
    assert rows["email"]["answered"] == 0 and rows["email"]["late"] == 1 and rows["email"]["waiting"] == 1
    assert report["totals"]["conversations"] == 3 and report["totals"]["late"] == 2
    assert report["totals"]["name"] == "Tổng cộng"


async def test_a_failing_mail_is_quarantined_after_its_tries_and_a_refused_one_at_once(sessions):
    """The tries are counted in the database; at the policy's number the message is quarantined
    with its reason and kept as received (NUL and all: bytes); what succeeds in the end is
    forgotten; refusals by a limit are quarantined at the first try."""
    from hotline.conversations.quarantine import Quarantine

    q = Quarantine(sessions)
    raw = "From: x@example.vn\r\nSubject: hỏng\r\n\r\n\x00".encode() + bytes(range(256))
    for attempt in (1, 2):
        assert not await q.failed(raw, f"DataError: lần {attempt}\x00", "x@example.vn", "hỏng", tries=3)
    assert await q.listing() == []
    assert await q.failed(raw, "DataError: lần 3", "x@example.vn", "hỏng", tries=3)
    [held] = await q.listing()
    assert (held["sender"], held["reason"], held["attempts"], held["size"]) == ("x@example.vn", "DataError: lần 3", 3,
                                                                               len(raw))
    assert await q.raw(held["id"]) == raw
    other = b"From: y@example.vn\r\n\r\nok"
    assert not await q.failed(other, "OperationalError", "y@example.vn", None, tries=3)
    await q.kept(other)  # kept at the next pass: nothing left of it
    await q.refuse(b"From: z@example.vn\r\n\r\n" + b"--P\r\n" * 5000, "quá nhiều phần MIME", "z@example.vn", None)
    assert [h["reason"] for h in await q.listing()] == ["quá nhiều phần MIME", "DataError: lần 3"]
    with pytest.raises(Refused):
        await q.raw(held["id"] + 100)


async def test_a_poisoned_mailbox_goes_on_with_the_rest(sessions, tmp_path, monkeypatch):
    """Against Dovecot, two messages a pass: two that fail whatever is tried (any exception) come
    first, then a citizen's. They are tried `mail_tries` times (counted in the database), then
    quarantined and flagged read, and the citizen's message becomes a conversation; nothing stays
    unread. (The failure is made by the service: what fails in the field is not known in advance.)"""
    from hotline.conversations.imap import MailboxReader
    from hotline.conversations.quarantine import Quarantine
    from hotline.settings import Imap
    from hotline.testing.mail_server import Dovecot

    class Failing(Conversations):
        async def receive_mail(self, mail, now=None):
            if mail.sender == "doc@example.vn":
                raise RuntimeError("hỏng khi lưu")
            return await super().receive_mail(mail, now)

    dovecot = Dovecot({"hotline": "pw-hotline"})
    await dovecot.start()
    try:
        monkeypatch.setenv("HOTLINE_TEST_IMAP_PASSWORD", "pw-hotline")
        conversations = Failing(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                "tongdai1022@dongthap.gov.vn", policy=ConversationPolicy(mail_tries=3))
        reader = MailboxReader(Imap(host="127.0.0.1", port=dovecot.port, security="none", username="hotline",
                                    password_env="HOTLINE_TEST_IMAP_PASSWORD", max_per_pass=2), conversations)
        for n in (1, 2):
            await asyncio.to_thread(dovecot.append, "hotline",
                                    f"From: doc@example.vn\r\nSubject: Độc {n}\r\nMessage-ID: <doc{n}@x>\r\n\r\nx".encode())
        await asyncio.to_thread(dovecot.append, "hotline", _citizen_raw())
        passes = []
        for _ in range(6):
            passes.append(await reader.read_new())
            if await count(sessions, Conversation):
                break
        assert passes == [0, 0, 2, 1]  # tried, tried, quarantined (flagged read), then the citizen's
        held = await Quarantine(sessions).listing()
        assert sorted(h["subject"] for h in held) == ["Độc 1", "Độc 2"]
        assert all(h["attempts"] == 3 and "RuntimeError: hỏng khi lưu" in h["reason"] for h in held)
        assert await asyncio.to_thread(dovecot.messages, "hotline", True) == []
    finally:
        await dovecot.stop()


def _citizen_raw() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Lê Thị Hoa <hoa@example.vn>", "tongdai1022@dongthap.gov.vn"
    msg["Subject"], msg["Message-ID"] = "Cống bị tắc", "<citizen@example.vn>"
    msg.set_content("Cống trước chợ bị tắc.")
    return bytes(msg)

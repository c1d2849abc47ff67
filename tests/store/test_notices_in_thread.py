"""#31 item 8: a citizen who wrote is told what a caller is told by SMS, in their own thread (real
store, SQLite and PostgreSQL). Quảng Ninh's profile, whose citizen hears of the forwarding, a new
date, a refusal and the approved result. Mail goes to a real SMTP server (aiosmtpd) in the
citizen's thread; Zalo and Messenger to a local server with the platforms' send APIs
(tests/store/test_chat_platforms.py); web chat to its conversation. Outside a platform's window:
Messenger's update tag, Zalo's fallback to SMS, or the notice recorded undelivered for the
supervisors. A citizen who texted the hotline is answered by SMS in the same conversation."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from hotline.conversations.channels.contract import Inbound
from hotline.conversations.chat_outbox import ChatSender
from hotline.conversations.platforms import ChatIn
from hotline.conversations.service import Conversations
from hotline.notifications.email import EmailSender
from hotline.settings import Email, Messaging
from hotline.store.base import utcnow
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.testing.mail_server import SmtpInbox
from hotline.testing.ports import free_server_port
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Payload
from hotline.ticketing.notices import undelivered
from tests.store.support import FOCAL_PHONE, HEAD_PHONE, OPERATOR, province
from tests.store.test_chat_platforms import Platforms
from tests.store.test_conversations import mail
from tests.store.test_workflow_profiles import MONDAY_9AM, local

SENDER = "tongdai1022@quangninh.gov.vn"
ANSWER = ("Ngày 17/11/2026 Công ty Điện lực đã thay bóng đèn và dây dẫn của cột đèn trước số 12 Nguyễn Huệ; "
          "đèn đã sáng lại từ 18 giờ cùng ngày.")
REASON = "Nội dung thuộc thẩm quyền giải quyết của Tòa án nhân dân"
DELAY_REASON = "Cần khảo sát hiện trường và chờ vật tư thay thế"


class World:
    def __init__(self, sessions, p, conversations, chats, mails, platforms, inbox):
        self.sessions, self.p, self.conversations = sessions, p, conversations
        self.chats, self.mails, self.platforms, self.inbox = chats, mails, platforms, inbox
        self.now = MONDAY_9AM
        conversations.notices.clock = lambda: self.now
        p.handling.notices.in_thread = conversations.notices.tell  # as the wiring does

    async def submitted(self, conv_id: int, **fields) -> Ticket:
        """The operator completes the conversation's draft ticket and submits it."""
        async with self.sessions() as s, s.begin():
            conv = await s.get(Conversation, conv_id)
            t = await s.get(Ticket, conv.ticket_id)
            t.topic, t.address = "infrastructure", "Phường Hồng Gai"
            for name, value in fields.items():
                setattr(t, name, value)
        return await self.p.store.submit_draft(conv.ticket_id, self.p.handling, OPERATOR, self.now)

    async def act(self, t: Ticket, action: str, actor, at, **payload) -> Ticket:
        self.now = at
        return await self.p.handling.act(t.id, action, actor, Payload(**payload), now=at)

    async def handled(self, t: Ticket, start) -> Ticket:
        """Forwarded, taken up, a new date with its reason, answered and approved (published)."""
        t = await self.act(t, "transfer", OPERATOR, start, agency_id=self.p.agency_id)
        t = await self.act(t, "take_up", self.p.staff, start + timedelta(hours=1))
        t = await self.act(t, "reschedule", self.p.staff, start + timedelta(hours=2), date=local(2026, 11, 27, 16, 30),
                           reason=DELAY_REASON)
        t = await self.act(t, "answer", self.p.staff, start + timedelta(hours=3), result=ANSWER)
        return await self.act(t, "approve", self.p.leader, start + timedelta(hours=4))

    async def thread(self, conv_id: int) -> list[str]:
        """What the conversation shows the operators as sent to the citizen."""
        async with self.sessions() as s:
            return list(await s.scalars(select(ConversationMessage.body).where(
                ConversationMessage.conversation_id == conv_id, ConversationMessage.direction == "out")
                .order_by(ConversationMessage.id)))

    async def sms_to(self, ticket_id: int) -> list[SmsMessage]:
        async with self.sessions() as s:
            return list(await s.scalars(select(SmsMessage).where(  # the agency's people's SMS aside
                SmsMessage.ticket_id == ticket_id, SmsMessage.to_number.not_in((FOCAL_PHONE, HEAD_PHONE)))
                .order_by(SmsMessage.id)))

    async def delivered(self) -> None:
        """The outboxes hand everything due to the platforms and the mail server."""
        while await self.chats.send_due() or await self.mails.send_due():
            pass


@pytest.fixture
async def world(sessions, tmp_path, monkeypatch):
    platforms = Platforms()
    await platforms.server.start_server()
    base = str(platforms.server.make_url(""))
    for name, value in {"ZALO_TOKEN": "zalo-token", "FB_PAGE_TOKEN": "page-token", "ZALO_OA_SECRET": "oa-secret",
                        "FB_APP_SECRET": "fb-secret", "FB_VERIFY": "verify-me"}.items():
        monkeypatch.setenv(name, value)
    config = Messaging.model_validate({
        "zalo": {"app_id": "4321987654", "oa_secret_env": "ZALO_OA_SECRET", "access_token_env": "ZALO_TOKEN",
                 "send_url": f"{base}/zalo/v3.0/oa/message/cs"},
        "facebook": {"app_secret_env": "FB_APP_SECRET", "verify_token_env": "FB_VERIFY",
                     "page_token_env": "FB_PAGE_TOKEN", "send_url": f"{base}/facebook/v19.0/me/messages"}})
    inbox, port = SmtpInbox(), free_server_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    chats = ChatSender(sessions, config)
    mails = EmailSender(sessions, Email(gateway="smtp", host="127.0.0.1", port=port, starttls=False, sender=SENDER))
    p = await province(sessions, tmp_path, "quang_ninh")
    conversations = Conversations(sessions, p.store, Attachments(sessions, tmp_path / "f"), SENDER,
                                  lookup_url=lambda secret: f"https://1022.example.vn/p/{secret}")
    yield World(sessions, p, conversations, chats, mails, platforms, inbox)
    await chats.stop()
    controller.stop()
    await platforms.server.close()


def body_of(envelope) -> str:
    return message_from_bytes(envelope.content, policy=policy.default).get_body().get_content()


def sent_texts(platforms, channel: str, user: str) -> list[tuple[str, str | None, str]]:
    """(messaging type or None, tag, text) of each message the platform's send API took for `user`."""
    out = []
    for name, body, _ in platforms.received:
        if name == channel and (body["recipient"].get("id") or body["recipient"].get("user_id")) == user:
            out.append((body.get("messaging_type"), body.get("tag"), body["message"]["text"]))
    return out


async def test_every_notice_reaches_the_citizens_own_thread(world):
    w, start = world, MONDAY_9AM
    by_mail = await w.conversations.receive_mail(mail("<m1@example.vn>", subject="Đèn đường hỏng"), start)
    by_zalo = await w.conversations.receive_chat(ChatIn("zalo", "zalo-user-1", "zm1", "Đèn đường hỏng"), start)
    by_fb = await w.conversations.receive_chat(ChatIn("facebook", "psid-1", "fm1", "Đèn đường hỏng"), start)
    by_web, _ = await w.conversations.start_web("Trần Văn Nam", None, None, "Đèn đường hỏng", start)
    convs = {"email": by_mail, "zalo": by_zalo, "facebook": by_fb, "webchat": by_web}
    tickets = {name: await w.submitted(conv) for name, conv in convs.items()}
    for t in tickets.values():
        await w.handled(t, start)
    await w.delivered()

    for name, conv in convs.items():
        t = tickets[name]
        link = f"https://1022.example.vn/p/{t.public_secret}"
        sent = await w.thread(conv)
        notices = sent[1:] if name != "webchat" else sent  # after the conversation's receipt (none on the page)
        assert len(notices) == 3, (name, sent)
        forwarded, delay, result = notices
        assert f"{t.code} đã được chuyển đến Công ty Điện lực" in forwarded and link in forwarded, name
        assert "16:30 27/11/2026" in delay and DELAY_REASON in delay and link in delay, name
        assert ANSWER in result and t.code in result and link in result, name  # the whole approved answer
        assert await w.sms_to(t.id) == []  # nobody had a phone to text: the thread was enough

    # Mail: each notice in the citizen's thread, answering the citizen's own message.
    to_citizen = [m for m in w.inbox.messages if m.rcpt_tos == ["hoa@example.vn"]]
    assert len(to_citizen) == 4  # the receipt and three notices
    for envelope in to_citizen[1:]:
        sent = message_from_bytes(envelope.content, policy=policy.default)
        assert sent["In-Reply-To"] == "<m1@example.vn>" and tickets["email"].code in sent["Subject"]
    assert ANSWER in body_of(to_citizen[-1])
    # Zalo and Messenger: the platforms' send APIs took them as answers within the window.
    for channel, user in (("zalo", "zalo-user-1"), ("facebook", "psid-1")):
        texts = sent_texts(w.platforms, channel, user)
        assert len(texts) == 4 and ANSWER in texts[-1][2], channel
        assert all(tag is None for _, tag, _ in texts), channel
    assert {kind for kind, _, _ in sent_texts(w.platforms, "facebook", "psid-1")} == {"RESPONSE"}

    # A refusal with its reason, on each channel.
    later = start + timedelta(hours=5)
    for name, chat in (("zalo", ChatIn("zalo", "zalo-user-2", "zm2", "Tranh chấp đất")),
                       ("facebook", ChatIn("facebook", "psid-2", "fm2", "Tranh chấp đất"))):
        conv = await w.conversations.receive_chat(chat, later)
        t = await w.act(await w.submitted(conv), "reject", OPERATOR, later, reason=REASON)
        assert f"{t.code} không được tiếp nhận: {REASON}" in (await w.thread(conv))[-1], name
    conv = await w.conversations.receive_mail(mail("<m2@example.vn>", subject="Tranh chấp đất"), later)
    t = await w.act(await w.submitted(conv), "reject", OPERATOR, later, reason=REASON)
    assert REASON in (await w.thread(conv))[-1]
    conv, _ = await w.conversations.start_web("Trần Văn Nam", None, None, "Tranh chấp đất", later)
    t = await w.act(await w.submitted(conv), "reject", OPERATOR, later, reason=REASON)
    assert (await w.thread(conv)) == [
        f"Phản ánh mã số {t.code} không được tiếp nhận: {REASON}. Chi tiết: https://1022.example.vn/p/{t.public_secret}"]
    await w.delivered()
    assert REASON in body_of(w.inbox.messages[-1])
    assert [REASON in text for _, _, text in sent_texts(w.platforms, "zalo", "zalo-user-2")] == [False, True]


async def test_outside_a_platforms_window_a_tag_an_sms_or_the_supervisors_list(world):
    w, start = world, MONDAY_9AM
    fb = await w.conversations.receive_chat(ChatIn("facebook", "psid-9", "fm9", "Đèn đường hỏng"), start)
    zalo_phone = await w.conversations.receive_chat(ChatIn("zalo", "zalo-user-8", "zm8", "Cống tắc"), start)
    zalo_none = await w.conversations.receive_chat(ChatIn("zalo", "zalo-user-9", "zm9", "Cống tắc"), start)
    fb_t = await w.submitted(fb)
    phone_t = await w.submitted(zalo_phone, caller_phone="0987654321")  # the citizen gave a phone on Zalo
    none_t = await w.submitted(zalo_none)
    fb_t = await w.act(fb_t, "transfer", OPERATOR, start + timedelta(hours=2), agency_id=w.p.agency_id)

    # Two days later (past Messenger's 24 hours and Zalo's 48).
    late = start + timedelta(hours=50)
    fb_t = await w.act(fb_t, "take_up", w.p.staff, late)
    fb_t = await w.act(fb_t, "answer", w.p.staff, late, result=ANSWER)
    fb_t = await w.act(fb_t, "approve", w.p.leader, late)
    phone_t = await w.act(phone_t, "reject", OPERATOR, late, reason=REASON)
    none_t = await w.act(none_t, "reject", OPERATOR, late, reason=REASON)
    await w.delivered()

    # Messenger: the forwarding as an answer; the result after 24 hours with the update tag.
    texts = sent_texts(w.platforms, "facebook", "psid-9")
    assert [(kind, tag) for kind, tag, _ in texts] == [("RESPONSE", None), ("RESPONSE", None),
                                                       ("MESSAGE_TAG", "ACCOUNT_UPDATE")]
    assert ANSWER in texts[-1][2] and ANSWER in (await w.thread(fb))[-1]
    # Zalo past its window: the refusal goes by SMS to the phone the citizen gave...
    assert [(m.to_number, m.purpose) for m in await w.sms_to(phone_t.id)] == [("0987654321", "refusal")]
    assert REASON in (await w.sms_to(phone_t.id))[0].text
    assert len(sent_texts(w.platforms, "zalo", "zalo-user-8")) == 1  # the receipt only
    # ...and without one it is on the ticket and the supervisors' list of undelivered notices.
    assert await w.sms_to(none_t.id) == [] and len(sent_texts(w.platforms, "zalo", "zalo-user-9")) == 1
    async with w.sessions() as s:
        listed = await undelivered(s, utcnow() - timedelta(days=1))
    assert [(x["code"], x["purpose"], x["reason"]) for x in listed] == [(none_t.code, "refusal", "outside_window")]

    # A citizen who texted the hotline is answered by SMS, in the same conversation, with the notice's purpose.
    by_sms = await w.conversations.receive(Inbound("sms", "0912000111", "sms:g1", "Cống tắc"), late)
    sms_t = await w.act(await w.submitted(by_sms), "reject", OPERATOR, late, reason=REASON)
    assert [(m.to_number, m.purpose) for m in await w.sms_to(sms_t.id)] == [("0912000111", "receipt"),
                                                                            ("0912000111", "refusal")]
    assert REASON in (await w.thread(by_sms))[-1]

"""Citizens' SMS to the hotline as a channel. The SMS gateway posts each message it receives for
the hotline's number to POST /webhooks/sms as JSON, `{"id": "<the gateway's message id>", "from":
"<the citizen's number>", "text": "..."}`, signed with `X-Hotline-Signature: sha256=<hex>`: the
HMAC-SHA256 of the exact body under the installation's secret (`[messaging.sms] secret_env`). A
message from a number joins its conversation that is not closed, or starts one with a draft
ticket and a receipt by SMS; the operator's answers go through the SMS outbox and gateway. A
message posted again (the gateway retries) is kept once, by its id."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Callable

from hotline.conversations.channels.contract import (PHONE_NUMBER, Events, Inbound, Quiet, Receipt,
                                                     Unverified)
from hotline.conversations.platforms import parse_event, same_secret
from hotline.credentials import secret
from hotline.errors import Refused
from hotline.notifications.outbox import enqueue, enqueue_to_citizen
from hotline.notifications.sms import MAX_SEGMENTS, segments
from hotline.phones import national, vietnamese_mobile
from hotline.settings import SmsInbox
from hotline.store.conversations import Conversation, ConversationMessage

HEADER = "X-Hotline-Signature"
MAX_BODY = 64 * 1024  # one message (a long SMS is a few hundred characters)


def signature(body: bytes, key: str) -> str:
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def _fit(*texts: str) -> str:
    return next((t for t in texts if segments(t) <= MAX_SEGMENTS), texts[-1])


class SmsChannel(Quiet):
    name = "sms"
    address_kind = PHONE_NUMBER
    webhook_path = "/webhooks/sms"
    webhook_header = HEADER
    webhook_max_bytes = MAX_BODY
    longest = 0  # notices go as the short SMS texts a caller gets

    def __init__(self, config: SmsInbox | None, wake: Callable[[], None] = lambda: None):
        self.config = config
        self.wake = wake  # the SMS outbox

    def verify(self, headers, body: bytes, now: datetime) -> bool:
        key = secret(self.config.secret_env) if self.config else ""
        if not key or not same_secret(signature(body, key), (headers.get(HEADER) or "").strip().lower()):
            raise Unverified("bad_signature", "Chữ ký không hợp lệ")
        return True

    def parse(self, body: bytes, proof) -> Events | None:
        event = parse_event(body)
        if event is None:
            return None
        number, message_id, text = national(str(event.get("from", ""))[:40]), event.get("id"), event.get("text")
        if not 8 <= len(number) <= 15 or not isinstance(message_id, (str, int)) or not isinstance(text, str):
            return None
        return Events([Inbound(self.name, number, f"sms:{message_id}"[:300], text[:5000])])

    def ticket_fields(self, inbound: Inbound, text: str) -> dict:
        return {"channel": self.name, "caller_phone": inbound.sender, "content": text}

    async def send(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
                   key: str) -> ConversationMessage:
        number = vietnamese_mobile(conv.citizen_address)
        if number is None:
            raise Refused(422, "Số điện thoại này không nhận được tin nhắn SMS của tổng đài", "sms_unreachable")
        if segments(text) > MAX_SEGMENTS:
            raise Refused(422, f"Tin nhắn SMS dài quá {MAX_SEGMENTS} phần (khoảng {MAX_SEGMENTS * 67} ký tự có "
                               "dấu); hãy viết ngắn lại hoặc chia thành nhiều tin", "sms_too_long")
        enqueue(s, number, text, "conversation", conv.ticket_id)
        return self._kept(s, conv, text, author, now, key)

    async def notify(self, s, conv: Conversation, text: str, purpose: str, now: datetime, key: str,
                     reach) -> ConversationMessage:
        """A ticket's notice: the SMS the citizen would get as a caller, with its own purpose (the
        texts are the SMS notices' own, within their length)."""
        number = vietnamese_mobile(conv.citizen_address)
        if number is None:
            raise Refused(422, "Số điện thoại này không nhận được tin nhắn SMS của tổng đài", "sms_unreachable")
        enqueue(s, number, text, purpose, conv.ticket_id)
        return self._kept(s, conv, text, None, now, key)

    async def receipt(self, s, conv: Conversation, inbound: Inbound, receipt: Receipt, now: datetime,
                      policy) -> ConversationMessage | None:
        """Within the SMS length rule and the daily cap of messages to one citizen's number."""
        text = (f"Tổng đài 1022 đã nhận phản ánh của Ông/Bà, mã {receipt.code}. Điện thoại viên sẽ trả lời "
                "qua SMS.")
        text = _fit(f"{text} Theo dõi: {receipt.link}", text) if receipt.link else text
        queued = await enqueue_to_citizen(s, conv.citizen_address, text, "receipt", conv.ticket_id,
                                          policy.receipts_per_address_per_day)
        return self._kept(s, conv, text, None, now, f"conversation:{conv.id}:receipt") if queued else None

    def _kept(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
              key: str) -> ConversationMessage:
        msg = ConversationMessage(conversation_id=conv.id, channel=self.name, external_id=f"sms:out:{key}",
                                  direction="out", author=author, body=text, created_at=now)
        s.add(msg)
        return msg

    async def sent(self, conv_id: int, message: ConversationMessage) -> None:
        self.wake()

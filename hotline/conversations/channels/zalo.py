"""Zalo Official Account as a channel: events posted to POST /webhooks/zalo, signed with
`X-ZEvent-Signature` (SHA-256 of app id, exact body, the event's timestamp and the OA secret key)
and taken only within `event_window_seconds` of that timestamp; answers through the OA's send API
(the chat outbox). Zalo's OA API has no typing or read call for the OA's side."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.conversations import platforms
from hotline.conversations.channels.contract import Events, Reach, Read, Unverified
from hotline.conversations.channels.platform import PlatformChannel, inbound_of
from hotline.settings import Zalo
from hotline.store.conversations import Conversation

# Zalo OA's reply messages ("tin phản hồi"): an OA may send 8 within 48 hours of the user's last
# message to it, the count renewed by each new message of the user; a 9th, or one after 48 hours,
# is a proactive message ("tin chủ động", paid, for verified OAs only, or a ZNS template), which
# the hotline does not send (Zalo OA's help centre, "Các loại tin của Zalo Official Account",
# https://zalooa.freshdesk.com/support/solutions/articles/64000261136).
WINDOW = timedelta(hours=48)
REPLIES_PER_MESSAGE = 8


class ZaloChannel(PlatformChannel):
    name = "zalo"
    webhook_path = "/webhooks/zalo"
    webhook_header = "X-ZEvent-Signature"

    def __init__(self, config: Zalo | None, **kwargs):
        super().__init__(**kwargs)
        self.config = config

    def reach(self, conv: Conversation, last_in: datetime | None, sent_since: int, now: datetime) -> Reach | None:
        """A reply message within 48 hours of the citizen's last message and 8 replies to it."""
        if last_in is not None and now - last_in < WINDOW and sent_since < REPLIES_PER_MESSAGE:
            return Reach()
        return None

    def verify(self, headers, body: bytes, now: datetime) -> str:
        timestamp = platforms.zalo_signed_timestamp(self.config, body, headers.get(self.webhook_header))
        if timestamp is None:
            raise Unverified("bad_signature", "Chữ ký không hợp lệ")
        if not platforms.zalo_fresh(timestamp, self.config.event_window_seconds, now):
            raise Unverified("stale_event", "Sự kiện đã quá hạn")
        return timestamp

    def parse(self, body: bytes, proof: str) -> Events | None:
        event = platforms.zalo_event(self.config, body, proof)
        if event is None:
            return None
        return Events([inbound_of(c) for c in platforms.zalo_messages(event)],
                      [Read(r.channel, r.user_id, r.at) for r in platforms.zalo_reads(event)])

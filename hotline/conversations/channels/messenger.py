"""Facebook Messenger as a channel: the subscription check (GET /webhooks/facebook with the verify
token), events posted to POST /webhooks/facebook signed with `X-Hub-Signature-256` (HMAC-SHA256 of
the exact body with the app secret); answers through the Send API (the chat outbox); the page's
sender actions say the operator is writing or has read."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.conversations import platforms
from hotline.conversations.channels.contract import Events, Reach, Read, Unverified
from hotline.conversations.channels.platform import SEEN, TYPING, PlatformChannel, inbound_of
from hotline.settings import Facebook
from hotline.store.conversations import Conversation

# Messenger's standard messaging window: a page answers within 24 hours of the person's last
# message; after it only a message tag may be used, for the tag's own kind of update
# (https://developers.facebook.com/docs/messenger-platform/policy/policy-overview and
# https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags).
# ACCOUNT_UPDATE is the tag for "a non-recurring change to their application or account" (an
# application's status): a report's status, new date and result are that change to the request
# the person made on the page. Nothing promotional is ever sent with it.
WINDOW = timedelta(hours=24)
UPDATE_TAG = "ACCOUNT_UPDATE"


class MessengerChannel(PlatformChannel):
    name = "facebook"
    webhook_path = "/webhooks/facebook"
    webhook_header = "X-Hub-Signature-256"

    def __init__(self, config: Facebook | None, **kwargs):
        super().__init__(**kwargs)
        self.config = config

    def reach(self, conv: Conversation, last_in: datetime | None, sent_since: int, now: datetime) -> Reach | None:
        """A standard message within 24 hours of the citizen's last message, else the update tag."""
        if last_in is not None and now - last_in < WINDOW:
            return Reach()
        return Reach(tag=UPDATE_TAG) if last_in is not None else None

    def subscription(self, mode: str | None, token: str | None) -> bool:
        """The webhook's subscription check (GET with hub.mode, hub.verify_token, hub.challenge)."""
        return platforms.facebook_subscription(self.config, mode, token)

    def verify(self, headers, body: bytes, now: datetime) -> bool:
        if not platforms.facebook_signed(self.config, body, headers.get(self.webhook_header)):
            raise Unverified("bad_signature", "Chữ ký không hợp lệ")
        return True

    def parse(self, body: bytes, proof) -> Events | None:
        event = platforms.facebook_event(body)
        if event is None:
            return None
        return Events([inbound_of(c) for c in platforms.facebook_messages(event)],
                      [Read(r.channel, r.user_id, r.at) for r in platforms.facebook_reads(event)])

    async def typing(self, conv_id: int, address: str) -> None:
        self._act(address, TYPING)

    async def read(self, conv_id: int, address: str, up_to: int) -> None:
        self._act(address, SEEN)

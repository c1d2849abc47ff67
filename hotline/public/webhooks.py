"""The written channels' webhooks: one route per configured webhook channel (Zalo OA: POST
/webhooks/zalo; Messenger: GET and POST /webhooks/facebook; citizens' SMS: POST /webhooks/sms),
one handler for all: no session, each request must carry its channel's signature over the exact
body, which the channel's adapter checks before anything in the body is parsed (a forged or
missing one, or a Zalo event far from its signed time, is refused 401 and changes nothing; a
signed body that is not an event gets 400); the adapter then parses it, and the conversation
core keeps each message and read mark. The senders want a quick 200: the work is one
transaction per message."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from aiohttp import web

from hotline.conversations import channels as registry
from hotline.conversations.channels import Channels
from hotline.conversations.channels.contract import Channel, Unverified
from hotline.conversations.service import Conversations
from hotline.security.clients import client_address
from hotline.settings import Messaging
from hotline.web.auth import error
from hotline.web.routes import Resource, Route, public

log = logging.getLogger(__name__)

# The largest request each channel's sender posts (Messenger batches up to 1,000 events).
BODY_LIMITS = {a.webhook_path: a.webhook_max_bytes for a in registry.build() if a.webhook_path}
SIGNED = {"type": "object", "description": "the channel's event, as its documentation gives it"}


class Webhooks(Resource):
    def __init__(self, channels: Channels | Messaging, conversations: Conversations):
        # The registry the settings built (a `Messaging` block alone: the platforms' webhooks).
        self.channels = channels if isinstance(channels, Channels) else registry.build(channels)
        self.conversations = conversations

    def routes(self) -> list[Route]:
        routes = []
        for channel in self.channels.webhooks():
            if hasattr(channel, "subscription"):
                routes.append(Route("GET", channel.webhook_path, self._subscribe(channel),
                                    f"{channel.name}: the subscription check (hub.mode, hub.verify_token, "
                                    "hub.challenge)", extra=("403",)))
            routes.append(Route("POST", channel.webhook_path, self._events(channel),
                                f"{channel.name} events, signed ({channel.webhook_header})", SIGNED,
                                extra=("400", "401", "411", "413")))
        return routes

    @staticmethod
    async def _body(request: web.Request, limit: int) -> bytes | None:
        """The whole body, or None past the limit (the body-limit middleware has already refused a
        body without a length, or announcing more)."""
        length = request.content_length
        if length is None or length > limit:
            return None
        return await request.content.readexactly(length) if length else b""

    def _events(self, channel: Channel):
        @public
        async def events(request: web.Request) -> web.Response:
            body = await self._body(request, channel.webhook_max_bytes)
            if body is None:
                return error(413, "Sự kiện quá lớn")
            try:
                proof = channel.verify(request.headers, body, datetime.now(timezone.utc))
            except Unverified as refused:
                log.warning("%s webhook: %s from %s", channel.name, refused.code, client_address(request))
                return error(401, refused.message, refused.code)
            events = channel.parse(body, proof)
            if events is None:
                return error(400, "Sự kiện không hợp lệ", "bad_event")
            for inbound in events.messages:
                await self.conversations.receive(inbound)
            for read in events.reads:
                await self.conversations.read_on_platform(read.channel, read.sender, read.at)
            return web.json_response({"ok": True})
        events.__name__ = f"{channel.name}_events"
        return events

    @staticmethod
    def _subscribe(channel: Channel):
        @public
        async def subscribe(request: web.Request) -> web.Response:
            q = request.query
            if not channel.subscription(q.get("hub.mode"), q.get("hub.verify_token")):
                return error(403, "Mã xác minh không đúng")
            return web.Response(text=q.get("hub.challenge", "")[:200], content_type="text/plain")
        subscribe.__name__ = f"{channel.name}_subscribe"
        return subscribe

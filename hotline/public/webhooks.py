"""The chat platforms' webhooks: Zalo OA (POST /webhooks/zalo) and Facebook Messenger (GET and
POST /webhooks/facebook). No session: each event must carry the platform's signature over the
exact body, checked before anything in the body is parsed (a forged or missing one, or a Zalo event
far from its signed time, is refused 401 and changes nothing; a signed body that is not an event
gets 400); a citizen's message
becomes or joins a conversation, and a read receipt marks the hotline's answers read. The
platforms want a quick 200: the work is one transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from aiohttp import web

from hotline.conversations import platforms
from hotline.conversations.service import Conversations
from hotline.security.clients import client_address
from hotline.settings import Messaging
from hotline.web.auth import error
from hotline.web.routes import Resource, Route, public

log = logging.getLogger(__name__)

# Messenger batches up to 1,000 events in one request; a Zalo event is one message.
MAX_EVENT_BYTES = 4 * 1024 * 1024
BODY_LIMITS = {"/webhooks/zalo": MAX_EVENT_BYTES, "/webhooks/facebook": MAX_EVENT_BYTES}
SIGNED = {"type": "object", "description": "the platform's event, as its documentation gives it"}


class Webhooks(Resource):
    def __init__(self, config: Messaging, conversations: Conversations):
        self.config = config
        self.conversations = conversations

    def routes(self) -> list[Route]:
        routes = []
        if self.config.zalo is not None:
            routes.append(Route("POST", "/webhooks/zalo", self.zalo,
                                "Zalo OA events, signed (X-ZEvent-Signature)", SIGNED,
                                extra=("400", "401", "411", "413")))
        if self.config.facebook is not None:
            routes += [Route("GET", "/webhooks/facebook", self.facebook_subscribe,
                             "Messenger's subscription check (hub.mode, hub.verify_token, hub.challenge)",
                             extra=("403",)),
                       Route("POST", "/webhooks/facebook", self.facebook,
                             "Messenger events, signed (X-Hub-Signature-256)", SIGNED,
                             extra=("400", "401", "411", "413"))]
        return routes

    async def _body(self, request: web.Request) -> bytes | None:
        """The whole body, or None past the limit (the body-limit middleware has already refused a
        body without a length, or announcing more)."""
        length = request.content_length
        if length is None or length > MAX_EVENT_BYTES:
            return None
        body = await request.content.readexactly(length) if length else b""
        return body

    async def _keep(self, chats: list[platforms.ChatIn], reads: list[platforms.ChatRead]) -> web.Response:
        for chat in chats:
            await self.conversations.receive_chat(chat)
        for read in reads:
            await self.conversations.read_on_platform(read.channel, read.user_id, read.at)
        return web.json_response({"ok": True})

    @public
    async def zalo(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if body is None:
            return error(413, "Sự kiện quá lớn")
        config = self.config.zalo
        timestamp = platforms.zalo_signed_timestamp(config, body, request.headers.get("X-ZEvent-Signature"))
        if timestamp is None:
            log.warning("Zalo webhook: bad signature from %s", client_address(request))
            return error(401, "Chữ ký không hợp lệ", "bad_signature")
        if not platforms.zalo_fresh(timestamp, config.event_window_seconds, datetime.now(timezone.utc)):
            log.warning("Zalo webhook: a signed event outside its time window from %s", client_address(request))
            return error(401, "Sự kiện đã quá hạn", "stale_event")
        event = platforms.zalo_event(config, body, timestamp)
        if event is None:
            return error(400, "Sự kiện không hợp lệ", "bad_event")
        return await self._keep(platforms.zalo_messages(event), platforms.zalo_reads(event))

    @public
    async def facebook_subscribe(self, request: web.Request) -> web.Response:
        q = request.query
        if not platforms.facebook_subscription(self.config.facebook, q.get("hub.mode"), q.get("hub.verify_token")):
            return error(403, "Mã xác minh không đúng")
        return web.Response(text=q.get("hub.challenge", "")[:200], content_type="text/plain")

    @public
    async def facebook(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if body is None:
            return error(413, "Sự kiện quá lớn")
        if not platforms.facebook_signed(self.config.facebook, body, request.headers.get("X-Hub-Signature-256")):
            log.warning("Facebook webhook: bad signature from %s", client_address(request))
            return error(401, "Chữ ký không hợp lệ", "bad_signature")
        event = platforms.facebook_event(body)
        if event is None:
            return error(400, "Sự kiện không hợp lệ", "bad_event")
        return await self._keep(platforms.facebook_messages(event), platforms.facebook_reads(event))

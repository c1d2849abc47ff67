"""Web chat on the citizens' site: its own page (`/tro-chuyen`, the only public page with a
script), `POST /api/chat` to begin, and the citizen's WebSocket (`/ws/chat`) to write and read.
While the line is open and an operator is available, the chat is a conversation in the operators'
inbox; otherwise what the citizen wrote becomes a written report with a receipt code. The chat's
only credential is the secret `POST /api/chat` returns (the page keeps it in memory)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from datetime import datetime, timezone
from typing import Callable

from aiohttp import WSMsgType, web

from hotline.conversations.service import Conversations
from hotline.events.bus import EventBus
from hotline.events.types import ChatToCitizen
from hotline.errors import Refused
from hotline.public.desk import digits, public_link
from hotline.public.pages import PublicPages
from hotline.security.clients import client_address
from hotline.security.limits import RateLimiter
from hotline.web.auth import error, same_origin
from hotline.web.routes import Resource, Route, public
from hotline.web.validation import ChatStartIn, parse_body

log = logging.getLogger(__name__)

MAX_SOCKET_MESSAGE = 16 * 1024
CHATS_PER_ADDRESS = 10  # per hour: a script cannot fill the inbox
MESSAGES_PER_MINUTE = 30  # in one chat: more than a person types


class WebChat(Resource):
    def __init__(self, pages: PublicPages, conversations: Conversations, bus: EventBus,
                 available: Callable[[datetime], bool]):
        self.pages = pages
        self.conversations = conversations
        self.available = available  # the line is open and an operator can take a chat
        self.sockets: dict[int, set[web.WebSocketResponse]] = defaultdict(set)
        self.starts = RateLimiter(CHATS_PER_ADDRESS, 3600)
        self.messages = RateLimiter(MESSAGES_PER_MINUTE, 60)
        self.typing = RateLimiter(1, 2)
        bus.subscribe(self._to_citizen, ChatToCitizen)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/tro-chuyen", self.page, "The web chat page", documented=False),
            Route("POST", "/api/chat", self.start,
                  "A citizen begins a chat: a conversation (with its secret) while an operator is available, "
                  "else a written report (with its receipt code)", ChatStartIn, ok="201", extra=("422", "429")),
            Route("GET", "/ws/chat", self.socket,
                  "The citizen's chat socket: first {\"token\"}, then {\"text\"}, {\"typing\": true} or "
                  "{\"read\": id}; receives the operators' messages, typing and reading", documented=False),
        ]

    @public
    async def page(self, request: web.Request) -> web.Response:
        return self.pages.render("chat.html.j2", title="Trò chuyện với Tổng đài 1022", scripts=True)

    @public
    async def start(self, request: web.Request) -> web.Response:
        address = client_address(request)
        if self.starts.retry_after(address):
            return error(429, "Quá nhiều cuộc trò chuyện từ địa chỉ này; thử lại sau", "rate_limited")
        body = await parse_body(request, ChatStartIn)
        topics = {q.topic for q in self.pages.desk.handling.profile.queues.queues}
        if body.topic not in topics:
            raise Refused(422, "Lĩnh vực không hợp lệ")
        self.starts.hit(address)
        phone = digits(body.caller_phone) or None
        now = datetime.now(timezone.utc)
        if not self.available(now):
            ticket = await self.pages.desk.submit({"reporter_name": body.reporter_name, "caller_phone": phone,
                                                   "topic": body.topic, "content": body.text}, [], now)
            link = public_link(self.pages.desk.handling.lookup_url, ticket.public_secret)
            return web.json_response({"mode": "report", "code": ticket.code, "link": link}, status=201,
                                     headers={"Cache-Control": "no-store"})
        conv_id, token = await self.conversations.start_web(body.reporter_name, phone, body.topic, body.text, now)
        return web.json_response({"mode": "chat", "token": token}, status=201,
                                 headers={"Cache-Control": "no-store"})

    @public
    async def socket(self, request: web.Request) -> web.StreamResponse:
        if not same_origin(request):
            return error(403, "Nguồn kết nối không được phép", "origin_refused")
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_SOCKET_MESSAGE)
        await ws.prepare(request)
        conv_id = None
        try:
            first = await asyncio.wait_for(ws.receive(), 10)
            token = _data(first).get("token")
            token = token if isinstance(token, str) and len(token) < 100 else None
            conv_id = await self.conversations.web_conversation(token) if token else None
            if conv_id is None:
                await ws.close(code=4403, message=b"unknown chat")
                return ws
            self.sockets[conv_id].add(ws)
            detail = await self.conversations.detail(conv_id)
            await ws.send_json({"type": "history", "read_up_to": detail["operator_read_id"], "messages": [
                {"id": m["id"], "direction": m["direction"], "body": m["body"], "created_at": m["created_at"]}
                for m in detail["messages"]]})
            async for msg in ws:
                data = _data(msg)
                try:
                    if data.get("typing") is True:
                        if not self.typing.take(str(conv_id)):  # at most one every two seconds is passed on
                            await self.conversations.citizen_typing(conv_id)
                    elif type(data.get("read")) is int and 0 < data["read"] < 2**31:
                        await self.conversations.read_by_citizen(conv_id, data["read"])
                    elif isinstance(data.get("text"), str) and data["text"].strip():
                        if self.messages.take(str(conv_id)):
                            await ws.send_json({"type": "slow_down", "ref": str(data.get("ref", ""))[:40],
                                                "message": "Quý vị gửi quá nhanh; tin nhắn chưa được gửi, "
                                                           "vui lòng chờ giây lát rồi gửi lại"})
                            continue
                        kept = await self.conversations.receive_web(conv_id, data["text"][:5000])
                        await ws.send_json({"type": "sent", "id": kept["id"], "created_at": kept["created_at"],
                                            "ref": str(data.get("ref", ""))[:40]})
                except Refused as exc:
                    await ws.send_json({"type": "closed", "message": str(exc)})
                    break
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            if conv_id is not None:
                self.sockets[conv_id].discard(ws)
                if not self.sockets[conv_id]:
                    self.sockets.pop(conv_id, None)
            await ws.close()
        return ws

    async def _to_citizen(self, event: ChatToCitizen) -> None:
        d = event.data
        if d.get("closed"):
            out = {"type": "closed", "message": "Điện thoại viên đã kết thúc cuộc trò chuyện. Cảm ơn quý vị."}
        elif d.get("typing"):
            out = {"type": "typing"}
        elif d.get("read_up_to"):
            out = {"type": "read", "up_to": d["read_up_to"]}
        else:
            out = {"type": "message", "id": d["id"], "direction": "out", "body": d["body"],
                   "created_at": d["created_at"]}
        for ws in list(self.sockets.get(d["conversation_id"], ())):
            try:
                await ws.send_json(out)
            except ConnectionError:
                pass


def _data(msg) -> dict:
    """A text frame's JSON object ({} for anything else)."""
    if msg.type != WSMsgType.TEXT:
        return {}
    try:
        data = json.loads(msg.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

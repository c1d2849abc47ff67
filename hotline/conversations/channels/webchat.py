"""Web chat on the citizens' site as a channel: the chat socket (`hotline.public.webchat`) hands
what the citizen writes over, in the conversation the page's secret opened; answers, typing and
read marks go straight to the citizen's open page (ChatToCitizen on the bus), nothing is queued."""

from __future__ import annotations

from datetime import datetime

from hotline.conversations.channels.contract import PHONE_NUMBER, Inbound, Quiet, Reach
from hotline.events.bus import EventBus
from hotline.events.types import ChatToCitizen
from hotline.errors import Refused
from hotline.store.conversations import Conversation, ConversationMessage

CLOSED = "Cuộc trò chuyện đã kết thúc"


class WebChatChannel(Quiet):
    name = "webchat"
    address_kind = PHONE_NUMBER  # the phone the citizen typed, if any
    event_actor = "citizen"

    def __init__(self, bus: EventBus | None = None):
        self.bus = bus

    def inbound(self, text: str, external_id: str, conversation_id: int | None = None, name: str | None = None,
                phone: str | None = None, topic: str | None = None, access_hash: str | None = None) -> Inbound:
        return Inbound(self.name, phone or "—", external_id, text, sender_name=name, conversation_id=conversation_id,
                       extra={"phone": phone, "topic": topic, "access_hash": access_hash})

    async def thread(self, s, inbound: Inbound) -> Conversation | None:
        """The conversation the page's secret opened (none yet: the chat begins)."""
        if inbound.conversation_id is None:
            return None
        conv = await s.get(Conversation, inbound.conversation_id)
        if conv is None or conv.status == "closed":
            raise Refused(409, CLOSED, "conversation_closed")
        return conv

    def ticket_fields(self, inbound: Inbound, text: str) -> dict:
        return {"channel": "web", "caller_phone": inbound.extra.get("phone"), "reporter_name": inbound.sender_name,
                "topic": inbound.extra.get("topic"), "content": text}

    def conversation_fields(self, inbound: Inbound) -> dict:
        return {"citizen_name": inbound.sender_name, "access_hash": inbound.extra.get("access_hash")}

    def reach(self, conv: Conversation, last_in, sent_since, now) -> Reach | None:
        """The chat is read on the citizen's page: a closed one is gone from it."""
        return Reach() if conv.status != "closed" else None

    async def receipt(self, s, conv, inbound, receipt, now, policy) -> None:
        return None  # the page itself is the receipt: the operator answers while it is open

    async def send(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
                   key: str) -> ConversationMessage:
        msg = ConversationMessage(conversation_id=conv.id, channel=self.name, external_id=f"webchat:{key}",
                                  direction="out", author=author, body=text, created_at=now)
        s.add(msg)
        return msg

    async def _page(self, data: dict) -> None:
        if self.bus is not None:
            await self.bus.publish(ChatToCitizen(data=data))

    async def sent(self, conv_id: int, message: ConversationMessage) -> None:
        await self._page({"conversation_id": conv_id, "id": message.id, "body": message.body,
                          "created_at": message.created_at.isoformat()})

    async def typing(self, conv_id: int, address: str) -> None:
        await self._page({"conversation_id": conv_id, "typing": True})

    async def read(self, conv_id: int, address: str, up_to: int) -> None:
        await self._page({"conversation_id": conv_id, "read_up_to": up_to})

"""The one contract every written channel implements (e-mail, web chat, Zalo, Messenger, SMS).

The conversation core (`hotline.conversations.service`) is plain Python against `Channel`, as the
IVR is against its own `Channel` (`hotline.ivr.session`): it keeps conversations, tickets,
deadlines and read marks, and asks the channel's adapter only what differs between channels:

- **receive**: a webhook channel verifies a request over its exact bytes (`verify`, before
  anything in the body is parsed) and parses it into `Inbound` messages and `Read` marks
  (`parse`); e-mail and web chat build their `Inbound` from the mailbox and the chat socket. The
  core's one intake (`Conversations.receive`) takes any `Inbound`; the adapter says which
  conversation it continues (`thread`), whether a new one may start (`refuse_new`), and what the
  draft ticket and conversation hold (`ticket_fields`, `conversation_fields`).
- **send**: `send` writes an answer into the channel's durable outbox (or straight to the
  citizen's page) inside the caller's transaction and returns the kept message; `sent` runs after
  the commit (wakes the outbox, tells the citizen's page).
- **receipt**: `receipt` sends the citizen the new ticket's code, as the channel allows.
- **notices** (the ticket's notices in the citizen's own thread, `hotline.conversations.notices`):
  `reach` says whether and how the channel may send now by the platform's messaging rules (its
  window after the citizen's last message, a message tag outside it), `longest` how long a
  message it carries whole, and `notify` writes the notice as an outgoing message of the
  conversation in the move's transaction.
- **typing and read** (optional, best effort): `typing` and `read` tell the citizen the operator
  is writing or has read; channels without such a thing do nothing.

An adapter names its channel (`name`, stored with each conversation and message) and the kind of
address the citizen has there (`address_kind`: the privacy code finds a citizen's conversations
by it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Protocol

from hotline.config.conversations import ConversationPolicy
from hotline.store.conversations import Conversation, ConversationMessage

# The kinds of citizen address (Conversation.address_kind).
EMAIL_ADDRESS, PHONE_NUMBER, PLATFORM_ID = "email", "phone", "platform"


@dataclass
class RemoteFile:
    """A file a citizen sent that the channel keeps elsewhere (a platform's host): fetched later,
    checked like an upload; no `url` for what is not a file (a location, a sticker)."""

    kind: str
    url: str | None
    name: str


@dataclass
class Inbound:
    """One message from a citizen, whatever the channel."""

    channel: str
    sender: str  # the citizen's address there: e-mail address, phone number, platform user id
    external_id: str  # the channel's id of the message, unique per channel (kept once)
    text: str
    sender_name: str | None = None
    subject: str | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)  # received with the message
    remote_files: list[RemoteFile] = field(default_factory=list)  # to fetch from the channel's host
    conversation_id: int | None = None  # the conversation the channel already knows (web chat)
    automatic: str | None = None  # why a machine sent it (nothing is kept); None: a person wrote it
    extra: dict[str, Any] = field(default_factory=dict)  # what only the adapter reads (topic, ...)
    original: Any = None  # the channel's own form of the message (an InboundMail)


@dataclass
class Read:
    """The citizen read what the hotline sent on the channel up to `at`."""

    channel: str
    sender: str
    at: datetime


@dataclass
class Events:
    """What one verified webhook request carried."""

    messages: list[Inbound] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)


class Unverified(Exception):
    """A webhook request refused before its body is parsed: 401 with a stable code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class InboundRefused(Exception):
    """A message the conversations will not keep (its reason, in Vietnamese); the mailbox
    quarantines such an e-mail for the supervisors rather than trying it again."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Receipt:
    """What the core gives a channel to send the receipt of a new conversation."""

    code: str  # the ticket's code
    link: str | None  # the ticket's public page (no phone number needed)


@dataclass(frozen=True)
class Reach:
    """How a channel may send a notice now: a standard message, or with the platform's message
    `tag` (outside its standard window)."""

    tag: str | None = None


class Channel(Protocol):
    name: str  # stored with conversations and messages ("email", "zalo", ...)
    address_kind: str  # EMAIL_ADDRESS, PHONE_NUMBER or PLATFORM_ID
    event_actor: str  # who the ticket's history says started the conversation

    # -- receive ---------------------------------------------------------------------------------
    # A webhook channel: its URL (None: no webhook) and its largest request in bytes.
    webhook_path: str | None
    webhook_max_bytes: int

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Any:
        """Check the request's signature over the exact bytes, parsing nothing; returns what
        `parse` needs (a proof), or raises Unverified."""

    def parse(self, body: bytes, proof: Any) -> Events | None:
        """The verified body's messages and read marks; None: not an event of this channel."""

    async def thread(self, s, inbound: Inbound) -> Conversation | None:
        """The conversation this message continues (None: it starts one)."""

    async def refuse_new(self, s, inbound: Inbound, now: datetime, policy: ConversationPolicy) -> str | None:
        """Why this message may not start a conversation (None: it may)."""

    def ticket_fields(self, inbound: Inbound, text: str) -> dict:
        """The draft ticket's fields for a new conversation (its channel, the citizen's name...)."""

    def conversation_fields(self, inbound: Inbound) -> dict:
        """A new conversation's own fields besides channel, address and times."""

    # -- send ------------------------------------------------------------------------------------
    async def send(self, s, conv: Conversation, text: str, author: str | None, now: datetime,
                   key: str) -> ConversationMessage:
        """An operator's answer, written to the channel's outbox in the caller's transaction (raise
        hotline.errors.Refused for what the channel cannot carry); returns the message kept."""

    async def receipt(self, s, conv: Conversation, inbound: Inbound, receipt: Receipt, now: datetime,
                      policy: ConversationPolicy) -> ConversationMessage | None:
        """The receipt of a new conversation, as the channel sends one (None: none sent)."""

    async def sent(self, conv_id: int, message: ConversationMessage) -> None:
        """After the commit of what `send` or `receipt` wrote: wake the outbox, tell the page."""

    # -- notices -----------------------------------------------------------------------------------
    longest: int | None  # the longest message carried whole (None: no limit)

    def reach(self, conv: Conversation, last_in: datetime | None, sent_since: int, now: datetime) -> Reach | None:
        """Whether and how a notice may go now, the citizen's last message at `last_in`, with
        `sent_since` messages sent after it (None: the channel's rules forbid it)."""

    async def notify(self, s, conv: Conversation, text: str, purpose: str, now: datetime, key: str,
                     reach: Reach) -> ConversationMessage:
        """A notice of the ticket (`purpose`: forwarded, refusal, result, ...) in the citizen's
        thread, written in the caller's transaction; returns the message kept."""

    # -- typing and read (best effort) -----------------------------------------------------------
    async def typing(self, conv_id: int, address: str) -> None:
        """The operator is writing."""

    async def read(self, conv_id: int, address: str, up_to: int) -> None:
        """The operator has read the citizen's messages up to message `up_to`."""


class Quiet:
    """Defaults for an adapter: no webhook, continues the citizen's latest conversation that is not
    closed, no limit on new ones, notices sent as answers at any time, no typing or read marks."""

    webhook_path: str | None = None
    webhook_max_bytes: int = 0
    address_kind = PLATFORM_ID

    @property
    def event_actor(self) -> str:
        return self.name

    def verify(self, headers, body, now):
        raise Unverified("bad_signature", "Kênh này không nhận sự kiện")

    def parse(self, body, proof):
        return None

    async def thread(self, s, inbound: Inbound) -> Conversation | None:
        from sqlalchemy import select

        return await s.scalar(select(Conversation).where(
            Conversation.channel == inbound.channel, Conversation.citizen_address == inbound.sender,
            Conversation.status != "closed").order_by(Conversation.id.desc()).limit(1))

    async def refuse_new(self, s, inbound, now, policy) -> str | None:
        return None

    def ticket_fields(self, inbound: Inbound, text: str) -> dict:
        return {"channel": self.name, "content": text}

    def conversation_fields(self, inbound: Inbound) -> dict:
        return {}

    longest: int | None = None

    def reach(self, conv, last_in, sent_since, now) -> Reach | None:
        return Reach()  # no window: the thread is the citizen's own (e-mail, SMS)

    async def notify(self, s, conv, text, purpose, now, key, reach):
        return await self.send(s, conv, text, None, now, key)

    async def sent(self, conv_id, message) -> None:
        pass

    async def typing(self, conv_id, address) -> None:
        pass

    async def read(self, conv_id, address, up_to) -> None:
        pass

"""Domain events, as frozen dataclasses: what the CTI model, the call tickets and the transfers
announce, subscribed to by type (`EventBus.subscribe(handler, CallEnded, ...)`).

Events a browser may see carry `data`, the view sent as the WebSocket message of type `kind`
(docs/desktop-api.md); who sees which is the hub's table (`agent_desktop/hub.py`). `agent` is the
operator an event concerns (None: supervisors only). Leg events are internal detail of Asterisk's
channels, for the transfer service, and never leave the process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: ClassVar[str]
    agent: str | None = None

    @property
    def linkedid(self) -> str | None:
        return None


@dataclass(frozen=True, kw_only=True)
class Shown(Event):
    """An event with a view for the desktops."""

    data: dict

    @property
    def linkedid(self) -> str | None:
        return self.data.get("linkedid")


@dataclass(frozen=True, kw_only=True)
class CallOffered(Shown):
    kind = "call.offered"  # the queue rings an operator: the screen pop


@dataclass(frozen=True, kw_only=True)
class CallAnswered(Shown):
    kind = "call.answered"


@dataclass(frozen=True, kw_only=True)
class CallDialing(Shown):
    kind = "call.dialing"  # an operator's call to a citizen rings the citizen's phone


@dataclass(frozen=True, kw_only=True)
class CallMissed(Shown):
    kind = "call.missed"  # the operator did not answer in time


@dataclass(frozen=True, kw_only=True)
class CallEnded(Shown):
    kind = "call.ended"


@dataclass(frozen=True, kw_only=True)
class AgentStateChanged(Shown):
    kind = "agent.state"


@dataclass(frozen=True, kw_only=True)
class QueueChanged(Shown):
    kind = "queue.changed"  # supervisors get the figures on a steady beat instead


@dataclass(frozen=True, kw_only=True)
class TicketDrafted(Shown):
    kind = "ticket.draft"  # the draft ticket of the call an operator answered


@dataclass(frozen=True, kw_only=True)
class CallbacksChanged(Shown):
    kind = "callbacks.changed"  # a callback request was added, taken, released or handled


@dataclass(frozen=True, kw_only=True)
class ConversationsChanged(Shown):
    kind = "conversations.changed"  # the inbox changed: a new conversation, taken, closed, or one nobody has moved


@dataclass(frozen=True, kw_only=True)
class ConversationActivity(Shown):
    # In one conversation, for the operator who has it (`agent`) and supervisors: a new message,
    # the other side typing, or having read up to a message.
    kind = "conversation.activity"


@dataclass(frozen=True, kw_only=True)
class ChatToCitizen(Shown):
    # To the citizen's web chat page, never to desktops: an operator's message, typing, reading,
    # or the end of the chat.
    kind = "chat.message"


@dataclass(frozen=True, kw_only=True)
class TransferUpdated(Shown):
    kind = "transfer.updated"


@dataclass(frozen=True, kw_only=True)
class Leg(Event):
    """Another channel of a live call (operator, agency, local) did something."""

    call: str  # the call's linkedid
    channel: str | None = None

    @property
    def linkedid(self) -> str:
        return self.call


@dataclass(frozen=True, kw_only=True)
class LegDialBegin(Leg):
    kind = "leg.dial_begin"
    dest_channel: str | None = None


@dataclass(frozen=True, kw_only=True)
class LegDialEnd(Leg):
    kind = "leg.dial_end"
    dest_channel: str | None = None
    dial_status: str = ""


@dataclass(frozen=True, kw_only=True)
class LegAttendedTransfer(Leg):
    kind = "leg.attended_transfer"
    result: str = ""


@dataclass(frozen=True, kw_only=True)
class LegHangup(Leg):
    kind = "leg.hangup"
    cause: str = ""


@dataclass(frozen=True, kw_only=True)
class CaptionHeard(Shown):
    # A phrase of a live call, as recognised while it goes on (hotline/recordings/live.py): for the
    # operator on the call and supervisors. data: linkedid, side (caller | operator), text, operator, at, and
    # start, end: seconds from where the captions began.
    kind = "call.caption"


@dataclass(frozen=True, kw_only=True)
class AlertRaised(Shown):
    # An alert phrase of the profile heard in a live call: supervisors only. data: id, linkedid,
    # phrase, heard, side, operator, caller, at.
    kind = "call.alert"

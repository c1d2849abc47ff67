"""The live model of the contact centre, built from AMI events: calls (by linkedid), queues (who
waits, since when) and agents (logged in, paused with a reason, ringing, on a call, wrap-up).

Plain Python: `apply(event)` takes one AMI event (a dict) and returns the domain events it causes.
It never does I/O, so it unit-tests on recorded events. After an AMI reconnect the bridge calls
`reset()` and replays Asterisk's own status lists (QueueStatus, CoreShowChannels) through
`apply`, so the model is rebuilt from Asterisk rather than trusted from memory.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from hotline.events.types import (AgentStateChanged, CallAnswered, CallDialing, CallEnded, CallMissed, CallOffered, Event,
                                LegAttendedTransfer, LegDialBegin, LegDialEnd, LegHangup, QueueChanged)

# The states of a call and of an agent, with the names users read (Vietnamese).
CALL_STATES = {"ivr": "Đang nghe IVR", "queued": "Đang chờ", "dialing": "Đang gọi ra", "ringing": "Đang đổ chuông",
               "talking": "Đang nói chuyện", "transferred": "Đã chuyển cơ quan", "ended": "Đã kết thúc"}
AGENT_STATES = {"logged_out": "Chưa đăng nhập hàng đợi", "available": "Sẵn sàng", "paused": "Tạm nghỉ",
                "ringing": "Đang đổ chuông", "on_call": "Đang nghe máy", "wrapup": "Hoàn tất cuộc gọi",
                "unreachable": "Mất kết nối điện thoại"}

HOTLINE_VARS = ("HOTLINE_TOPIC", "HOTLINE_IVR_PATH", "HOTLINE_QUEUE", "HOTLINE_TICKET_CODE",
                "HOTLINE_RECORDING", "HOTLINE_EXIT_REASON", "HOTLINE_DIRECTION", "HOTLINE_AGENT", "HOTLINE_CITIZEN",
                "HOTLINE_VHOLD", "HOTLINE_URGENT")


def channel_vars(event: dict) -> dict[str, str]:
    """The ChanVariable lines of an AMI event (manager.conf channelvars), empty ones left out."""
    raw = event.get("ChanVariable", [])
    if isinstance(raw, str):
        raw = [raw]
    out = {}
    for item in raw:
        if "=" in item:
            k, v = item.split("=", 1)
            if v:
                out[k] = v
    return out


def operator_of(interface: str) -> str:
    """'PJSIP/op1' or 'PJSIP/op1-0000001a' -> 'op1'."""
    return re.sub(r"-[0-9a-f]{8}$", "", interface.split("/", 1)[-1])


def agent_id(event: dict) -> str:
    """The operator an event is about. Queue events say MemberName/Interface; the QueueMember
    entries of a QueueStatus list say Name/Location."""
    return (event.get("MemberName") or event.get("Name")
            or operator_of(event.get("Interface") or event.get("Location", "")))


@dataclass
class Call:
    linkedid: str
    caller: str = ""  # the citizen's number (the caller, or the one an operator calls)
    direction: str = "inbound"  # inbound | outbound (an operator calls a citizen)
    virtual_hold: bool = False  # the callback of a caller who kept their place in the queue
    urgent: bool = False  # the menu's urgent key (HOTLINE_URGENT): ahead of the queue, shown urgent
    dial_status: str = ""  # outbound: how the citizen's phone answered the dial (Asterisk's DIALSTATUS)
    channel: str = ""
    topic: str | None = None
    ivr_path: str = ""
    queue: str | None = None
    ticket_code: str | None = None
    recording: str | None = None
    state: str = "ivr"  # ivr | queued | ringing | talking | transferred | ended; outbound: dialing
    agent: str | None = None
    agent_channel: str | None = None  # the operator's leg while it rings or talks
    transferred_to: str | None = None  # the agency the call was handed to
    started: float = field(default_factory=time.time)
    queued_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None

    def public(self) -> dict:
        return asdict(self)


@dataclass
class Agent:
    id: str
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    pause_reason: str = ""
    state: str = "logged_out"  # logged_out | available | paused | ringing | on_call | wrapup | unreachable
    since: float = field(default_factory=time.time)
    call: str | None = None  # linkedid of the call it rings for or talks on

    def public(self) -> dict:
        d = asdict(self)
        d["queues"] = sorted(self.queues)
        return d


class CtiModel:
    def __init__(self, clock=time.time):
        self.clock = clock
        self.calls: dict[str, Call] = {}
        self.agents: dict[str, Agent] = {}
        self.waiting: dict[str, dict[str, float]] = {}  # queue -> {linkedid: joined at}

    def reset(self) -> None:
        self.calls.clear()
        for a in self.agents.values():
            a.queues.clear()
            a.call = None
            a.state = "logged_out"  # until Asterisk's member list says otherwise
        self.waiting.clear()

    # -- helpers -----------------------------------------------------------------------------
    def agent(self, agent_id: str) -> Agent:
        if agent_id not in self.agents:
            self.agents[agent_id] = Agent(agent_id, since=self.clock())
        return self.agents[agent_id]

    def _set_state(self, agent: Agent, state: str) -> AgentStateChanged | None:
        if not agent.queues:
            state = "logged_out"
        elif state in ("available", "unreachable") and agent.paused:
            state = "paused"
        if state == agent.state:
            return None
        agent.state = state
        agent.since = self.clock()
        return AgentStateChanged(data=agent.public(), agent=agent.id)

    def _call(self, event: dict) -> Call | None:
        lid = event.get("Linkedid")
        if not lid:
            return None
        call = self.calls.get(lid)
        if call is None:
            call = self.calls[lid] = Call(lid, caller=event.get("CallerIDNum", ""),
                                          channel=event.get("Channel", ""), started=self.clock())
        v = channel_vars(event)
        call.topic = v.get("HOTLINE_TOPIC", call.topic)
        call.ivr_path = v.get("HOTLINE_IVR_PATH", call.ivr_path)
        call.queue = v.get("HOTLINE_QUEUE", call.queue)
        call.ticket_code = v.get("HOTLINE_TICKET_CODE", call.ticket_code)
        call.recording = v.get("HOTLINE_RECORDING", call.recording)
        call.virtual_hold = call.virtual_hold or v.get("HOTLINE_VHOLD") == "1"
        call.urgent = call.urgent or v.get("HOTLINE_URGENT") == "1"
        call.caller = v.get("HOTLINE_CITIZEN", call.caller)  # calls the hotline places to a citizen
        if v.get("HOTLINE_DIRECTION") == "outbound" and v.get("HOTLINE_AGENT"):
            # An operator's call to a citizen (outbound/agi.py set these): the operator's own
            # channel is the call's first channel.
            call.direction, call.agent, call.agent_channel = "outbound", v["HOTLINE_AGENT"], call.channel
        return call

    def queue_stats(self) -> dict:
        now = self.clock()
        stats = {}
        for q, entries in self.waiting.items():
            stats[q] = {"waiting": len(entries),
                        "longest_wait": round(now - min(entries.values()), 1) if entries else 0}
        return stats


    def live_calls(self) -> set[str]:
        """Linkedids of the calls in progress."""
        return {lid for lid, c in self.calls.items() if c.state != "ended"}

    def snapshot(self) -> dict:
        return {"calls": [c.public() for c in self.calls.values() if c.state != "ended"],
                "agents": [a.public() for a in self.agents.values()],
                "queues": self.queue_stats()}

    # -- events ------------------------------------------------------------------------------
    def apply(self, event: dict) -> list[Event]:
        handler = getattr(self, "_on_" + event.get("Event", ""), None)
        if handler is None:
            return []
        out = handler(event)
        return [e for e in (out or []) if e is not None]

    def _on_Newchannel(self, e: dict):
        if e.get("Uniqueid") == e.get("Linkedid"):
            self._call(e)

    def _on_CoreShowChannel(self, e: dict):
        # resync: caller channels of live calls
        if e.get("Uniqueid") == e.get("Linkedid"):
            call = self._call(e)
            if call and e.get("Application") == "Queue":
                call.state = call.state if call.state != "ivr" else "queued"

    def _on_QueueParams(self, e: dict):
        # resync: every configured queue, callers or not
        self.waiting.setdefault(e.get("Queue", ""), {})

    def _queue_join(self, e: dict):
        call = self._call(e)
        queue = e.get("Queue", "")
        if call is None:
            return []
        wait = float(e.get("Wait", 0) or 0)
        joined = self.clock() - wait
        self.waiting.setdefault(queue, {})[call.linkedid] = joined
        call.queue = queue
        call.state = "queued"
        call.queued_at = call.queued_at or joined
        return [QueueChanged(data={"queue": queue, **self.queue_stats().get(queue, {})})]

    _on_QueueCallerJoin = _queue_join
    _on_QueueEntry = _queue_join

    def _leave(self, e: dict):
        queue = e.get("Queue", "")
        lid = e.get("Linkedid")
        self.waiting.get(queue, {}).pop(lid, None)
        return [QueueChanged(data={"queue": queue, **self.queue_stats().get(queue, {"waiting": 0,
                                                                                     "longest_wait": 0})})]

    _on_QueueCallerLeave = _leave
    _on_QueueCallerAbandon = _leave

    def _member(self, e: dict):
        agent = self.agent(agent_id(e))
        queue = e.get("Queue", "")
        if e.get("Event") == "QueueMemberRemoved":
            agent.queues.discard(queue)
        else:
            agent.queues.add(queue)
        agent.paused = str(e.get("Paused", "0")) == "1"
        agent.pause_reason = e.get("PausedReason", "") if agent.paused else ""
        status = str(e.get("Status", ""))
        if agent.state in ("ringing", "on_call"):
            state = agent.state
        elif status in ("2", "3", "7"):  # in use / busy / on hold
            state = "on_call"
        elif status == "6":  # ringing
            state = "ringing"
        elif status in ("4", "5"):  # invalid / unavailable: the softphone is not registered
            state = "unreachable"
        else:
            state = "wrapup" if agent.state == "wrapup" and status == "" else "available"
        return [self._set_state(agent, state)]

    _on_QueueMemberAdded = _member
    _on_QueueMemberRemoved = _member
    _on_QueueMemberPause = _member
    _on_QueueMember = _member  # resync (QueueStatus)

    def _on_QueueMemberStatus(self, e: dict):
        agent = self.agent(agent_id(e))
        agent.queues.add(e.get("Queue", ""))
        agent.paused = str(e.get("Paused", "0")) == "1"
        agent.pause_reason = e.get("PausedReason", "") if agent.paused else ""
        if agent.state in ("ringing", "on_call", "wrapup"):
            return [self._set_state(agent, agent.state)]
        if str(e.get("Status", "")) in ("4", "5"):
            return [self._set_state(agent, "unreachable")]
        return [self._set_state(agent, "available")]

    def _on_UserEvent(self, e: dict):
        # HotlineOffer: sent by the queue's pre-dial handler on the operator's channel, just before
        # its INVITE; the channel's linkedid is the caller's call.
        if e.get("UserEvent") != "HotlineOffer" or not e.get("Agent") or e.get("Linkedid") not in self.calls:
            return []
        return self._offer(self.calls[e["Linkedid"]], self.agent(e["Agent"]), e.get("Channel"))

    def _on_AgentCalled(self, e: dict):
        call = self._call(e)
        agent = self.agent(agent_id(e))
        if call is None:
            return []
        if call.state == "ringing" and call.agent == agent.id:
            return []  # already offered by the pre-dial handler
        return self._offer(call, agent, e.get("DestChannel"))

    def _offer(self, call: Call, agent: Agent, agent_channel: str | None):
        call.state = "ringing"
        call.agent = agent.id
        call.agent_channel = agent_channel or call.agent_channel
        agent.call = call.linkedid
        wait = self.clock() - (call.queued_at or call.started)
        offer = {**call.public(), "wait_seconds": round(wait, 1), "agent_channel": agent_channel}
        return [CallOffered(data=offer, agent=agent.id), self._set_state(agent, "ringing")]

    def _on_AgentRingNoAnswer(self, e: dict):
        agent = self.agent(agent_id(e))
        call = self.calls.get(e.get("Linkedid", ""))
        agent.call = None
        if call and call.state == "ringing":
            call.state, call.agent = "queued", None
        return [CallMissed(data={"linkedid": e.get("Linkedid")}, agent=agent.id),
                self._set_state(agent, "available")]

    def _on_AgentConnect(self, e: dict):
        call = self._call(e)
        agent = self.agent(agent_id(e))
        if call is None:
            return []
        call.state, call.agent, call.answered_at = "talking", agent.id, self.clock()
        call.agent_channel = e.get("DestChannel") or call.agent_channel
        agent.call = call.linkedid
        return [CallAnswered(data=call.public(), agent=agent.id), self._set_state(agent, "on_call")]

    def _on_AgentComplete(self, e: dict):
        agent = self.agent(agent_id(e))
        agent.call = None
        call = self.calls.get(e.get("Linkedid", ""))
        if call and call.agent == agent.id and e.get("Reason") == "transfer":
            # The call goes on without this operator (with an agency, or back in a queue): its
            # talk time ends here and the rest of the call is not theirs.
            call.agent, call.agent_channel = None, None
            call.state = "transferred" if call.state == "talking" else call.state
        return [self._set_state(agent, "wrapup")]

    # -- transfers: the legs to agencies, reported to the transfer service ---------------------
    def _on_DialBegin(self, e: dict):
        if e.get("Linkedid") not in self.calls:
            return []
        call = self._call(e)
        out: list[Event | None] = [LegDialBegin(call=call.linkedid, channel=e.get("Channel"),
                                                dest_channel=e.get("DestChannel"))]
        if call.direction == "outbound" and call.state == "ivr":
            call.state = "dialing"
            agent = self.agent(call.agent)
            agent.call = call.linkedid
            out += [CallDialing(data=call.public(), agent=agent.id), self._set_state(agent, "on_call")]
        return out

    def _on_DialEnd(self, e: dict):
        if e.get("Linkedid") not in self.calls:
            return []
        call = self.calls[e["Linkedid"]]
        out: list[Event] = [LegDialEnd(call=call.linkedid, channel=e.get("Channel"), dest_channel=e.get("DestChannel"),
                                       dial_status=e.get("DialStatus", ""))]
        if call.direction == "outbound" and call.state == "dialing":
            call.dial_status = e.get("DialStatus", "")
            if call.dial_status == "ANSWER":
                call.state, call.answered_at = "talking", self.clock()
                out.append(CallAnswered(data=call.public(), agent=call.agent))
        return out

    def _on_AttendedTransfer(self, e: dict):
        lid = e.get("OrigTransfererLinkedid") or e.get("TransfereeLinkedid")
        call = self.calls.get(lid or "")
        if call is None:
            return []
        if e.get("Result") == "Success":
            call.state = "transferred"
        return [LegAttendedTransfer(call=call.linkedid, result=e.get("Result", ""))]

    def mark_transferred(self, linkedid: str, agency_name: str | None) -> None:
        """The transfer service completed a transfer of this call to an agency."""
        call = self.calls.get(linkedid)
        if call:
            call.transferred_to = agency_name


    def end_wrapup(self, agent_id: str) -> list[Event]:
        agent = self.agent(agent_id)
        if agent.state != "wrapup":
            return []
        return [e for e in [self._set_state(agent, "available")] if e]

    def _on_Hangup(self, e: dict):
        lid = e.get("Linkedid")
        if lid not in self.calls:
            return []
        if e.get("Uniqueid") != lid:  # another leg of a live call (operator, agency, local)
            return [LegHangup(call=lid, channel=e.get("Channel"), cause=e.get("Cause-txt", ""))]
        call = self.calls.pop(lid)
        call.state, call.ended_at = "ended", self.clock()
        for entries in self.waiting.values():
            entries.pop(lid, None)
        out: list[Event] = [CallEnded(data={**call.public(), "cause": e.get("Cause-txt", "")}, agent=call.agent)]
        for agent in self.agents.values():
            if agent.call == lid:
                agent.call = None
                out.append(self._set_state(agent, "available"))
        return out

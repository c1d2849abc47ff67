"""The CTI model on AMI events as Asterisk 16 sends them (fields trimmed to what is read)."""

from hotline.cti.model import CtiModel, operator_of

CALLER = {"Linkedid": "hotline-1.0", "Uniqueid": "hotline-1.0", "CallerIDNum": "0912345678",
          "Channel": "PJSIP/trunk-00000001"}
VARS = ["HOTLINE_TOPIC=infrastructure", "HOTLINE_IVR_PATH=2", "HOTLINE_QUEUE=infrastructure",
        "HOTLINE_TICKET_CODE=", "HOTLINE_RECORDING=/var/rec/hotline-1.0.wav"]


class Clock:
    t = 1000.0

    def __call__(self):
        return self.t


def feed(model, *events):
    out = []
    for e in events:
        out += model.apply(e)
    return out


def member(event, status="1", paused="0", reason="", queue="infrastructure", name="op1"):
    return {"Event": event, "Queue": queue, "MemberName": name, "Interface": f"PJSIP/{name}", "Status": status,
            "Paused": paused, "PausedReason": reason}


def test_operator_of_channel_names():
    assert operator_of("PJSIP/op1") == "op1"
    assert operator_of("PJSIP/op1-0000001a") == "op1"
    assert operator_of("PJSIP/front-desk") == "front-desk"


def test_a_call_from_queue_to_answer_to_hangup():
    clock = Clock()
    m = CtiModel(clock)
    feed(m, member("QueueMemberAdded"))
    assert m.agents["op1"].state == "available"
    feed(m, {"Event": "Newchannel", **CALLER})
    clock.t += 12
    out = feed(m, {"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER, "ChanVariable": VARS})
    assert m.queue_stats()["infrastructure"] == {"waiting": 1, "longest_wait": 0.0}
    assert out[0].kind == "queue.changed"
    clock.t += 3
    out = feed(m, {"Event": "AgentCalled", "Queue": "infrastructure", "MemberName": "op1", "Interface": "PJSIP/op1",
                   "DestChannel": "PJSIP/op1-00000002", **CALLER, "ChanVariable": VARS})
    offer = next(e for e in out if e.kind == "call.offered")
    assert offer.agent == "op1"
    assert offer.data["caller"] == "0912345678" and offer.data["topic"] == "infrastructure"
    assert offer.data["ivr_path"] == "2" and offer.data["wait_seconds"] == 3.0
    assert offer.data["ticket_code"] is None  # empty variables are not values
    assert m.agents["op1"].state == "ringing"
    out = feed(m, {"Event": "AgentConnect", "Queue": "infrastructure", "MemberName": "op1", **CALLER},
               {"Event": "QueueCallerLeave", "Queue": "infrastructure", **CALLER})
    assert [e.kind for e in out][:2] == ["call.answered", "agent.state"]
    assert m.agents["op1"].state == "on_call" and m.queue_stats()["infrastructure"]["waiting"] == 0
    out = feed(m, {"Event": "AgentComplete", "MemberName": "op1", "Queue": "infrastructure", **CALLER},
               {"Event": "Hangup", **CALLER})
    assert m.agents["op1"].state == "wrapup"
    assert any(e.kind == "call.ended" and e.agent == "op1" for e in out)
    assert "hotline-1.0" not in m.calls
    assert [e.data["state"] for e in m.end_wrapup("op1")] == ["available"]


def test_pause_with_reason_and_unreachable_phone():
    m = CtiModel(Clock())
    feed(m, member("QueueMemberAdded"), member("QueueMemberPause", paused="1", reason="meal"))
    assert (m.agents["op1"].state, m.agents["op1"].pause_reason) == ("paused", "meal")
    feed(m, member("QueueMemberPause", paused="0"))
    assert m.agents["op1"].state == "available"
    feed(m, member("QueueMemberStatus", status="5"))
    assert m.agents["op1"].state == "unreachable"
    feed(m, member("QueueMemberRemoved"))
    assert m.agents["op1"].state == "logged_out"


def test_ring_no_answer_puts_the_call_back_in_the_queue():
    m = CtiModel(Clock())
    feed(m, member("QueueMemberAdded"), {"Event": "Newchannel", **CALLER},
         {"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER},
         {"Event": "AgentCalled", "Queue": "infrastructure", "MemberName": "op1", **CALLER})
    out = feed(m, {"Event": "AgentRingNoAnswer", "MemberName": "op1", **CALLER})
    assert m.calls["hotline-1.0"].state == "queued" and m.agents["op1"].state == "available"
    assert out[0].kind == "call.missed"


def test_resync_rebuilds_from_status_lists():
    clock = Clock()
    m = CtiModel(clock)
    feed(m, member("QueueMemberAdded"), {"Event": "Newchannel", **CALLER},
         {"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER})
    m.reset()  # after a reconnect nothing old is trusted
    assert m.agents["op1"].state == "logged_out" and not m.calls and not m.queue_stats()
    status_entry = {"Event": "QueueMember", "Queue": "infrastructure", "Name": "op1", "Location": "PJSIP/op1",
                    "Status": "1", "Paused": "1", "PausedReason": "meal"}
    feed(m, {"Event": "QueueParams", "Queue": "infrastructure"}, status_entry,
         {"Event": "QueueEntry", "Queue": "infrastructure", "Wait": "7", **CALLER})
    assert m.agents["op1"].state == "paused"
    assert m.queue_stats()["infrastructure"] == {"waiting": 1, "longest_wait": 7.0}


def test_unknown_and_partial_events_are_ignored():
    m = CtiModel(Clock())
    assert feed(m, {"Event": "FullyBooted"}, {"Event": "AgentCalled"}, {"Event": "Hangup", "Linkedid": "x"},
                {}) == []


def test_the_pre_dial_offer_pops_before_agent_called_and_only_once():
    m = CtiModel(Clock())
    feed(m, member("QueueMemberAdded"), {"Event": "Newchannel", **CALLER},
         {"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER, "ChanVariable": VARS})
    out = feed(m, {"Event": "UserEvent", "UserEvent": "HotlineOffer", "Agent": "op1",
                   "Channel": "PJSIP/op1-00000002", "Linkedid": "hotline-1.0", "Uniqueid": "hotline-1.2"})
    offer = [e for e in out if e.kind == "call.offered"]
    assert len(offer) == 1 and offer[0].agent == "op1" and offer[0].data["queue"] == "infrastructure"
    out = feed(m, {"Event": "AgentCalled", "Queue": "infrastructure", "MemberName": "op1", **CALLER})
    assert not [e for e in out if e.kind == "call.offered"]
    assert feed(m, {"Event": "UserEvent", "UserEvent": "Other", "Agent": "op1", "Linkedid": "hotline-1.0"}) == []


def test_an_operator_s_call_to_a_citizen_is_dialing_then_talking_then_ended():
    from hotline.events.types import CallAnswered, CallDialing, CallEnded

    m = CtiModel(clock=lambda: 100.0)
    lid = "1700000100.5"
    chan = "PJSIP/op1-00000007"
    m.apply({"Event": "Newchannel", "Channel": chan, "Uniqueid": lid, "Linkedid": lid, "CallerIDNum": "op1"})
    vars_ = ["HOTLINE_DIRECTION=outbound", "HOTLINE_AGENT=op1", "HOTLINE_CITIZEN=0912345678",
             "HOTLINE_TICKET_CODE=12345678"]
    out = m.apply({"Event": "DialBegin", "Channel": chan, "Linkedid": lid, "DestChannel": "PJSIP/route-local-08",
                   "ChanVariable": vars_})
    dialing = [e for e in out if isinstance(e, CallDialing)]
    assert dialing and dialing[0].agent == "op1" and dialing[0].data["caller"] == "0912345678"
    call = m.calls[lid]
    assert (call.direction, call.state, call.agent, call.agent_channel) == ("outbound", "dialing", "op1", chan)
    assert m.agents["op1"].call == lid
    # A dial that ends without an answer is not a conversation.
    assert not [e for e in m.apply({"Event": "DialEnd", "Channel": chan, "Linkedid": lid, "DialStatus": "BUSY"})
                if isinstance(e, CallAnswered)]
    assert call.dial_status == "BUSY"  # what the end of the call reports
    call.state = "dialing"
    answered = [e for e in m.apply({"Event": "DialEnd", "Channel": chan, "Linkedid": lid, "DialStatus": "ANSWER"})
                if isinstance(e, CallAnswered)]
    assert answered and answered[0].data["ticket_code"] == "12345678" and call.state == "talking"
    ended = m.apply({"Event": "Hangup", "Channel": chan, "Uniqueid": lid, "Linkedid": lid})
    assert [e for e in ended if isinstance(e, CallEnded)][0].agent == "op1"
    assert m.agents["op1"].call is None and lid not in m.calls


def test_an_inbound_call_is_never_taken_for_an_outbound_one():
    m = CtiModel(clock=lambda: 100.0)
    lid = "1700000200.1"
    m.apply({"Event": "Newchannel", "Channel": "PJSIP/trunk-01", "Uniqueid": lid, "Linkedid": lid,
             "CallerIDNum": "0912000111"})
    m.apply({"Event": "DialBegin", "Channel": "PJSIP/trunk-01", "Linkedid": lid, "DestChannel": "PJSIP/op1-02",
             "ChanVariable": ["HOTLINE_TOPIC=general"]})
    assert m.calls[lid].direction == "inbound" and m.calls[lid].state == "ivr"


def test_an_urgent_call_is_offered_as_urgent_and_an_ordinary_one_is_not():
    m = CtiModel(Clock())
    feed(m, member("QueueMemberAdded", queue="operator"))
    offers = []
    for n, extra in ((1, ["HOTLINE_URGENT=1"]), (2, ["HOTLINE_URGENT="])):
        call = {**CALLER, "Linkedid": f"hotline-{n}.0", "Uniqueid": f"hotline-{n}.0"}
        feed(m, {"Event": "QueueCallerJoin", "Queue": "operator", **call, "ChanVariable": VARS + extra})
        out = feed(m, {"Event": "AgentCalled", "Queue": "operator", "MemberName": "op1", "Interface": "PJSIP/op1",
                       "DestChannel": f"PJSIP/op1-0000000{n}", **call, "ChanVariable": VARS + extra})
        offers.append(next(e for e in out if e.kind == "call.offered").data["urgent"])
        feed(m, {"Event": "Hangup", **call})
    assert offers == [True, False]

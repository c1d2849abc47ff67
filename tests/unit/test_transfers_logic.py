"""Transfers without I/O: outcomes from Asterisk's dial status, SMS length rules, deadlines,
directory input, and the CTI model following a transfer."""

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from hotline.agencies.schemas import AgencyIn, folded, normalise_phone
from hotline.config.deadline import Deadline
from hotline.cti.model import CtiModel
from hotline.notifications.sms import MAX_SEGMENTS, segments, transfer_slip_text
from hotline.settings import Settings
from hotline.ticketing.deadlines import due_at
from hotline.transfers.outcomes import outcome_of_dial
from hotline.workhours import CalendarConfig

UTC = timezone.utc


def test_dial_status_becomes_the_transfer_outcome():
    assert outcome_of_dial("ANSWER") is None
    assert outcome_of_dial("BUSY") == "busy"
    assert outcome_of_dial("NOANSWER") == "no_answer"
    assert outcome_of_dial("CHANUNAVAIL") == "unreachable"
    assert outcome_of_dial("CONGESTION") == "unreachable"
    assert outcome_of_dial("something new") == "unreachable"


def test_vietnamese_sms_counts_as_unicode_and_the_slip_text_fits():
    assert segments("Ma phieu 12345678") == 1
    assert segments("Mã phiếu 12345678") == 1
    assert segments("ă" * 71) == 2  # UCS-2: 70 characters, then 67 per part
    due = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    text = transfer_slip_text("12345678", "Sở Giao thông vận tải " * 10, "Sự cố hạ tầng", due, "Asia/Ho_Chi_Minh")
    assert segments(text) <= MAX_SEGMENTS
    assert "12345678" in text and "17:00 23/11/2026" in text  # shown in Vietnam's time
    assert "…" in text  # the long name was shortened, never the code or the deadline


def test_slip_deadline_counts_office_hours_even_on_a_24_7_line():
    always = CalendarConfig(always_open=True)
    friday_4pm = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
    due = due_at(friday_4pm, Deadline(amount=8, unit="working_hours"), always)
    # 1 h on Friday, then Monday 23/11 07:00-11:30 and 13:30-16:00 = 7 h.
    assert due == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert due_at(friday_4pm, Deadline(amount=5, unit="minutes"), always) == datetime(2026, 11, 20, 9, 5,
                                                                                        tzinfo=UTC)
    # Tuesday 24/11/2026 is a public holiday (Vietnam Culture Day): skipped.
    monday_4pm = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert due_at(monday_4pm, Deadline(amount=2, unit="working_hours"), always) == \
        datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_phone_numbers_are_digits_only_whatever_was_typed():
    assert normalise_phone("0277.385 1022") == "02773851022"
    assert normalise_phone("(0277) 3851022") == "02773851022"
    assert normalise_phone("+84 277 3851022") == "02773851022"
    assert normalise_phone("114") == "114"
    for bad in ("0277,1)Dial(x", "12", "0277#1", "abc"):
        with pytest.raises(ValueError):
            normalise_phone(bad)


def test_agency_input_is_validated_and_searchable_without_diacritics():
    a = AgencyIn(name="  Sở Điện lực\u0301 ", level="province", fields=["infrastructure", "infrastructure"],
                 phone="0277 3851 001")
    assert a.fields == ["infrastructure"] and a.phone == "02773851001"
    assert folded("Sở Điện lực Đồng Tháp") == "so dien luc dong thap"
    with pytest.raises(ValidationError):
        AgencyIn(name="X ngành", level="planet")
    with pytest.raises(ValidationError):
        AgencyIn(name="Cơ quan\x00", level="province")


def test_routes_default_to_the_local_agency_phones_and_names_are_checked(tmp_path):
    s = Settings(home=tmp_path, ports={"base": 40000})
    assert s.routes["local"].host == "127.0.0.1:40006"
    with pytest.raises(ValidationError):
        Settings(home=tmp_path, routes={"Bad Name": {"host": "10.0.0.1:5060"}})
    with pytest.raises(ValidationError):
        Settings(home=tmp_path, routes={"telco": {"host": "10.0.0.1:5060;transport=tcp"}})


CALLER = {"Channel": "PJSIP/trunk-00000001", "Uniqueid": "100.1", "Linkedid": "100.1", "CallerIDNum": "0912345678"}


def test_the_model_follows_a_completed_transfer():
    m = CtiModel()
    m.apply({"Event": "QueueMemberAdded", "Queue": "infrastructure", "MemberName": "op1", "Interface": "PJSIP/op1",
             "Status": "1", "Paused": "0"})
    m.apply({"Event": "Newchannel", **CALLER})
    m.apply({"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER})
    m.apply({"Event": "AgentConnect", "Queue": "infrastructure", "MemberName": "op1",
             "DestChannel": "PJSIP/op1-00000002", **CALLER})
    assert m.calls["100.1"].agent_channel == "PJSIP/op1-00000002"
    out = m.apply({"Event": "DialEnd", "Channel": "Local/1@hotline-transfer-00000000;2",
                   "DestChannel": "PJSIP/route-local-00000003", "DialStatus": "BUSY", "Linkedid": "100.1"})
    assert out[0].kind == "leg.dial_end" and out[0].dial_status == "BUSY"
    out = m.apply({"Event": "Hangup", "Channel": "PJSIP/route-local-00000003", "Uniqueid": "100.3",
                   "Linkedid": "100.1"})
    assert [e.kind for e in out] == ["leg.hangup"] and "100.1" in m.calls  # not the call's end
    m.apply({"Event": "AttendedTransfer", "Result": "Success", "OrigTransfererLinkedid": "100.1"})
    m.apply({"Event": "AgentComplete", "Queue": "infrastructure", "MemberName": "op1", "Reason": "transfer",
             "TalkTime": "12", **CALLER})
    call = m.calls["100.1"]
    assert call.state == "transferred" and call.agent is None  # the rest of the call is not op1's
    assert m.agents["op1"].state == "wrapup" and m.agents["op1"].call is None
    out = m.apply({"Event": "Hangup", **CALLER})
    assert out[0].kind == "call.ended" and out[0].agent is None and out[0].data["caller"] == "0912345678"

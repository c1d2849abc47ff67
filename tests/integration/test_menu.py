"""Callers dial the line, press keys, and land where the Đồng Tháp menu says (real Asterisk,
real FastAGI IVR, SIPp callers with RFC 2833 DTMF)."""

import asyncio
import random

import pytest

from hotline.testing.sipp import CallScript

pytestmark = pytest.mark.integration


async def test_key_2_joins_the_infrastructure_queue(line):
    call = await line.call(CallScript().pause(2000).keys("2").pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == ["infrastructure"]
    variables = call.join_vars()  # what the CTI will read from the queue event
    assert variables["HOTLINE_TOPIC"] == "infrastructure"
    assert variables["HOTLINE_IVR_PATH"] == "2"
    assert "greeting" in call.prompts()


@pytest.mark.parametrize("keys,queue,topic", [
    ("11", "procedures", "administrative_procedures"),
    ("3", "socio_economic", "socio_economic"),
    ("4", "investment", "investment"),
    ("0", "operator", "general"),
])
async def test_each_choice_lands_in_its_queue(line, keys, queue, topic):
    call = await line.call(CallScript().pause(2000).keys(keys, gap_ms=1500).pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == [queue]
    assert call.join_vars()["HOTLINE_TOPIC"] == topic
    assert call.join_vars()["HOTLINE_IVR_PATH"] == "-".join(keys)


async def test_emergency_key_says_the_numbers_and_returns_to_the_menu(line):
    # 9 -> 113/114/115 for their matters, key 1 for urgent matters of the line, * back to the main
    # menu, where the caller chooses 2 (an ordinary caller: no priority, not urgent).
    call = await line.call(CallScript().pause(2000).keys("9").pause(4000).keys("*").pause(3000).keys("2")
                           .pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    prompts = call.prompts()
    assert "emergency_menu" in prompts
    assert "main_menu" in prompts[prompts.index("emergency_menu"):]
    assert call.queues_joined() == ["infrastructure"]
    assert call.join_vars()["HOTLINE_IVR_PATH"] == "9-*-2"
    assert "HOTLINE_URGENT" not in call.join_vars()


async def test_three_invalid_keys_end_in_the_operator_queue(line):
    call = await line.call(CallScript().pause(2000).keys("7", gap_ms=3500).keys("8", gap_ms=3500)
                           .keys("5", gap_ms=3500).pause(8000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.prompts().count("invalid_choice") == 2  # the third one goes straight to operators
    assert call.queues_joined() == ["operator"]
    assert call.join_vars()["HOTLINE_EXIT_REASON"] == "invalid"


async def test_silence_ends_in_the_operator_queue(line):
    # The caller says and presses nothing; once in a queue, the hotline hangs up (the caller would
    # wait there for an operator: nothing more of the menu to hear).
    caller = "0912000" + str(random.randint(100, 999))
    call_task = asyncio.create_task(line.call(CallScript(ending="server"), caller=caller, timeout=150))
    joined = await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin"
                                     and e.get("CallerIDNum") == caller, timeout=120)
    assert joined, "the silent caller reached no queue"
    await line.instance.cli(f"channel request hangup {joined['Channel']}")
    call = await call_task
    assert call.sipp.ok, call.sipp.error_log
    assert call.prompts().count("main_menu") == 2  # repeated once, then operators
    assert call.queues_joined() == ["operator"]
    assert call.join_vars()["HOTLINE_EXIT_REASON"] == "no_input"


async def test_a_wrong_number_is_rejected_without_answering(line):
    call = await line.call(CallScript(ending="rejected:404"), number="1023")
    assert call.sipp.ok, call.sipp.error_log  # SIPp saw 404 Not Found, not 200 OK
    assert not call.of("AGIExecStart")
    assert not [e for e in call.of("Newstate") if e.get("ChannelStateDesc") == "Up"]


@pytest.mark.parametrize("number", ["02771022", "+842771022"])
async def test_the_service_number_in_its_other_forms_is_answered(line, number):
    call = await line.call(CallScript().pause(3000), number=number)
    assert call.sipp.ok, call.sipp.error_log
    assert "greeting" in call.prompts()


async def test_calls_in_parallel_each_reach_their_queue(line):
    calls = await asyncio.gather(*(line.call(CallScript().pause(2000).keys(k).pause(7000)) for k in "2340"))
    assert [c.queues_joined() for c in calls] == [["infrastructure"], ["socio_economic"], ["investment"],
                                                  ["operator"]]

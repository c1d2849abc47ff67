"""A caller who knows the menu presses keys at once: keys sent from the moment of answer, and keys
typed ahead of the prompts, all count (real Asterisk, SIPp's RFC 2833 keys, FastAGI IVR)."""

import pytest

from hotline.testing.sipp import CallScript

from tests.integration.test_lookup import seed

pytestmark = pytest.mark.integration


async def test_a_key_pressed_at_the_moment_of_answer_chooses_the_queue(line):
    # Sent with the ACK: it reaches Asterisk before the IVR has connected and played anything.
    call = await line.call(CallScript().keys("2", gap_ms=6000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == ["infrastructure"]
    assert call.var("HOTLINE_IVR_PATH") == "2"
    # The greeting was cut short or skipped: the menu prompt never had to be played.
    assert "main_menu" not in call.prompts()


async def test_a_whole_look_up_typed_ahead_in_one_go_is_answered(line):
    code = await seed(line, "in_progress")
    # Procedures (1), look-up (2), the code and '#', all at answer, 300 ms apart: most keys arrive
    # while the IVR is between two commands or still playing a prompt the caller skips.
    call = await line.call(CallScript().keys("12" + code + "#", gap_ms=300).pause(12000))
    assert call.sipp.ok, call.sipp.error_log
    trace = [(e.get("Timestamp"), e["Event"], e.get("Digit") or e.get("Command") or e.get("Result"))
             for e in call.events if e.get("Event") in ("DTMFEnd", "AGIExecStart", "AGIExecEnd")]
    assert call.var("HOTLINE_TICKET_CODE") == code, "\n".join(map(str, trace))
    assert call.var("HOTLINE_TICKET_STATUS") == "in_progress"
    said = call.prompts()
    assert "status_in_progress" in said
    assert not call.queues_joined()  # no key spilled into the menu as a choice


async def test_keys_typed_ahead_through_two_menus_land_in_the_chosen_queue(line):
    call = await line.call(CallScript().pause(300).keys("11", gap_ms=250).pause(6000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == ["procedures"]
    assert call.var("HOTLINE_IVR_PATH") == "1-1"

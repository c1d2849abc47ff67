"""The key buffer: every key the caller pressed counts once, in the order pressed, whether the AMI
reported it before AGI returned it, after, or never (the real-call evidence is in
tests/integration/test_ivr_keys_early.py and bench/ivr_capacity.py)."""

import asyncio

import pytest

from hotline.ivr.keys import KeyBuffer, KeyTaps
from hotline.ivr.session import ALL_KEYS


def test_a_key_pressed_before_the_ivr_listens_is_read_first():
    buf = KeyBuffer()
    buf.pressed("2")
    assert buf.take(ALL_KEYS) == "2"
    assert buf.take(ALL_KEYS) is None


def test_keys_that_the_prompt_does_not_accept_are_dropped_like_asterisk_does():
    buf = KeyBuffer()
    for k in "*7":
        buf.pressed(k)
    assert buf.take("0123456789") == "7"


async def test_a_key_returned_by_agi_and_reported_first_by_the_ami_counts_once():
    buf = KeyBuffer()
    buf.pressed("3")  # the AMI report arrived while STREAM FILE was playing
    assert await buf.confirm("3", ALL_KEYS, wait=0.5) == "3"
    assert buf.take(ALL_KEYS) is None


async def test_a_key_reported_after_agi_returned_it_counts_once():
    buf = KeyBuffer()
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, buf.pressed, "4")
    assert await buf.confirm("4", ALL_KEYS, wait=1.0) == "4"
    assert buf.take(ALL_KEYS) is None


async def test_without_a_report_the_agi_key_counts_and_its_late_report_is_ignored():
    buf = KeyBuffer()
    assert await buf.confirm("5", ALL_KEYS, wait=0.01) == "5"
    buf.pressed("5")  # the late report
    assert buf.take(ALL_KEYS) is None
    buf.pressed("5")  # a real second press
    assert buf.take(ALL_KEYS) == "5"


async def test_a_key_pressed_in_a_gap_comes_before_the_key_agi_returned_after_it():
    buf = KeyBuffer()
    buf.pressed("1")  # between two commands: Asterisk dropped it, the AMI kept it
    buf.pressed("9")  # then the key that interrupted the next prompt
    assert await buf.confirm("9", ALL_KEYS, wait=0.5) == "1"
    assert buf.take(ALL_KEYS) == "9"
    assert buf.take(ALL_KEYS) is None


async def test_without_an_ami_nothing_waits():
    buf = KeyBuffer()
    started = asyncio.get_running_loop().time()
    assert await buf.confirm("2", ALL_KEYS, wait=0) == "2"
    assert asyncio.get_running_loop().time() - started < 0.5


def test_taps_forget_unclaimed_channels_beyond_their_limit():
    taps = KeyTaps(max_channels=3)
    for i in range(5):
        taps.pressed(f"op.{i}", "1")
    assert len(taps) == 3
    assert taps.buffer("op.4").take(ALL_KEYS) == "1"
    assert taps.buffer("op.0").take(ALL_KEYS) is None  # forgotten, a new empty buffer


def test_taps_ignore_reports_without_a_channel_or_a_key():
    taps = KeyTaps()
    taps.pressed("", "1")
    taps.pressed("1.1", "")
    assert len(taps) == 0


@pytest.mark.parametrize("keys", ["2", "12", "1234567890#"])
def test_the_buffer_keeps_the_order_of_a_caller_typing_ahead(keys):
    buf = KeyBuffer()
    for k in keys:
        buf.pressed(k)
    assert "".join(iter(lambda: buf.take(ALL_KEYS) or "", "")) == keys


class SlowPrompt:
    """An AGI request whose prompt plays until stopped (or `seconds`), as Asterisk's would."""

    headers = {"agi_uniqueid": "1.1", "agi_channel": "PJSIP/trunk-00000001", "agi_callerid": "0912345678"}

    def __init__(self, seconds: float = 5.0):
        self.stopped = asyncio.Event()
        self.seconds = seconds
        self.sent: list[str] = []

    async def send_command(self, line):
        self.sent.append(line)
        try:
            await asyncio.wait_for(self.stopped.wait(), self.seconds)
        except asyncio.TimeoutError:
            pass
        return {"status_code": 200, "result": ("0", ""), "endpos": ("100", "")}


async def test_a_key_dropped_just_before_a_prompt_stops_the_prompt_and_counts():
    from pathlib import Path

    from hotline.ivr.agi import AgiChannel

    request = SlowPrompt()
    stops: list[str] = []

    async def stop(channel):
        stops.append(channel)
        request.stopped.set()

    buf = KeyBuffer()
    ch = AgiChannel(request, Path("/p"), buf, report_wait=0.5, stop_playback=stop)
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, buf.pressed, "2")  # Asterisk dropped it; only the AMI reported it
    started = loop.time()
    assert await ch.play(["greeting", "main_menu"]) == "2"
    assert stops == ["PJSIP/trunk-00000001"]
    assert loop.time() - started < 2  # not the prompt's 5 s
    assert request.sent == ["STREAM FILE /p/greeting \"0123456789*#\""]  # the menu was skipped


async def test_without_the_ami_a_prompt_plays_to_its_end():
    from pathlib import Path

    from hotline.ivr.agi import AgiChannel

    request = SlowPrompt(seconds=0.3)
    ch = AgiChannel(request, Path("/p"), KeyBuffer(), report_wait=0, stop_playback=None)
    assert await ch.play(["greeting"]) is None
    assert request.sent == ["STREAM FILE /p/greeting \"0123456789*#\""]

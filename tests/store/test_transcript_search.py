"""Supervisors find calls by the words said in them, on both databases: SQLite's FTS5 table and
PostgreSQL's full-text search (to_tsvector('simple')), through the same library search, with or
without the words' diacritics ("duong" finds "đường"); and a Vietnamese call transcribed by the
real viet-asr engine through the real job path is found by a word typed without diacritics."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from hotline.agent_desktop.accounts import Principal
from hotline.folding import fold
from hotline.recordings.jobs import Transcriber, save_transcript
from hotline.recordings.library import Filters, RecordingLibrary
from hotline.settings import Transcription
from hotline.store.recordings import Job, Recording
from hotline.testing.speech import VIETNAMESE, VIETNAMESE_HEARD, speech_wav

SUPERVISOR = Principal(1, "giamsat", "Giám sát", "supervisor", None)
CALLS = {
    "search.1": "Đèn đường Nguyễn Huệ bị hỏng từ tối qua, nhờ tổng đài báo điện lực",
    "search.2": "Tôi muốn hỏi thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ",
    "search.3": "Rác thải chưa được thu gom ở phường Mỹ Phú, đường Nguyễn Huệ",
}


async def seed(sessions) -> None:
    async with sessions() as s, s.begin():
        for linkedid, said in CALLS.items():
            rec = Recording(linkedid=linkedid, started_at=datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc),
                            duration=30, path=f"{linkedid}.wav", sha256="", legs={}, status="ok")
            s.add(rec)
            await s.flush()
            words = [{"ch": "caller", "w": w, "s": i * 0.4, "e": i * 0.4 + 0.3, "c": 1.0}
                     for i, w in enumerate(said.split())]
            await save_transcript(s, rec.id, {"text": said, "words": words, "audio_seconds": 30.0}, "test-model")


async def found(library, words: str) -> list[str]:
    return sorted(r["linkedid"] for r in await library.search(SUPERVISOR, Filters(words=words)))


@pytest.mark.parametrize("words, expected", [
    ("giấy phép", ["search.2"]),  # Vietnamese words with their diacritics
    ("Nguyễn Huệ", ["search.1", "search.3"]),  # every call where it was said
    ("nguyễn huệ đèn", ["search.1"]),  # all the words, any case
    ("điện lực", ["search.1"]),
    ("duong nguyen hue", ["search.1", "search.3"]),  # typed without diacritics: "đ" is "d" too
    ("DIEN LUC", ["search.1"]),
    ("giay phep xay dung", ["search.2"]),
    ("rác thai", ["search.3"]),  # some diacritics, not all
    ("khong co tu nay", []),
    ("khôngcótừnày", []),
    ("\" OR 1=1 --", []),  # query syntax is not passed through
])
async def test_calls_are_found_by_the_words_said(sessions, tmp_path, words, expected):
    await seed(sessions)
    library = RecordingLibrary(sessions, tmp_path)
    assert await found(library, words) == expected


async def test_a_query_of_punctuation_only_finds_nothing_rather_than_everything(sessions, tmp_path):
    await seed(sessions)
    assert await found(RecordingLibrary(sessions, tmp_path), "!!! ???") == []


async def test_a_vietnamese_call_transcribed_by_viet_asr_is_found_by_words_typed_without_diacritics(
        sessions, tmp_path):
    caller = speech_wav(VIETNAMESE, tmp_path / "vi.caller.wav", voice="vi")
    seconds = AudioSegment.from_wav(caller).duration_seconds
    AudioSegment.silent(int(seconds * 1000), 8000).set_sample_width(2).export(tmp_path / "vi.operator.wav",
                                                                                format="wav")
    async with sessions() as s, s.begin():
        rec = Recording(linkedid="viet.1", started_at=datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc),
                        duration=seconds, path="vi.wav", sha256="", status="ok",
                        legs={"caller": {"path": "vi.caller.wav"}, "operator": {"path": "vi.operator.wav"}})
        s.add(rec)
        await s.flush()
        s.add(Job(kind="transcribe", recording_id=rec.id))
    worker = Transcriber(sessions, Transcription(poll_seconds=0.2), None, tmp_path)  # the default engine
    await worker.start()
    try:
        for _ in range(600):
            async with sessions() as s:
                job = await s.scalar(select(Job))
            if job.status in ("done", "failed"):
                break
            await asyncio.sleep(0.2)
    finally:
        await worker.stop()
    assert job.status == "done", job.last_error
    library = RecordingLibrary(sessions, tmp_path)
    detail = await library.detail(SUPERVISOR, rec.id)
    transcript = detail["transcript"]
    assert transcript["model"].startswith("viet-asr 0.1.0.dev11"), transcript["model"]
    # One segment (the operator's side was silent), timed by the voice-activity detector.
    (segment,) = transcript["words"]
    assert segment["ch"] == "caller" and 0 <= segment["s"] < segment["e"] <= seconds + 0.05, segment
    heard = [w for w in segment["w"].split() if w in VIETNAMESE_HEARD]
    assert heard, segment  # espeak-ng's robotic Vietnamese: some of the words, with their diacritics
    for word in heard:
        assert fold(word) != word
        assert await found(library, fold(word)) == ["viet.1"], word
        assert await found(library, word.upper()) == ["viet.1"], word

"""Supervisors find calls by the words said in them, on both engines: SQLite's FTS5 table and
PostgreSQL's full-text index (to_tsvector('simple')), through the same library search."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hotline.agent_desktop.accounts import Principal
from hotline.recordings.jobs import save_transcript
from hotline.recordings.library import Filters, RecordingLibrary
from hotline.store.recordings import Recording

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

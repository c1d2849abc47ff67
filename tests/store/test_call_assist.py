"""Assist from what is said (hotline/knowledge/assist.py) on SQLite and PostgreSQL: during a call,
from the caller's side of the live captions; after it, from the after-call transcript; only for
the operator who had the call, supervisors and administrators."""

from datetime import datetime, timezone

import pytest

from hotline.errors import Refused
from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase
from hotline.knowledge.assist import CallAssist, Heard
from hotline.store.recordings import Recording, Transcript

TOPICS = {"administrative_procedures": "Thủ tục hành chính", "infrastructure": "Sự cố hạ tầng kỹ thuật",
          "general": "Chung"}
LIGHT = "Đèn đường bị hỏng thì báo ở đâu?"
PERMIT = "Hồ sơ xin giấy phép xây dựng gồm những gì?"


@pytest.fixture
async def assist(sessions):
    kb = KnowledgeBase(sessions, TOPICS)
    editor = Editor("test", "supervisor")
    for field, question, answer in (
            ("infrastructure", LIGHT, "Báo Điện lực để sửa đèn chiếu sáng công cộng."),
            ("administrative_procedures", PERMIT, "Đơn đề nghị, bản vẽ thiết kế; nộp tại Bộ phận một cửa.")):
        v = await kb.save(editor, ArticleText(field=field, question=question, answer=answer))
        await kb.submit(editor, v.id)
        await kb.review(editor, v.id, True, "")
    live = {"1700000000.1": Heard("op1", "alô tổng đài, đèn đường ở phường tôi bị hỏng, nhờ báo điện lực", True)}
    async with sessions() as s, s.begin():
        rec = Recording(linkedid="1700000000.2", started_at=datetime.now(timezone.utc), operators=",op1,",
                        path="a.wav", sha256="0" * 64)
        s.add(rec)
        await s.flush()
        s.add(Transcript(recording_id=rec.id, words=[
            {"ch": "operator", "w": "đèn đường xin chào", "s": 0, "e": 1},
            {"ch": "caller", "w": "tôi muốn hỏi giấy phép xây dựng", "s": 1, "e": 3},
            {"ch": "caller", "w": "hồ sơ cần những gì", "s": 3, "e": 5}]))
        s.add(Recording(linkedid="1700000000.3", started_at=datetime.now(timezone.utc), operators=",op1,",
                        path="b.wav", sha256="0" * 64))
    return CallAssist(sessions, kb, live.get)


async def test_during_the_call_the_callers_words_suggest_the_field_and_the_article(assist):
    found = await assist.for_call("operator", "op1", "1700000000.1")
    assert found["source"] == "live"
    assert found["field"]["id"] == "infrastructure" and found["field"]["name"] == "Sự cố hạ tầng kỹ thuật"
    assert found["articles"][0]["question"] == LIGHT
    assert (await assist.for_call("supervisor", "sup1", "1700000000.1"))["field"]["id"] == "infrastructure"


async def test_after_the_call_the_transcripts_caller_side_suggests(assist):
    found = await assist.for_call("operator", "op1", "1700000000.2")
    assert found["source"] == "transcript"
    assert found["field"]["id"] == "administrative_procedures"  # the operator's words do not count
    assert found["articles"][0]["question"] == PERMIT
    # A call not transcribed yet: nothing to suggest, nothing refused.
    assert await assist.for_call("admin", None, "1700000000.3") == {
        "linkedid": "1700000000.3", "source": None, "field": None, "words": [], "articles": []}


async def test_another_operator_is_refused_and_an_unknown_call_is_not_found(assist):
    for linkedid in ("1700000000.1", "1700000000.2"):
        with pytest.raises(Refused) as refused:
            await assist.for_call("operator", "op2", linkedid)
        assert refused.value.status == 403
    with pytest.raises(Refused) as refused:
        await assist.for_call("operator", "op1", "1700000000.9")
    assert refused.value.status == 404

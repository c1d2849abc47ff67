"""The search while operators type, on both engines: many searches at once read the vocabulary
once, the same words searched again are answered from memory, and an approval is found at once
by the very words that were remembered without it."""

from __future__ import annotations

import asyncio

from sqlalchemy import event

from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase

TOPICS = {"administrative_procedures": "Thủ tục hành chính"}
GS = Editor("gs1", "supervisor")


async def publish(kb: KnowledgeBase, question: str) -> int:
    v = await kb.save(GS, ArticleText(field="administrative_procedures", question=question,
                                      answer="Nộp hồ sơ tại Bộ phận một cửa cấp huyện."))
    await kb.submit(GS, v.id)
    await kb.review(GS, v.id, approve=True)
    return v.article_id


def statements(kb: KnowledgeBase) -> list[str]:
    seen: list[str] = []
    event.listen(kb.engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def test_typing_reads_the_vocabulary_once_and_remembers_words(sessions):
    kb = KnowledgeBase(sessions, TOPICS)
    permit = await publish(kb, "Cấp giấy phép xây dựng nhà ở riêng lẻ")
    kb = KnowledgeBase(sessions, TOPICS)  # as a server just started: nothing read yet
    seen = statements(kb)

    found = await asyncio.gather(*(kb.search(q) for q in ["cap giay ph", "cap giay phe", "cap giay phep",
                                                          "Cấp giấy phép xây", "cap giay phep xay dung"] * 6))
    assert all(f and f[0]["id"] == permit for f in found), found
    assert sum("kb_terms" in q for q in seen) == 1, "30 searches at once read the vocabulary once"

    searched = len(seen)
    again = await kb.search("CẤP  giấy phép XÂY dựng")  # the same words as before: from memory
    assert [a["id"] for a in again] == [permit] and len(seen) == searched

    typo = await kb.search("cap giay phep xya dung ")  # two letters swapped: corrected
    assert typo and typo[0]["id"] == permit


async def test_an_approval_is_found_by_words_remembered_without_it(sessions):
    kb = KnowledgeBase(sessions, TOPICS)
    building = await publish(kb, "Cấp giấy phép xây dựng nhà ở riêng lẻ")
    assert [a["id"] for a in await kb.search("cap giay phep")] == [building]

    driving = await publish(kb, "Cấp giấy phép lái xe")
    assert sorted(a["id"] for a in await kb.search("cap giay phep")) == sorted([building, driving])

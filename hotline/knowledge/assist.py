"""Assist from what is said (issue #30, item 3): for one call, the field its caller speaks about and
the knowledge base's articles for the caller's words, from what the server itself heard: the live
captions of the call while it goes on (everything the caller said so far), the after-call
transcript once it is made. Nothing is filled: the desktop offers them, the operator chooses.

The caller's words are personal data: the operator who has (or had) the call and supervisors and
administrators may ask; another operator is refused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.knowledge.articles import KnowledgeBase
from hotline.knowledge.fields import FieldGuide
from hotline.store.knowledge import Article, ArticleVersion
from hotline.store.recordings import Recording, Transcript

STAFF = ("supervisor", "admin")
GUIDE_CHECK_SECONDS = 5.0  # how often the approved articles are checked for a change (one small query)


@dataclass(frozen=True)
class Heard:
    """What the live path heard of a call's caller so far."""

    operator: str  # the operator on the call
    text: str
    ongoing: bool  # False once the call ended


class CallAssist:
    def __init__(self, sessions: async_sessionmaker, kb: KnowledgeBase,
                 heard: Callable[[str], Heard | None] = lambda linkedid: None):
        self.sessions = sessions
        self.kb = kb
        self.heard = heard
        self._guide: FieldGuide | None = None
        self._guide_of: tuple | None = None  # (approved articles, their latest version) it was made from
        self._checked_at = 0.0
        self._making = asyncio.Lock()

    async def guide(self) -> FieldGuide:
        """The fields' words, made again when an article was approved or withdrawn."""
        if self._guide is not None and time.monotonic() - self._checked_at < GUIDE_CHECK_SECONDS:
            return self._guide
        async with self._making:  # one check (and one making) at a time; the others wait for it
            if self._guide is not None and time.monotonic() - self._checked_at < GUIDE_CHECK_SECONDS:
                return self._guide
            rows = None
            async with self.sessions() as s:
                current = Article.current_version_id.is_not(None)
                mark = tuple((await s.execute(select(func.count(), func.max(Article.current_version_id))
                                              .where(current))).one())
                if self._guide is None or mark != self._guide_of:
                    rows = (await s.execute(select(Article.field, ArticleVersion.question, ArticleVersion.answer)
                                            .join(ArticleVersion, ArticleVersion.id == Article.current_version_id))
                            ).all()
            if rows is not None:
                # Off the event loop: about 0.4 ms of CPU per article (2 s for 5,000).
                self._guide = await asyncio.to_thread(FieldGuide, self.kb.topics,
                                                      [(f, f"{q}\n{a}") for f, q, a in rows])
                self._guide_of = mark
            self._checked_at = time.monotonic()
            return self._guide

    async def caller_words(self, role: str, operator_id: str | None, linkedid: str) -> tuple[str | None, str]:
        """(where the words come from: "live", "transcript" or None, the caller's words), for a
        principal who may read them."""
        staff = role in STAFF
        live = self.heard(linkedid)
        if live is not None and not (staff or (operator_id and live.operator == operator_id)):
            raise Refused(403, "Bạn không ở trong cuộc gọi này")
        if live is not None and live.ongoing:
            return "live", live.text
        async with self.sessions() as s:
            rec = await s.scalar(select(Recording).where(Recording.linkedid == linkedid))
            if rec is not None and not (staff or live is not None or (
                    operator_id and f",{operator_id}," in rec.operators)):
                raise Refused(403, "Bạn không ở trong cuộc gọi này")
            said = await s.get(Transcript, rec.id) if rec is not None else None
        if said is not None:
            return "transcript", " ".join(w["w"] for w in said.words if w.get("ch") == "caller")
        if live is not None:
            return "live", live.text  # the call ended; its transcript is not made yet
        if rec is None:
            raise Refused(404, "Không có cuộc gọi này")
        return None, ""

    async def for_call(self, role: str, operator_id: str | None, linkedid: str, field: str | None = None) -> dict:
        """The suggested field (None unless one clearly leads) and articles for the caller's words
        (`field`: the call's or ticket's own, its articles first when no field is suggested)."""
        source, text = await self.caller_words(role, operator_id, linkedid)
        guide = await self.guide()
        guess = guide.guess(text) if text else None
        words = guide.key_words(text) if text else []
        articles = await self.kb.suggest(guess.field if guess else field, " ".join(words)) if words else []
        return {"linkedid": linkedid, "source": source, "field": guess.as_dict() if guess else None,
                "words": words, "articles": articles}

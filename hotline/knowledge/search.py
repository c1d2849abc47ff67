"""Full-text search of approved articles: SQLite's FTS5 or PostgreSQL's text search over the
folded text, every word matched (the last one as a prefix while it is being typed), typing
mistakes corrected from the base's own words. The questions are searched first; only when no
question has every word, the whole articles; only when no article has every word, the articles
with the most of them. Each step runs only when the one before found nothing, so that what an
operator types usually costs one search of the (short) questions, not of every answer."""

from __future__ import annotations

import time
from collections import OrderedDict

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from hotline.knowledge.text import Vocabulary, query_groups
from hotline.store.knowledge import Article, Term

VOCABULARY_SECONDS = 30  # how long another node's new words may go uncorrected
# Operators type the same first letters and words over and over ("cap giay phep x..."): answers are
# kept for a while, keyed by the words as searched. An approval on this node forgets them at once;
# one on another node shows within RESULTS_SECONDS.
RESULTS_SECONDS = 10
RESULTS_KEPT = 2000
# Ranking costs per matching article: when the first letters typed match more than this, only this
# many are ranked (the next word typed narrows the match, and then every match is ranked).
RANK_AT_MOST = 300
# What a result list shows of each article (see KnowledgeBase.summary), with the found ids `m`.
SUMMARY = ("a.id, a.field, a.review_by, a.agency_id, v.id, v.number, v.question, v.answer, v.legal_document, "
           "g.name")
JOINS = ("JOIN kb_articles a ON a.id = m.rowid JOIN kb_versions v ON v.id = a.current_version_id "
         "LEFT JOIN agencies g ON g.id = a.agency_id")


def _fts5(groups: list[list[str]], typing: bool, joiner: str) -> str:
    parts = []
    for i, alts in enumerate(groups):
        last = typing and i == len(groups) - 1
        terms = [f'"{a}"*' if last else f'"{a}"' for a in alts]
        parts.append("(" + " OR ".join(terms) + ")")
    return f" {joiner} ".join(parts)


def _tsquery(groups: list[list[str]], typing: bool, joiner: str) -> str:
    parts = []
    for i, alts in enumerate(groups):
        last = typing and i == len(groups) - 1
        parts.append("(" + " | ".join(f"{a}:*" if last else a for a in alts) + ")")
    return f" {joiner} ".join(parts)


class ArticleIndex:
    """Writes an approved version's text into the index and finds articles by words."""

    def __init__(self):
        self.vocabulary = Vocabulary()
        self._loaded_at = 0.0
        self._results: OrderedDict[tuple, tuple[float, list]] = OrderedDict()  # key → (asked at, rows)
        self._changed_at = 0.0
        self.kept = RESULTS_KEPT  # 0: every search goes to the database
        self.searches = self.remembered = 0  # how many were asked, and answered from memory

    def changed(self) -> None:
        """The approved articles changed (call after the commit): answers found before are stale."""
        self._changed_at = time.monotonic()
        self._results.clear()

    async def put(self, s: AsyncSession, article: Article, title: str, body: str, words: set[str]) -> None:
        """Index the article's current text (already folded) inside the caller's transaction."""
        article.search_title, article.search_body = title, body
        if s.bind.dialect.name == "sqlite":
            await s.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article.id})
            await s.execute(text("INSERT INTO kb_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                            {"id": article.id, "t": title, "b": body})
            await s.execute(text("DELETE FROM kb_titles WHERE rowid = :id"), {"id": article.id})
            await s.execute(text("INSERT INTO kb_titles(rowid, title) VALUES (:id, :t)"), {"id": article.id, "t": title})
        known = set(await s.scalars(select(Term.term).where(Term.term.in_(words)))) if words else set()
        s.add_all(Term(term=w) for w in sorted(words - known) if len(w) <= 40)
        self.vocabulary.add(words)

    async def _refresh(self, engine: AsyncEngine) -> None:
        if time.monotonic() - self._loaded_at < VOCABULARY_SECONDS:
            return
        before, self._loaded_at = self._loaded_at, time.monotonic()  # one reader; the searches meanwhile go on
        try:
            async with engine.connect() as c:
                self.vocabulary.add(set(await c.scalars(select(Term.term))))
        except BaseException:
            self._loaded_at = before
            raise

    async def find(self, engine: AsyncEngine, query: str, limit: int, field: str | None = None) -> list:
        """The best matches, best first, as rows of `SUMMARY`: one query per step on a connection of
        its own, none when the same words were searched a moment ago."""
        await self._refresh(engine)
        groups, typing = query_groups(query, self.vocabulary)
        if not groups:
            return []
        key = (tuple(map(tuple, groups)), typing, limit, field)
        asked_at = time.monotonic()
        self.searches += 1
        kept = self._results.get(key)
        if kept and asked_at - kept[0] < RESULTS_SECONDS:  # `changed()` empties the memory
            self._results.move_to_end(key)
            self.remembered += 1
            return kept[1]
        async with engine.connect() as c:
            found = await self._steps(c, groups, typing, limit, field)
        if asked_at > self._changed_at:  # not when an approval committed while this one searched
            self._results[key] = (asked_at, found)
            self._results.move_to_end(key)
            if len(self._results) > self.kept:
                self._results.popitem(last=False)
        return found

    async def _steps(self, c: AsyncConnection, groups, typing: bool, limit: int, field: str | None) -> list:
        joiners = ("AND", "OR") if len(groups) > 1 else ("AND",)
        for joiner in joiners:
            for questions_only in (True, False):
                found = await self._run(c, groups, typing, joiner, questions_only, limit, field)
                if found:
                    return found
        return []

    async def _run(self, c: AsyncConnection, groups, typing: bool, joiner: str, questions_only: bool, limit: int,
                   field: str | None) -> list:
        if c.dialect.name == "sqlite":
            table, rank = ("kb_titles", "bm25(kb_titles)") if questions_only else ("kb_fts", "bm25(kb_fts, 5.0, 1.0)")
            # FTS5 reads matches in rowid order: the RANK_AT_MOST-th match bounds the ranked ones.
            ranked = (f"SELECT {table}.rowid AS rowid, {rank} AS r FROM {table} "
                      + (f"JOIN kb_articles a ON a.id = {table}.rowid " if field else "")
                      + f"WHERE {table} MATCH :m " + ("AND a.field = :f " if field else "")
                      + f"AND {table}.rowid <= coalesce((SELECT rowid FROM {table} WHERE {table} MATCH :m "
                        "LIMIT 1 OFFSET :skip), 9223372036854775807) ORDER BY r LIMIT :n")
            sql = f"SELECT {SUMMARY} FROM ({ranked}) m {JOINS} ORDER BY m.r"
            return list(await c.execute(text(sql), {"m": _fts5(groups, typing, joiner), "f": field, "n": limit,
                                                    "skip": RANK_AT_MOST - 1}))
        query = _tsquery(groups, typing, "&" if joiner == "AND" else "|")
        vector = "title_vector" if questions_only else "search_vector"
        candidates = (f"SELECT id, {vector} AS v, search_title FROM kb_articles "
                      f"WHERE {vector} @@ to_tsquery('simple', :m) AND current_version_id IS NOT NULL "
                      + ("AND field = :f " if field else "") + "LIMIT :most")
        ranked = (f"SELECT c.id AS rowid, row_number() OVER (ORDER BY ts_rank(c.v, q) DESC, length(c.search_title), "
                  f"c.id) AS r FROM ({candidates}) c, to_tsquery('simple', :m) q "
                  "ORDER BY r LIMIT :n")
        sql = f"SELECT {SUMMARY} FROM ({ranked}) m {JOINS} ORDER BY m.r"
        return list(await c.execute(text(sql), {"m": query, "f": field, "n": limit, "most": RANK_AT_MOST}))

"""Full-text search of approved articles: SQLite's FTS5 or PostgreSQL's text search over the
folded text, every word matched (the last one as a prefix while it is being typed), typing
mistakes corrected from the base's own words; when no article has every word, the articles with
the most of them. Ranked with the question (title) above the rest."""

from __future__ import annotations

import time

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hotline.knowledge.text import Vocabulary, query_groups
from hotline.store.knowledge import Article, Term

VOCABULARY_SECONDS = 30  # how long another node's new words may go uncorrected


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

    async def put(self, s: AsyncSession, article: Article, title: str, body: str, words: set[str]) -> None:
        """Index the article's current text (already folded) inside the caller's transaction."""
        article.search_title, article.search_body = title, body
        if s.bind.dialect.name == "sqlite":
            await s.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article.id})
            await s.execute(text("INSERT INTO kb_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                            {"id": article.id, "t": title, "b": body})
        known = set(await s.scalars(select(Term.term).where(Term.term.in_(words)))) if words else set()
        s.add_all(Term(term=w) for w in sorted(words - known) if len(w) <= 40)
        self.vocabulary.add(words)

    async def _refresh(self, s: AsyncSession) -> None:
        if time.monotonic() - self._loaded_at < VOCABULARY_SECONDS:
            return
        self.vocabulary.add(set(await s.scalars(select(Term.term))))
        self._loaded_at = time.monotonic()

    async def find(self, s: AsyncSession, query: str, limit: int,
                   field: str | None = None) -> list[tuple[int, float]]:
        """(article id, score) of the best matches, best first (a higher score is better)."""
        await self._refresh(s)
        groups, typing = query_groups(query, self.vocabulary)
        if not groups:
            return []
        for joiner in ("AND", "OR") if len(groups) > 1 else ("AND",):
            found = await self._run(s, groups, typing, joiner, limit, field)
            if found:
                return found
        return []

    async def _run(self, s: AsyncSession, groups, typing: bool, joiner: str, limit: int,
                   field: str | None) -> list[tuple[int, float]]:
        if s.bind.dialect.name == "sqlite":
            match = _fts5(groups, typing, joiner)
            sql = ("SELECT kb_fts.rowid, bm25(kb_fts, 5.0, 1.0) AS rank FROM kb_fts "
                   + ("JOIN kb_articles a ON a.id = kb_fts.rowid " if field else "")
                   + "WHERE kb_fts MATCH :m " + ("AND a.field = :f " if field else "")
                   + "ORDER BY rank LIMIT :n")
            rows = await s.execute(text(sql), {"m": match, "f": field, "n": limit})
            return [(r[0], -float(r[1])) for r in rows]
        # The same expression as the GIN index (migration 0015), with literal configurations, so
        # that PostgreSQL uses the index.
        vector = ("(setweight(to_tsvector('simple', search_title), 'A') || "
                  "setweight(to_tsvector('simple', search_body), 'B'))")
        sql = (f"SELECT id, ts_rank({vector}, q) AS rank FROM kb_articles, to_tsquery('simple', :m) q "
               f"WHERE {vector} @@ q AND current_version_id IS NOT NULL " + ("AND field = :f " if field else "")
               + "ORDER BY rank DESC, id LIMIT :n")
        rows = await s.execute(text(sql), {"m": _tsquery(groups, typing, "&" if joiner == "AND" else "|"),
                                           "f": field, "n": limit})
        return [(r[0], float(r[1])) for r in rows]

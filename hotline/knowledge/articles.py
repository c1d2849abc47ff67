"""Articles and their versions: agencies draft and update the articles of their fields, the
hotline's supervisors approve a version before operators and citizens see it; every version is
kept (who wrote it, who reviewed it, when). An approved version is due for review on its
`review_by` date (the profile's `knowledge.review_months` after approval unless the author set
one); after it the article is flagged stale until a newer version is approved."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hotline.errors import Refused
from hotline.knowledge.search import ArticleIndex
from hotline.knowledge.text import fold, words
from hotline.store.agencies import Agency
from hotline.store.base import iso, utcnow
from hotline.store.knowledge import Article, ArticleVersion, Citation

HOTLINE_ROLES = ("supervisor", "admin")
TEXT_FIELDS = ("question", "answer", "steps", "papers", "fees", "processing_time", "submit_where", "legal_basis",
               "legal_document")
STATE_NAMES = {"draft": "Bản nháp", "submitted": "Chờ duyệt", "approved": "Đã duyệt", "rejected": "Không duyệt",
               "superseded": "Đã thay thế"}


class ArticleText(BaseModel):
    """What an author writes: one version's content (Vietnamese, normalised to NFC)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    field: str = Field(min_length=1, max_length=40)
    agency_id: int | None = Field(None, ge=1, le=10**9)  # the hotline's own editors name the agency
    question: str = Field(min_length=5, max_length=500)
    answer: str = Field(min_length=5, max_length=20000)
    steps: str = Field("", max_length=20000)
    papers: str = Field("", max_length=20000)
    fees: str = Field("", max_length=1000)
    processing_time: str = Field("", max_length=500)
    submit_where: str = Field("", max_length=1000)
    legal_basis: str = Field("", max_length=1000)
    legal_document: str = Field("", max_length=100)
    legal_effective: date | None = None
    review_by: date | None = None

    @field_validator(*TEXT_FIELDS)
    @classmethod
    def _nfc(cls, v: str) -> str:
        return unicodedata.normalize("NFC", v).strip()


@dataclass(frozen=True)
class Editor:
    name: str
    role: str  # agency | supervisor | admin | operator
    agency_id: int | None = None

    @property
    def reviews(self) -> bool:
        return self.role in HOTLINE_ROLES


def version_view(v: ArticleVersion) -> dict:
    out = {k: getattr(v, k) for k in TEXT_FIELDS}
    out.update(id=v.id, article_id=v.article_id, number=v.number, state=v.state, state_name=STATE_NAMES[v.state],
               legal_effective=v.legal_effective.isoformat() if v.legal_effective else None,
               review_by=v.review_by.isoformat() if v.review_by else None, source=v.source,
               author=v.author, created_at=iso(v.created_at), submitted_at=iso(v.submitted_at),
               reviewed_by=v.reviewed_by, reviewed_at=iso(v.reviewed_at), review_note=v.review_note)
    return out


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


class KnowledgeBase:
    def __init__(self, sessions: async_sessionmaker, topics: dict[str, str], tz: str = "Asia/Ho_Chi_Minh",
                 review_months: int = 12, suggestions: int = 5):
        self.sessions = sessions
        self.engine: AsyncEngine = sessions.kw["bind"]  # searches need no session, often no connection
        self.topics = topics  # field (topic id) → its name
        self.tz = ZoneInfo(tz)
        self.review_months = review_months
        self.suggestions = suggestions
        self.index = ArticleIndex()

    def today(self) -> date:
        return datetime.now(timezone.utc).astimezone(self.tz).date()

    # -- writing ------------------------------------------------------------------------------
    async def _check_scope(self, s: AsyncSession, editor: Editor, field: str, agency_id: int | None) -> int | None:
        if field not in self.topics:
            raise Refused(422, f"Lĩnh vực không hợp lệ: {field[:40]}")
        if editor.role == "agency":
            agency = await s.get(Agency, editor.agency_id)
            if agency is None or field not in agency.field_list:
                raise Refused(403, "Cơ quan chỉ soạn bài thuộc lĩnh vực của mình")
            return agency.id
        if not editor.reviews:
            raise Refused(403, "Vai trò của bạn không được soạn bài hỏi đáp")
        if agency_id is not None and await s.get(Agency, agency_id) is None:
            raise Refused(422, "Không có cơ quan này")
        return agency_id

    async def _article_for(self, s: AsyncSession, editor: Editor, article_id: int) -> Article:
        a = await s.get(Article, article_id)
        if a is None or (editor.role == "agency" and a.agency_id != editor.agency_id):
            raise Refused(404, "Không có bài này")
        return a

    async def save(self, editor: Editor, text: ArticleText, article_id: int | None = None,
                   source: str = "") -> ArticleVersion:
        """A new article's first draft, or a new draft of an article (the open draft updated in
        place; a version waiting for approval cannot change until it is reviewed)."""
        async with self.sessions() as s, s.begin():
            return await self._save(s, editor, text, article_id, source)

    async def add_drafts(self, editor: Editor, texts: list[tuple[ArticleText, str]]) -> list[ArticleVersion | Refused]:
        """New articles' first drafts from an import, all in one transaction with two flushes
        (not a transaction and six statements each: a 2,000-row file keeps the event loop busy
        for a few steps, not for thousands). For each (text, source): its draft, or the Refused
        that kept it out (a field or agency outside the editor's scope); the others are kept."""
        out: list[ArticleVersion | Refused] = []
        async with self.sessions() as s, s.begin():
            scopes: dict[tuple[str, int | None], int | None | Refused] = {}
            now = utcnow()
            kept: list[tuple[Article, ArticleVersion]] = []
            for text, source in texts:
                key = (text.field, text.agency_id)
                if key not in scopes:
                    try:
                        scopes[key] = await self._check_scope(s, editor, *key)
                    except Refused as refused:
                        scopes[key] = refused
                scope = scopes[key]
                if isinstance(scope, Refused):
                    out.append(scope)
                    continue
                article = Article(field=text.field, agency_id=scope, created_at=now, updated_at=now)
                version = ArticleVersion(number=1, state="draft", author=editor.name, author_role=editor.role,
                                         created_at=now, source=source[:200],
                                         **text.model_dump(exclude={"field", "agency_id"}))
                kept.append((article, version))
                out.append(version)
            s.add_all([article for article, _ in kept])
            await s.flush()
            for article, version in kept:
                version.article_id = article.id
            s.add_all([version for _, version in kept])
            await s.flush()
        return out

    async def _save(self, s: AsyncSession, editor: Editor, text: ArticleText, article_id: int | None,
                    source: str) -> ArticleVersion:
        agency_id = await self._check_scope(s, editor, text.field, text.agency_id)
        now = utcnow()
        if article_id is None:
            article = Article(field=text.field, agency_id=agency_id, created_at=now, updated_at=now)
            s.add(article)
            await s.flush()
        else:
            article = await self._article_for(s, editor, article_id)
            article.field, article.agency_id = text.field, agency_id if editor.role != "agency" else article.agency_id
        open_version = await s.scalar(select(ArticleVersion).where(
            ArticleVersion.article_id == article.id, ArticleVersion.state.in_(("draft", "submitted"))))
        if open_version is not None and open_version.state == "submitted":
            raise Refused(409, "Bài đang chờ duyệt: chờ kết quả duyệt rồi sửa tiếp")
        values = text.model_dump(exclude={"field", "agency_id"})
        if open_version is None:
            number = (await s.scalar(select(func.max(ArticleVersion.number))
                                     .where(ArticleVersion.article_id == article.id)) or 0) + 1
            open_version = ArticleVersion(article_id=article.id, number=number, state="draft", author=editor.name,
                                          author_role=editor.role, created_at=now, source=source[:200], **values)
            s.add(open_version)
        else:
            for k, v in values.items():
                setattr(open_version, k, v)
            open_version.author, open_version.author_role = editor.name, editor.role
        article.updated_at = now
        await s.flush()
        return open_version

    @staticmethod
    async def _move(s: AsyncSession, v: ArticleVersion, from_state: str, refused: str, **values) -> None:
        """The version leaves `from_state` by one conditional UPDATE (409 if it is no longer in it)."""
        done = await s.execute(update(ArticleVersion).where(ArticleVersion.id == v.id,
                                                            ArticleVersion.state == from_state)
                               .values(**values))
        if done.rowcount != 1:
            raise Refused(409, refused)
        await s.refresh(v)

    async def submit(self, editor: Editor, version_id: int) -> ArticleVersion:
        async with self.sessions() as s, s.begin():
            v = await s.get(ArticleVersion, version_id)
            if v is None:
                raise Refused(404, "Không có phiên bản này")
            await self._article_for(s, editor, v.article_id)
            await self._move(s, v, "draft", "Chỉ gửi duyệt được bản nháp", state="submitted", submitted_at=utcnow())
        return v

    async def review(self, editor: Editor, version_id: int, approve: bool, note: str = "") -> ArticleVersion:
        """The hotline approves a submitted version (operators and citizens see it from now on)
        or sends it back with a note."""
        if not editor.reviews:
            raise Refused(403, "Chỉ giám sát viên của tổng đài duyệt bài")
        now = utcnow()
        async with self.sessions() as s, s.begin():
            v = await s.get(ArticleVersion, version_id)
            if v is None:
                raise Refused(404, "Không có phiên bản này")
            await self._move(s, v, "submitted", "Phiên bản này không ở trạng thái chờ duyệt",
                             state="approved" if approve else "rejected", reviewed_by=editor.name, reviewed_at=now,
                             review_note=note[:2000])
            if approve:
                await self._publish(s, v)
        if approve:
            self.index.changed()
        return v

    async def _publish(self, s: AsyncSession, v: ArticleVersion) -> None:
        article = await s.get(Article, v.article_id)
        if article.current_version_id is not None:
            await s.execute(update(ArticleVersion).where(ArticleVersion.id == article.current_version_id)
                            .values(state="superseded"))
        if v.review_by is None:
            v.review_by = _add_months(self.today(), self.review_months)
        article.current_version_id, article.review_by, article.updated_at = v.id, v.review_by, utcnow()
        title = fold(v.question)
        body = fold(" ".join([v.answer, v.steps, v.papers, v.fees, v.processing_time, v.submit_where,
                              v.legal_basis, v.legal_document, self.topics.get(article.field, "")]))
        await self.index.put(s, article, title, body, set(words(title)) | set(words(body)))

    # -- reading ------------------------------------------------------------------------------
    async def version(self, version_id: int) -> ArticleVersion:
        async with self.sessions() as s:
            v = await s.get(ArticleVersion, version_id)
        if v is None:
            raise Refused(404, "Không có phiên bản này")
        return v

    def summary(self, r) -> dict:
        """What a result list shows of an article, from a row of `search.SUMMARY`."""
        review_by = r[2] if r[2] is None or isinstance(r[2], date) else date.fromisoformat(str(r[2]))
        return {"id": r[0], "field": r[1], "field_name": self.topics.get(r[1], r[1]),
                "review_by": review_by.isoformat() if review_by else None,
                "stale": bool(review_by and review_by < self.today()), "agency": r[9] or "", "version_id": r[4],
                "version": r[5], "question": r[6], "answer": r[7], "legal_document": r[8]}

    async def _summaries(self, s: AsyncSession, ids: list[int]) -> list[dict]:
        """Summaries of the articles `ids`, in that order (one query)."""
        if not ids:
            return []
        a, v = Article, ArticleVersion
        rows = await s.execute(select(a.id, a.field, a.review_by, a.agency_id, v.id, v.number, v.question, v.answer,
                                      v.legal_document, Agency.name)
                               .join(v, v.id == a.current_version_id).outerjoin(Agency, Agency.id == a.agency_id)
                               .where(a.id.in_(ids)))
        by_id = {r[0]: self.summary(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def search(self, query: str, field: str | None = None, limit: int = 10) -> list[dict]:
        """Approved articles matching what was typed, best first."""
        limit = max(1, min(limit, 50))
        return [self.summary(r) for r in await self.index.find(self.engine, query[:300], limit, field)]

    async def suggest(self, field: str | None, text: str = "", limit: int | None = None) -> list[dict]:
        """For a call: articles from the words of the ticket so far, the call's field first;
        with no words yet, the field's most used articles."""
        limit = limit or self.suggestions
        if text.strip():
            ws = " ".join(dict.fromkeys(w for w in words(text) if len(w) > 1))[:300] + " "
            found = [self.summary(r) for r in await self.index.find(self.engine, ws, limit * 3)]
            found.sort(key=lambda a: a["field"] != field)  # stable: rank kept within each group
            return found[:limit]
        if not field:
            return []
        async with self.sessions() as s:
            used = func.count(Citation.id)
            q = (select(Article.id).outerjoin(Citation, Citation.article_id == Article.id)
                 .where(Article.field == field, Article.current_version_id.is_not(None))
                 .group_by(Article.id).order_by(used.desc(), Article.id).limit(limit))
            return await self._summaries(s, list(await s.scalars(q)))

    async def article(self, editor: Editor, article_id: int) -> dict:
        """An article: its current version for everyone; for its agency and the hotline's
        reviewers, every version with who wrote and reviewed it."""
        async with self.sessions() as s:
            a = await s.get(Article, article_id)
            if a is None:
                raise Refused(404, "Không có bài này")
            owner = editor.reviews or (editor.role == "agency" and editor.agency_id == a.agency_id)
            if a.current_version_id is None and not owner:
                raise Refused(404, "Không có bài này")
            versions = list(await s.scalars(select(ArticleVersion).where(ArticleVersion.article_id == a.id)
                                            .order_by(ArticleVersion.number)))
            agency = await s.get(Agency, a.agency_id) if a.agency_id else None
            uses = await s.scalar(select(func.count()).select_from(Citation).where(Citation.article_id == a.id))
        current = next((v for v in versions if v.id == a.current_version_id), None)
        return {"id": a.id, "field": a.field, "field_name": self.topics.get(a.field, a.field),
                "agency_id": a.agency_id, "agency": agency.name if agency else "",
                "review_by": a.review_by.isoformat() if a.review_by else None,
                "stale": bool(a.review_by and a.review_by < self.today()), "uses": uses,
                "current": version_view(current) if current else None,
                "versions": [version_view(v) for v in versions] if owner else []}

    async def listing(self, editor: Editor, state: str | None = None, stale: bool = False,
                      limit: int = 200) -> list[dict]:
        """Articles an editor keeps: an agency's own, or every one for the hotline; by the state
        of their latest version (e.g. `submitted`: waiting for approval), or the stale ones."""
        async with self.sessions() as s:
            latest = (select(ArticleVersion.article_id, func.max(ArticleVersion.number).label("n"))
                      .group_by(ArticleVersion.article_id).subquery())
            q = (select(Article, ArticleVersion).join(latest, latest.c.article_id == Article.id)
                 .join(ArticleVersion, (ArticleVersion.article_id == Article.id) & (ArticleVersion.number == latest.c.n)))
            if editor.role == "agency":
                q = q.where(Article.agency_id == editor.agency_id)
            elif not editor.reviews:
                raise Refused(403, "Vai trò của bạn không quản lý bài hỏi đáp")
            if state:
                q = q.where(ArticleVersion.state == state)
            if stale:
                q = q.where(Article.review_by < self.today())
            rows = (await s.execute(q.order_by(Article.updated_at.desc()).limit(limit))).all()
            agencies = dict((await s.execute(select(Agency.id, Agency.name))).all())
        today = self.today()
        return [{"id": a.id, "field": a.field, "field_name": self.topics.get(a.field, a.field),
                 "agency": agencies.get(a.agency_id, ""), "question": v.question, "latest_version_id": v.id,
                 "latest": v.number, "state": v.state, "state_name": STATE_NAMES[v.state],
                 "published": a.current_version_id is not None,
                 "review_by": a.review_by.isoformat() if a.review_by else None,
                 "stale": bool(a.review_by and a.review_by < today)} for a, v in rows]

    async def scope(self, editor: Editor) -> dict:
        """The fields an editor may write in (an agency: its own), and for the hotline's editors
        the agencies an article may be kept by."""
        async with self.sessions() as s:
            if editor.role == "agency":
                agency = await s.get(Agency, editor.agency_id)
                mine = [f for f in (agency.field_list if agency else []) if f in self.topics]
                return {"fields": {f: self.topics[f] for f in mine}, "agencies": []}
            if not editor.reviews:
                raise Refused(403, "Vai trò của bạn không soạn bài hỏi đáp")
            rows = (await s.execute(select(Agency.id, Agency.name).where(Agency.active.is_(True))
                                    .order_by(Agency.name))).all()
        return {"fields": dict(self.topics), "agencies": [{"id": i, "name": n} for i, n in rows]}

    # -- citing -------------------------------------------------------------------------------
    async def citable(self, version_id: int) -> ArticleVersion:
        """A version an operator may cite: one that was approved (now current, or superseded
        while the call went on)."""
        v = await self.version(version_id)
        if v.state not in ("approved", "superseded"):
            raise Refused(422, "Chỉ trích dẫn được bài đã duyệt")
        return v

    async def cited_in(self, ticket_id: int) -> dict | None:
        """The approved article a ticket's answer came from (for the citizen's look-up page)."""
        async with self.sessions() as s:
            row = (await s.execute(select(Article.id, ArticleVersion.question)
                                   .join(Citation, Citation.article_id == Article.id)
                                   .join(ArticleVersion, ArticleVersion.id == Article.current_version_id)
                                   .where(Citation.ticket_id == ticket_id).order_by(Citation.id.desc()).limit(1))).first()
        return {"id": row[0], "question": row[1]} if row else None

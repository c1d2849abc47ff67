"""Benchmark: knowledge base search while operators type, SQLite and PostgreSQL side by side.

Each backend gets a fresh, migrated database with N approved articles (default 20,000) written the
way the hotline writes them (folded text, the full-text index, the vocabulary). Then `--operators`
simulated operators (default 50) type questions letter by letter, a search per keystroke, one
key every 200 ms, some with a typing mistake, reading each answer for 3 s, for `--seconds`. Measured:
the search as the operator's panel calls it (`KnowledgeBase.search`: full-text with prefix and
corrections, the articles' summaries in the same query, the same words searched a moment ago
answered from memory), p50/p99 (goal p99 < 50 ms) and the share answered from memory; the same
typing with nothing remembered (every search to the database); and the same typing answered by a
plain `LIKE '%word%'` on every word (the baseline), with the ratio. The searches run as in a
started server: fresh connections, and what the start built frozen out of garbage collection.

    .venv/bin/python bench/knowledge_search.py [--articles 20000] [--operators 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import and_, select  # noqa: E402

from hotline.knowledge.articles import KnowledgeBase  # noqa: E402
from hotline.knowledge.text import fold, words  # noqa: E402
from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.store.knowledge import Article, ArticleVersion  # noqa: E402
from hotline.testing.postgres import TempPostgres  # noqa: E402

ACTIONS = ["Cấp", "Cấp lại", "Gia hạn", "Điều chỉnh", "Đăng ký", "Thu hồi", "Xác nhận", "Chứng thực", "Thay đổi",
           "Đính chính", "Trích lục", "Miễn giảm"]
OBJECTS = ["giấy phép xây dựng", "giấy khai sinh", "giấy chứng nhận quyền sử dụng đất", "hộ kinh doanh",
           "giấy phép lái xe", "căn cước công dân", "giấy chứng nhận đăng ký doanh nghiệp", "giấy phép kinh doanh rượu",
           "giấy xác nhận tình trạng hôn nhân", "giấy phép khai thác nước ngầm", "chứng chỉ hành nghề y",
           "giấy phép môi trường", "hợp đồng mua bán nhà", "sổ hộ nghèo", "trợ cấp xã hội", "bảo hiểm y tế hộ gia đình",
           "học bổng chính sách", "giấy phép quảng cáo", "biển số xe", "đăng ký thường trú", "con dấu doanh nghiệp",
           "giấy chứng nhận an toàn thực phẩm", "giấy phép lao động", "chứng nhận nông sản hữu cơ",
           "giấy phép đào đường", "giấy phép chặt cây xanh", "giấy chứng tử", "giấy phép tổ chức lễ hội",
           "giấy phép hoạt động karaoke", "chứng chỉ quy hoạch"]
CASES = ["", "nhà ở riêng lẻ", "tại nông thôn", "cho doanh nghiệp", "cho người nước ngoài", "trực tuyến",
         "khi bị mất", "khi bị hỏng", "cho hộ gia đình", "tại phường", "ở thành phố Cao Lãnh", "huyện Tháp Mười",
         "theo diện ưu tiên", "lần đầu", "có thời hạn", "tạm thời", "cho hợp tác xã", "cho trẻ em", "cho người cao tuổi",
         "có yếu tố nước ngoài"]
SENTENCES = ["Nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả của UBND cấp huyện.",
             "Thời hạn giải quyết là 15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
             "Lệ phí theo quy định của Hội đồng nhân dân tỉnh.",
             "Hồ sơ gồm đơn đề nghị theo mẫu và bản sao giấy tờ tùy thân.",
             "Có thể nộp trực tuyến trên Cổng dịch vụ công quốc gia.",
             "Kết quả được trả trực tiếp hoặc qua dịch vụ bưu chính công ích.",
             "Cơ quan giải quyết có trách nhiệm hướng dẫn bổ sung hồ sơ một lần.",
             "Trường hợp từ chối phải trả lời bằng văn bản và nêu rõ lý do."]


def articles(n: int, rng: random.Random):
    seen = 0
    while seen < n:
        for action in ACTIONS:
            for obj in OBJECTS:
                for case in CASES:
                    if seen >= n:
                        return
                    variant = "" if seen < len(ACTIONS) * len(OBJECTS) * len(CASES) else f" (trường hợp {seen})"
                    question = " ".join(x for x in (action, obj, case) if x) + variant
                    yield question, " ".join(rng.sample(SENTENCES, 4))
                    seen += 1


async def load(sessions, kb: KnowledgeBase, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    questions = []
    now = datetime.now(timezone.utc)
    batch = []
    async with sessions() as s, s.begin():
        for question, answer in articles(n, rng):
            a = Article(field="administrative_procedures", created_at=now, updated_at=now)
            s.add(a)
            batch.append((a, question, answer))
            if len(batch) == 500:
                await flush(s, kb, batch, now)
                questions += [q for _, q, _ in batch]
                batch = []
        if batch:
            await flush(s, kb, batch, now)
            questions += [q for _, q, _ in batch]
    return questions


async def flush(s, kb: KnowledgeBase, batch, now) -> None:
    await s.flush()
    versions = [ArticleVersion(article_id=a.id, number=1, state="approved", question=q, answer=ans, author="bench",
                               author_role="supervisor", created_at=now, reviewed_at=now, review_by=date(2030, 1, 1))
                for a, q, ans in batch]
    s.add_all(versions)
    await s.flush()
    for (a, q, ans), v in zip(batch, versions):
        a.current_version_id, a.review_by = v.id, v.review_by
        await kb.index.put(s, a, fold(q), fold(ans), set(words(q)) | set(words(ans)))


def typed(question: str, rng: random.Random) -> str:
    text = fold(question)
    if rng.random() < 0.3:  # one typing mistake: two neighbouring letters swapped
        i = rng.randrange(1, len(text) - 1)
        if text[i] != " " and text[i + 1] != " ":
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:rng.randint(8, len(text))]


async def like_search(sessions, query: str, limit: int = 10) -> list[int]:
    """The baseline: every word somewhere in the question or the answer (no index can help)."""
    ws = words(query)
    if not ws:
        return []
    conds = [(Article.search_title.like(f"%{w}%") | Article.search_body.like(f"%{w}%")) for w in ws]
    async with sessions() as s:
        return list(await s.scalars(select(Article.id).where(and_(*conds)).limit(limit)))


async def typing(search, questions: list[str], operators: int, seconds: float, seed: int) -> list[float]:
    """Operators type at 5 keys a second (one key per 200 ms, a search sent at each key, as the
    panel's 150 ms debounce does at that pace), then read the results for 3 s before the next
    question. Searches are sent on time whether or not the previous one has answered (open loop),
    so a slow search shows in the figures instead of slowing the typists down."""
    latencies: list[float] = []
    pending: set[asyncio.Task] = set()
    end = time.monotonic() + seconds

    async def timed(query: str) -> None:
        t = time.perf_counter()
        await search(query)
        latencies.append((time.perf_counter() - t) * 1000)

    async def operator(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        await asyncio.sleep(rng.random() * 3)
        while time.monotonic() < end:
            query = typed(rng.choice(questions), rng)
            for cut in range(3, len(query) + 1):
                task = asyncio.create_task(timed(query[:cut]))
                pending.add(task)
                task.add_done_callback(pending.discard)
                await asyncio.sleep(0.2)
                if time.monotonic() >= end:
                    return
            await asyncio.sleep(3)

    await asyncio.gather(*(operator(i) for i in range(operators)))
    if pending:
        await asyncio.gather(*pending)
    return latencies


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def run_backend(name: str, url: str, args) -> dict:
    engine = make_engine(url)
    await migrate(engine)
    sessions = sessionmaker(engine)
    kb = KnowledgeBase(sessions, {"administrative_procedures": "Thủ tục hành chính"})
    t = time.perf_counter()
    questions = await load(sessions, kb, args.articles, args.seed)
    loaded = time.perf_counter() - t
    if name == "postgresql":
        async with engine.begin() as c:
            await c.exec_driver_sql("ANALYZE")
    # Searched as by a server started on the loaded base: fresh connections, the vocabulary read
    # from the database, none of the loading's objects left in memory.
    await engine.dispose()
    del kb
    gc.collect()
    engine = make_engine(url)
    sessions = sessionmaker(engine)
    kb = KnowledgeBase(sessions, {"administrative_procedures": "Thủ tục hành chính"})
    probe = await kb.search("cap giay phep xay dung nha o rieng le")
    gc.freeze()  # as the server does once started (hotline/app.py)
    fts = await typing(kb.search, questions, args.operators, args.seconds, args.seed)
    remembered = kb.index.remembered / max(1, kb.index.searches)
    kb.index.kept = 0  # the same typing with every search sent to the database
    bare = await typing(kb.search, questions, args.operators, args.seconds, args.seed)
    like = await typing(lambda q: like_search(sessions, q), questions, args.operators, args.seconds, args.seed)
    await engine.dispose()
    return {"name": name, "loaded": loaded, "first": probe[0]["question"] if probe else None,
            "fts": fts, "bare": bare, "like": like,
            "remembered": remembered}


def report(r: dict) -> None:
    f, lk = r["fts"], r["like"]
    print(f"\n{r['name']}: {len(f)} searches by full text, {len(lk)} by LIKE (loaded in {r['loaded']:.1f} s); "
          f"first for 'cap giay phep xay dung nha o rieng le': {r['first']!r}")
    print(f"  full text: p50 {statistics.median(f):.1f} ms, p99 {pct(f, 0.99):.1f} ms (goal p99 < 50 ms); "
          f"{r['remembered']:.0%} answered from the recent results")
    b = r["bare"]
    print(f"  full text, none remembered: p50 {statistics.median(b):.1f} ms, p99 {pct(b, 0.99):.1f} ms")
    print(f"  LIKE     : p50 {statistics.median(lk):.1f} ms, p99 {pct(lk, 0.99):.1f} ms")
    print(f"  ratio LIKE/full text: p50 {statistics.median(lk) / statistics.median(f):.1f}x, "
          f"p99 {pct(lk, 0.99) / pct(f, 0.99):.1f}x")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--operators", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        report(await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'kb.db'}", args))
    pg = TempPostgres().start()
    try:
        report(await run_backend("postgresql", await pg.create_database("kb"), args))
    finally:
        pg.stop()


if __name__ == "__main__":
    asyncio.run(main())

"""The citizens' FAQ and application look-up pages (aiohttp in-process server, real store on
SQLite and PostgreSQL): approved articles only, searchable without diacritics, no script on the
pages; an application's status from the exports; not found, malformed and unavailable answers
said plainly."""

from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.applications.status import NoSource
from hotline.applications.table_source import TableSource
from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province

EDITOR = Editor("gs1", "supervisor")


async def serve(pages):
    app = web.Application()
    pages.register(app.router)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def site(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    kb = KnowledgeBase(sessions, p.handling.profile.queues.topic_names())
    desk = PublicDesk(sessions, p.handling, tmp_path / "attachments", max_bytes=1024 * 1024)
    table = TableSource(sessions)
    await table.import_rows("code,status,procedure,due_on\nH18.22-1001,in_progress,Đăng ký khai sinh,2026-12-04\n"
                            .encode(), "export.csv")
    server = await serve(PublicPages(desk, kb=kb, applications=table))
    dead = await serve(PublicPages(desk, kb=kb, applications=NoSource()))
    http = aiohttp.ClientSession()
    yield kb, server, dead, http, p
    await http.close()
    await server.close()
    await dead.close()


async def get(http, server, path, **params):
    async with http.get(server.make_url(path), params=params) as r:
        return r.status, await r.text(), r.headers


async def test_the_faq_shows_approved_articles_only(site):
    kb, server, _, http, p = site
    approved = await kb.save(EDITOR, ArticleText(field="administrative_procedures", question="Đăng ký khai sinh ở đâu?",
                                                 answer="Tại UBND cấp xã nơi cư trú của cha hoặc mẹ.",
                                                 legal_document="60/2014/QH13"))
    await kb.submit(EDITOR, approved.id)
    await kb.review(EDITOR, approved.id, True)
    await kb.save(EDITOR, ArticleText(field="administrative_procedures", question="Đăng ký kết hôn cần giấy tờ gì?",
                                      answer="Bản nháp chưa duyệt <script>alert(1)</script>"))
    status, html, headers = await get(http, server, "/hoi-dap", q="dang ky khai sinh")
    assert status == 200 and "Đăng ký khai sinh ở đâu?" in html
    assert "script-src 'none'" in headers["Content-Security-Policy"] and "<script" not in html
    status, html, _ = await get(http, server, "/hoi-dap", q="ket hon")
    assert "kết hôn" not in html and 'id="faq-none"' in html  # a draft is not public
    status, html, _ = await get(http, server, f"/hoi-dap/{approved.article_id}")
    assert status == 200 and "Tại UBND cấp xã" in html and "60/2014/QH13" in html
    draft_article = approved.article_id + 1
    assert (await get(http, server, f"/hoi-dap/{draft_article}"))[0] == 404
    assert (await get(http, server, "/hoi-dap/abc"))[0] == 404

    # A ticket answered from the article links it on the citizen's look-up page.
    t = await p.receive(datetime.now(timezone.utc), topic="administrative_procedures", content="Hỏi khai sinh")
    cited = await kb.citable(approved.id)
    await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Tại UBND cấp xã.", cites=cited))
    async with http.post(server.make_url("/tra-cuu"), data={"code": t.code, "phone": CITIZEN_PHONE}) as r:
        html = await r.text()
    assert r.status == 200 and f'href="/hoi-dap/{approved.article_id}"' in html


async def test_application_look_up(site):
    _, server, dead, http, _ = site
    status, html, _ = await get(http, server, "/tra-cuu-ho-so", ma="H18.22-1001")
    assert status == 200 and "Đang giải quyết" in html and "04/12/2026" in html
    status, html, _ = await get(http, server, "/tra-cuu-ho-so", ma="H18.22-9999")
    assert status == 404 and "Không tìm thấy hồ sơ" in html
    status, html, _ = await get(http, server, "/tra-cuu-ho-so", ma="<script>x</script>")
    assert status == 422 and "<script>x" not in html
    status, html, _ = await get(http, dead, "/tra-cuu-ho-so", ma="H18.22-1001")
    assert status == 503 and "tạm thời gián đoạn" in html
    status, html, _ = await get(http, server, "/tra-cuu-ho-so")
    assert status == 200 and 'id="application-form"' in html

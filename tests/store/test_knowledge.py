"""The knowledge base over HTTP on SQLite and PostgreSQL: an agency drafts, the supervisor
approves, an operator finds the article however it is typed and answers a ticket from it (the
history cites the article and version); new versions, stale articles, imports with a bad row,
and application statuses imported from a one-stop system's export."""

from datetime import date, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.knowledge_api import KnowledgeApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.applications.table_source import TableSource
from hotline.knowledge.articles import KnowledgeBase
from hotline.reports.figures import knowledge_report
from hotline.reports.periods import period
from hotline.store.knowledge import Citation
from hotline.store.tickets import TicketEvent
from hotline.ticketing.attachments import Attachments
from hotline.web.auth import COOKIE, refusals
from tests.store.support import OPERATOR, call, province

PERMIT = {"field": "administrative_procedures", "question": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
          "answer": "Nộp hồ sơ tại Bộ phận một cửa của UBND cấp huyện; thời hạn 15 ngày.",
          "papers": "Đơn đề nghị cấp giấy phép xây dựng; bản vẽ thiết kế", "fees": "75.000 đồng",
          "legal_basis": "Nghị định quy định chi tiết Luật Xây dựng", "legal_document": "15/2021/NĐ-CP",
          "legal_effective": "2021-03-03"}
OTHERS = [("Cấp phép khai thác nước ngầm", "Sở Tài nguyên và Môi trường cấp giấy phép khai thác."),
          ("Cấp giấy khai sinh cho trẻ em", "Đăng ký khai sinh tại UBND cấp xã nơi cư trú."),
          ("Xây dựng đường giao thông nông thôn", "Thông tin về dự án xây dựng đường giao thông.")]


@pytest.fixture
async def kb_api(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    builders, _ = await AgencyDirectory(sessions).save(AgencyIn(
        name="Sở Xây dựng Đồng Tháp", level="province", phone="02773851010", fields=["administrative_procedures"],
        contacts=[{"role": "focal_point", "name": "Võ Văn Tư", "phone": "0911000010"}]))
    accounts = Accounts(sessions)
    kb = KnowledgeBase(sessions, p.handling.profile.queues.topic_names())
    app = web.Application(middlewares=[refusals])
    TicketsApi(accounts, p.store, p.handling, Attachments(sessions, tmp_path / "att", 1024 * 1024), kb).register(app.router)
    KnowledgeApi(accounts, kb).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = {}
    for user, role, agency in (("op1", "operator", None), ("gs1", "supervisor", None),
                               ("xaydung", "agency", builders.id), ("dienluc", "agency", p.agency_id)):
        await accounts.create_user(user, user, role, "mat-khau-dai-1", operator_id=user if role == "operator" else None,
                                   agency_id=agency)
        token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
        clients[user] = aiohttp.ClientSession(cookies={COOKIE: token}, headers={"X-Hotline-Upload": "1"})
    yield p, kb, server, clients
    for c in clients.values():
        await c.close()
    await server.close()




async def publish(c, server, author, text) -> dict:
    status, v = await call(c[author], server, "POST", "/api/knowledge/articles", text)
    assert status == 201, v
    assert (await call(c[author], server, "POST", f"/api/knowledge/versions/{v['id']}/submit", {}))[0] == 200
    status, v = await call(c["gs1"], server, "POST", f"/api/knowledge/versions/{v['id']}/approve", {"note": ""})
    assert status == 200 and v["state"] == "approved", v
    return v


async def search(c, server, q: str) -> list[str]:
    status, found = await call(c["op1"], server, "GET", "/api/knowledge/search", params={"q": q})
    assert status == 200, found
    return [a["question"] for a in found]


async def test_draft_approve_find_and_cite(kb_api):
    p, kb, server, c = kb_api
    for question, answer in OTHERS:
        await publish(c, server, "gs1", {"field": "administrative_procedures", "question": question, "answer": answer})
    # The agency drafts in its own field only; operators see nothing before approval.
    assert (await call(c["dienluc"], server, "POST", "/api/knowledge/articles", PERMIT))[0] == 403
    status, draft = await call(c["xaydung"], server, "POST", "/api/knowledge/articles", PERMIT)
    assert status == 201 and draft["state"] == "draft" and draft["number"] == 1
    assert PERMIT["question"] not in await search(c, server, "giay phep xay dung")
    assert (await call(c["xaydung"], server, "POST", f"/api/knowledge/versions/{draft['id']}/approve", {}))[0] == 403
    assert (await call(c["op1"], server, "POST", "/api/knowledge/articles", PERMIT))[0] == 403
    assert (await call(c["xaydung"], server, "POST", f"/api/knowledge/versions/{draft['id']}/submit", {}))[0] == 200
    status, waiting = await call(c["gs1"], server, "GET", "/api/knowledge/articles", params={"state": "submitted"})
    assert [a["question"] for a in waiting] == [PERMIT["question"]]
    status, v1 = await call(c["gs1"], server, "POST", f"/api/knowledge/versions/{draft['id']}/approve", {"note": "ok"})
    assert v1["state"] == "approved" and v1["reviewed_by"] == "gs1"

    # Typed without diacritics, with a typing mistake, or still typing: found first.
    for typed in ("cap giay phep xay dung", "Cấp giấy phép xây dựng", "cap giay phep xay dnug", "giay pehp xay dung",
                  "cap giay phep xay d"):
        assert (await search(c, server, typed))[:1] == [PERMIT["question"]], typed
    assert await search(c, server, "zzzz qqqq") == []

    # The operator answers a ticket from it: the history cites article and version.
    t = await p.store.receive(p.handling, OPERATOR, topic="administrative_procedures", caller_phone="0912345678",
                              content="Hỏi thủ tục xin giấy phép xây nhà", channel="phone")
    status, found = await call(c["op1"], server, "POST", "/api/knowledge/suggest",
                               {"field": "administrative_procedures", "text": "xin giấy phép xây nhà ở"})
    assert found[0]["question"] == PERMIT["question"], found
    article = found[0]
    status, view = await call(c["op1"], server, "POST", f"/api/tickets/{t.id}/actions/answer_directly",
                              {"result": article["answer"], "article_version": article["version_id"]})
    assert status == 200, view
    async with p.sessions() as s:
        line = (await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                           TicketEvent.action == "answer_directly"))).one()
        cited = (await s.scalars(select(Citation).where(Citation.ticket_id == t.id))).one()
    assert (line.detail["article"], line.detail["article_version"]) == (article["id"], 1)
    assert (cited.article_id, cited.version_id, cited.cited_by) == (article["id"], article["version_id"], "op1")
    # A draft cannot be cited.
    status, d2 = await call(c["xaydung"], server, "PUT", f"/api/knowledge/articles/{article['id']}",
                            {**PERMIT, "answer": "Nộp hồ sơ trực tuyến trên Cổng dịch vụ công; thời hạn 15 ngày."})
    assert status == 200 and d2["number"] == 2 and d2["state"] == "draft"
    t2 = await p.store.receive(p.handling, OPERATOR, topic="administrative_procedures", caller_phone="0912345679", content="Hỏi", channel="phone")
    status, err = await call(c["op1"], server, "POST", f"/api/tickets/{t2.id}/actions/answer_directly",
                             {"result": "x", "article_version": d2["id"]})
    assert status == 422, err
    # Until version 2 is approved operators read version 1; then version 2.
    status, shown = await call(c["op1"], server, "GET", f"/api/knowledge/articles/{article['id']}")
    assert shown["current"]["number"] == 1 and shown["versions"] == []
    await call(c["xaydung"], server, "POST", f"/api/knowledge/versions/{d2['id']}/submit", {})
    await call(c["gs1"], server, "POST", f"/api/knowledge/versions/{d2['id']}/approve", {})
    status, shown = await call(c["xaydung"], server, "GET", f"/api/knowledge/articles/{article['id']}")
    assert shown["current"]["number"] == 2 and [v["state"] for v in shown["versions"]] == ["superseded", "approved"]
    assert "trực tuyến" in (await call(c["op1"], server, "GET", "/api/knowledge/search",
                                       params={"q": "giay phep xay dung"}))[1][0]["answer"]

    # The reports: level-1 answers by field, the article used, and corrected since by the agency.
    report = await knowledge_report(p.sessions, period("day", date.today(), "UTC"), kb.topics)
    procedures = next(f for f in report["by_field"] if f["key"] == "administrative_procedures")
    assert (procedures["calls"], procedures["level1"], procedures["from_articles"]) == (2, 1, 1)
    assert procedures["level1_share"] == 50.0
    assert [(a["id"], a["uses"]) for a in report["most_used"]] == [(article["id"], 1)]
    assert [(a["id"], a["tickets"], a["version"]) for a in report["corrected"]] == [(article["id"], 1, 2)]

    # Past its review date (a year after approval by default) the article is flagged stale, also in
    # results remembered from before.
    status, found = await call(c["op1"], server, "GET", "/api/knowledge/search", params={"q": "giay phep xay dung"})
    assert found[0]["id"] == article["id"] and found[0]["stale"] is False
    status, stale = await call(c["gs1"], server, "GET", "/api/knowledge/articles", params={"stale": "1"})
    assert article["id"] not in [a["id"] for a in stale]
    review_by = date.fromisoformat(found[0]["review_by"])
    kb.today = lambda: review_by + timedelta(days=1)
    status, found = await call(c["op1"], server, "GET", "/api/knowledge/search", params={"q": "giay phep xay dung"})
    assert found[0]["stale"] is True
    status, stale = await call(c["gs1"], server, "GET", "/api/knowledge/articles", params={"stale": "1"})
    assert article["id"] in [a["id"] for a in stale]


async def test_import_with_a_bad_row(kb_api):
    p, kb, server, c = kb_api
    csv_text = ("linh_vuc,cau_hoi,tra_loi,so_van_ban,ngay_hieu_luc\n"
                "Thủ tục hành chính,Cấp giấy phép xây dựng có thời hạn,Nộp tại UBND huyện.,15/2021/NĐ-CP,03/03/2021\n"
                "thu tuc hanh chinh,Cấp lại giấy phép xây dựng,Nộp tại UBND huyện.,,\n"
                "Thủ tục hành chính,Gia hạn giấy phép,Nộp tại UBND huyện.,,31/02/2021\n")
    form = aiohttp.FormData()
    form.add_field("file", csv_text.encode(), filename="xaydung.csv", content_type="text/csv")
    status, report = await call(c["xaydung"], server, "POST", "/api/knowledge/import", data=form)
    assert status == 200, report
    assert report["added"] == 2
    assert report["errors"] == [{"row": 4, "column": "ngay_hieu_luc", "message": "ngày không hợp lệ (dùng dd/mm/yyyy)"}]
    status, mine = await call(c["xaydung"], server, "GET", "/api/knowledge/articles", params={"state": "draft"})
    assert sorted(a["question"] for a in mine) == ["Cấp giấy phép xây dựng có thời hạn", "Cấp lại giấy phép xây dựng"]
    # Another agency's field: each row refused by name.
    form = aiohttp.FormData()
    form.add_field("file", csv_text.encode(), filename="x.csv", content_type="text/csv")
    status, report = await call(c["dienluc"], server, "POST", "/api/knowledge/import", data=form)
    assert report["added"] == 0 and [e["row"] for e in report["errors"]] == [2, 3, 4]
    form = aiohttp.FormData()
    form.add_field("file", b"\x00\x01garbage", filename="x.xlsx", content_type="application/octet-stream")
    status, err = await call(c["xaydung"], server, "POST", "/api/knowledge/import", data=form)
    assert status == 422 and "Excel" in err["error"]


async def test_application_statuses_from_an_export(sessions):
    source = TableSource(sessions)
    export = ("ma_ho_so,trang_thai,thu_tuc,co_quan,ngay_nhan,ngay_hen_tra\n"
              "H18.22-261120-0001,in_progress,Cấp giấy phép xây dựng,UBND TP Cao Lãnh,20/11/2026,04/12/2026\n"
              "H18.22-261120-0002,finished,Cấp giấy phép xây dựng,UBND TP Cao Lãnh,20/11/2026,\n"
              "H18.22-261121-0003,ready,Đăng ký kinh doanh,Sở KH&ĐT,2026-11-21,2026-11-28\n")
    report = await source.import_rows(export.encode(), "motcua.csv")
    assert len(report.added) == 2
    assert [str(e) for e in report.errors][0].startswith("dòng 3, cột trang_thai")
    app = await source.find("18222611200001")  # keyed on a phone: the digits only
    assert (app.code, app.status, app.due_on) == ("H18.22-261120-0001", "in_progress", date(2026, 12, 4))
    assert (await source.find("h18.22-261121-0003")).status == "ready"  # as printed, any case
    assert await source.find("18222611200002") is None  # the bad row was not kept
    # An export without the status column is refused as a whole, naming the column.
    report = await source.import_rows(b"code,trang thai cu\nH18.22-1,ready\n", "old.csv")
    assert [str(e) for e in report.errors] == ["dòng 1, cột status: thiếu cột này"] and not report.added
    # A newer export replaces the application's row.
    await source.import_rows(b"code,status\nH18.22-261120-0001,ready\n", "motcua2.csv")
    assert (await source.find("18222611200001")).status == "ready"


async def test_import_from_excel_and_word(kb_api):
    import io

    import docx
    from openpyxl import Workbook

    p, kb, server, c = kb_api
    book = Workbook()
    sheet = book.active
    sheet.append(["Lĩnh vực", "Câu hỏi", "Trả lời", "Phí, lệ phí"])
    sheet.append(["Thủ tục hành chính", "Điều chỉnh giấy phép xây dựng", "Nộp tại UBND huyện.", "Không"])
    sheet.append(["Thủ tục hành chính", "Ngắn", "Nộp tại UBND huyện.", ""])  # question too short
    data = io.BytesIO()
    book.save(data)
    form = aiohttp.FormData()
    form.add_field("file", data.getvalue(), filename="xaydung.xlsx")
    status, report = await call(c["xaydung"], server, "POST", "/api/knowledge/import", data=form)
    assert status == 200 and report["added"] == 1, report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "câu hỏi")]

    document = docx.Document()
    document.add_heading("Cấp giấy phép di dời công trình", level=2)
    document.add_paragraph("Nộp hồ sơ tại Sở Xây dựng.")
    document.add_paragraph("Thời hạn 20 ngày.")
    document.add_heading("Thu hồi giấy phép xây dựng", level=2)
    document.add_paragraph("UBND cấp huyện thu hồi khi công trình sai phép.")
    data = io.BytesIO()
    document.save(data)
    form = aiohttp.FormData()
    form.add_field("file", data.getvalue(), filename="huong-dan.docx")
    form.add_field("field", "administrative_procedures")
    status, report = await call(c["xaydung"], server, "POST", "/api/knowledge/import", data=form)
    assert status == 200 and report["added"] == 2 and report["errors"] == [], report
    status, drafts = await call(c["xaydung"], server, "GET", "/api/knowledge/articles", params={"state": "draft"})
    by_question = {a["question"]: a for a in drafts}
    assert set(by_question) == {"Điều chỉnh giấy phép xây dựng", "Cấp giấy phép di dời công trình",
                                "Thu hồi giấy phép xây dựng"}
    status, shown = await call(c["xaydung"], server, "GET",
                               f"/api/knowledge/articles/{by_question['Cấp giấy phép di dời công trình']['id']}")
    assert shown["versions"][0]["answer"] == "Nộp hồ sơ tại Sở Xây dựng.\nThời hạn 20 ngày."
    assert shown["versions"][0]["source"] == "huong-dan.docx:1"

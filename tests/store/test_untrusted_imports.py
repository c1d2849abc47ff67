"""Office files and forms from outside (#29), through the knowledge base's import as the desk
calls it (read in the worker pool, on SQLite and PostgreSQL) and through the form reader behind
every upload (a real aiohttp server): zip bombs are refused with their reason and nothing of them
is kept, a good file is imported beside them; a form with nested parts or too many parts is
refused with a clear error, not a server error."""

from __future__ import annotations

import io
import zipfile

import aiohttp
import docx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from openpyxl import Workbook

from hotline.errors import Refused
from hotline.knowledge.articles import Editor, KnowledgeBase
from hotline.knowledge.importer import ArticleImport
from hotline.spreadsheets import UnreadableFile
from hotline.untrusted import MIB
from hotline.web.attachments import read_form


def bomb(member: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open(member, "w", force_zip64=True) as f:
            for _ in range(300):  # 300 MiB of zeros: over the total as declared, and the ratio
                f.write(bytes(MIB))
    return out.getvalue()


def workbook() -> bytes:
    wb = Workbook()
    wb.active.append(["question", "answer", "field"])
    wb.active.append(["Cấp giấy phép xây dựng nhà ở riêng lẻ?", "Nộp hồ sơ tại Bộ phận một cửa cấp huyện.", "xay_dung"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def word() -> bytes:
    d = docx.Document()
    d.add_heading("Đăng ký khai sinh ở đâu?", level=1)
    d.add_paragraph("Tại UBND cấp xã nơi cư trú của cha hoặc mẹ.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


async def test_zip_bombs_are_refused_and_good_files_imported(sessions):
    kb = KnowledgeBase(sessions, {"xay_dung": "Xây dựng", "tu_phap": "Tư pháp"})
    importer = ArticleImport(kb)
    editor = Editor("gs", "supervisor")
    for name, member in (("bom.xlsx", "xl/worksheets/sheet1.xml"), ("bom.docx", "word/document.xml")):
        with pytest.raises(UnreadableFile) as refused:
            await importer.run(editor, bomb(member), name)
        assert str(refused.value).startswith(f"{name}: ") and ("giải nén" in str(refused.value)
                                                                or "tỉ lệ nén" in str(refused.value))
    assert len((await importer.run(editor, workbook(), "bai.xlsx")).added) == 1
    assert len((await importer.run(editor, word(), "bai.docx", field="tu_phap")).added) == 1


@pytest.fixture
async def form_server():
    async def upload(request: web.Request) -> web.Response:
        try:
            fields, uploads = await read_form(request)
        except Refused as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        return web.json_response({"fields": fields, "files": [u.filename for u in uploads]})

    app = web.Application(client_max_size=5 * MIB)
    app.router.add_post("/upload", upload)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


async def post(server: TestServer, body: bytes, boundary: str = "B") -> tuple[int, dict]:
    async with aiohttp.ClientSession() as client:
        async with client.post(server.make_url("/upload"), data=body,
                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}) as r:
            return r.status, await r.json()


async def test_a_form_with_nested_or_too_many_parts_is_refused(form_server):
    good = (b'--B\r\nContent-Disposition: form-data; name="content"\r\n\r\nC\xe1\xbb\x91ng t\xe1\xba\xafc\r\n'
            b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\n\xff\xd8\xff\r\n--B--\r\n')
    assert await post(form_server, good) == (200, {"fields": {"content": "Cống tắc"}, "files": ["a.jpg"]})
    many = b"".join(b'--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(1500))
    status, body = await post(form_server, many + b"--B--\r\n")
    assert status == 413 and "quá nhiều phần" in body["error"]
    nested = (b'--B\r\nContent-Disposition: form-data; name="x"\r\nContent-Type: multipart/mixed; boundary=C\r\n\r\n'
              b'--C\r\nContent-Type: text/plain\r\n\r\ny\r\n--C--\r\n--B--\r\n')
    status, body = await post(form_server, nested)
    assert status == 400 and "Biểu mẫu không hợp lệ" in body["error"]

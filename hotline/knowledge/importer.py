"""Agencies' existing documents into drafts: a spreadsheet (CSV or XLSX, one article a row, the
columns below in English or Vietnamese) or a Word document (DOCX: each heading a question, the
paragraphs under it its answer). Good rows become drafts; each bad one is named by row and column
and nothing of it is kept.

Files are read in a worker process (`hotline.untrusted`: time and memory limits, ZIP members
checked before they are inflated): a zip bomb or a file that takes too long is refused with its
reason, and the event loop only awaits the rows."""

from __future__ import annotations

import asyncio
import io

import docx  # python-docx
from pydantic import ValidationError

from hotline.errors import Refused
from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase
from hotline.knowledge.text import fold
from hotline.spreadsheets import ImportReport, RowError, UnreadableFile, checked_archive, parse_date, records
from hotline.untrusted import Refusal, Sandbox, shared

COLUMNS = {
    "field": ("field", "linh_vuc", "lĩnh vực"),
    "question": ("question", "cau_hoi", "câu hỏi"),
    "answer": ("answer", "tra_loi", "trả lời"),
    "steps": ("steps", "trinh_tu", "trình tự thực hiện"),
    "papers": ("papers", "thanh_phan_ho_so", "thành phần hồ sơ"),
    "fees": ("fees", "le_phi", "phí, lệ phí"),
    "processing_time": ("processing_time", "thoi_han", "thời hạn giải quyết"),
    "submit_where": ("submit_where", "noi_nop", "nơi nộp"),
    "legal_basis": ("legal_basis", "can_cu", "căn cứ pháp lý"),
    "legal_document": ("legal_document", "so_van_ban", "số văn bản"),
    "legal_effective": ("legal_effective", "ngay_hieu_luc", "ngày hiệu lực"),
    "review_by": ("review_by", "ngay_ra_soat", "ngày rà soát"),
}
DATES = ("legal_effective", "review_by")
MAX_DOCX_BYTES = 20 * 1024 * 1024
BATCH = 5  # rows saved in one transaction: each step of the event loop stays a few milliseconds (20 rows: ~15 ms)


class ArticleImport:
    def __init__(self, kb: KnowledgeBase, sandbox: Sandbox | None = None):
        self.kb = kb
        self.sandbox = sandbox or shared()
        # A field may be written as its id or its name, with or without diacritics.
        self.fields = {fold(name): fid for fid, name in kb.topics.items()} | {fid: fid for fid in kb.topics}

    def _field(self, text: str, default: str | None) -> str:
        return self.fields.get(fold(text).strip(), text) if text else (default or "")

    async def run(self, editor: Editor, data: bytes, filename: str, field: str | None = None,
                  agency_id: int | None = None) -> ImportReport:
        try:
            items = await self.sandbox.run(read_items, data, filename)
        except Refusal as refused:
            raise UnreadableFile(f"{filename}: {refused.reason}") from None
        report = ImportReport()
        texts: list[tuple[int, dict, ArticleText, str]] = []
        for n, (number, label, values) in enumerate(items):
            if n % BATCH == BATCH - 1:
                await asyncio.sleep(0)  # other callers (the line, the desktops) between rows
            values["field"] = self._field(values.get("field", ""), field)
            if agency_id is not None:
                values["agency_id"] = agency_id
            checked = self._text(values)
            if isinstance(checked, ArticleText):
                texts.append((number, label, checked, f"{filename}:{number}"))
            else:
                column, message = checked
                report.errors.append(RowError(number, label.get(column, column), message))
        for start in range(0, len(texts), BATCH):
            batch = texts[start:start + BATCH]
            results = await self.kb.add_drafts(editor, [(text, source) for _, _, text, source in batch])
            for (number, label, _, _), result in zip(batch, results):
                if isinstance(result, Refused):
                    report.errors.append(RowError(number, label.get("field", "field"), str(result)))
                else:
                    report.added.append(result)
        report.errors.sort(key=lambda e: e.row)
        return report

    @staticmethod
    def _text(values: dict) -> ArticleText | tuple[str, str]:
        """The row's article, or (column, message) of its first error."""
        for name in DATES:
            try:
                values[name] = parse_date(values.get(name) or "")
            except ValueError as exc:
                return name, str(exc)
        try:
            return ArticleText.model_validate({k: v for k, v in values.items() if v not in ("", None)})
        except ValidationError as exc:
            err = exc.errors()[0]
            return (str(err["loc"][0]) if err["loc"] else "question"), err["msg"]


def read_items(data: bytes, filename: str) -> list[tuple[int, dict, dict]]:
    """(number, column labels, values) of each article in the file. Run in a worker."""
    if filename.lower().endswith(".docx"):
        return list(_docx(data, filename))
    label, table = records(data, filename, COLUMNS)
    return [(number, label, values) for number, values in table]


def _docx(data: bytes, filename: str):
    if len(data) > MAX_DOCX_BYTES:
        raise UnreadableFile(f"{filename}: tệp quá lớn")
    checked_archive(data, filename, "Word")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # not a Word document (python-docx raises several kinds)
        raise UnreadableFile(f"{filename}: không đọc được tệp Word ({type(exc).__name__})") from None
    label = {"question": "tiêu đề", "answer": "nội dung", "field": "lĩnh vực"}
    current: tuple[int, list[str], list[str]] | None = None
    for number, p in enumerate(document.paragraphs, start=1):
        if p.style is not None and p.style.name.lower().startswith(("heading", "title")):
            if current:
                yield current[0], label, {"question": " ".join(current[1]), "answer": "\n".join(current[2])}
            current = (number, [p.text.strip()], [])
        elif current and p.text.strip():
            current[2].append(p.text.strip())
    if current:
        yield current[0], label, {"question": " ".join(current[1]), "answer": "\n".join(current[2])}

"""Rows of the CSV and XLSX files agencies and one-stop systems export, with errors that name the
row and the column, for every import (knowledge base drafts, application statuses).

An XLSX file is a ZIP archive: its members are checked (count, declared and actual inflated sizes,
`hotline.untrusted.check_zip`) before it is opened, so a zip bomb is refused with its reason. Run
`rows`/`records` in a worker (`hotline.untrusted.Sandbox`) where the caller serves other work."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook

from hotline.untrusted import NotAnArchive, Refusal, check_zip

MAX_ROWS = 200_000


class UnreadableFile(ValueError):
    """A file that cannot be read at all (not its rows)."""


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"dòng {self.row}, cột {self.column}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    added: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"added": len(self.added), "errors": [e.as_dict() for e in self.errors],
                "messages": [str(e) for e in self.errors]}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def checked_archive(data: bytes, filename: str, kind: str) -> None:
    """An office file (a ZIP archive: Excel, Word) within the archive limits before it is opened;
    else UnreadableFile naming the file and why."""
    try:
        check_zip(data)
    except NotAnArchive as exc:
        raise UnreadableFile(f"{filename}: không đọc được tệp {kind} ({exc.reason})") from None
    except Refusal as refused:
        raise UnreadableFile(f"{filename}: {refused.reason}") from None


def rows(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (lower case, trimmed) and each non-empty row by its spreadsheet number."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        checked_archive(data, filename, "Excel")
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise UnreadableFile(f"{filename}: không đọc được tệp Excel ({type(exc).__name__})") from None
        table = ([_text(v) for v in r] for r in sheet.iter_rows(values_only=True))
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFile(f"{filename}: tệp CSV phải dùng bảng mã UTF-8") from None
        table = ([c.strip() for c in r] for r in csv.reader(io.StringIO(text)))
    else:
        raise UnreadableFile(f"{filename}: chỉ nhận tệp .csv hoặc .xlsx")
    header = [h.lower() for h in next(table, [])]
    if not any(header):
        raise UnreadableFile(f"{filename}: dòng 1 phải là tiêu đề các cột")
    out = []
    for number, values in enumerate(table, start=2):
        if number > MAX_ROWS:
            raise UnreadableFile(f"{filename}: quá {MAX_ROWS} dòng")
        if any(values):
            out.append((number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}))
    return header, out


def records(data: bytes, filename: str, columns: dict[str, tuple[str, ...]],
            required: tuple[str, ...] = ()) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """Rows by the names the importer knows (`columns`: name → the header's accepted spellings):
    the header label found for each name (for errors), and each row's values by name ("" where the
    column is absent). A required column missing from the header is a `RowError` on row 1."""
    header, table = rows(data, filename)
    label = {name: next((a for a in aliases if a in header), aliases[0]) for name, aliases in columns.items()}
    for name in required:
        if label[name] not in header:
            raise MissingColumn(RowError(1, label[name], "thiếu cột này"))
    return label, [(number, {name: row.get(label[name], "") for name in columns}) for number, row in table]


class MissingColumn(ValueError):
    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


def parse_date(text: str) -> date | None:
    """A date as 2026-12-04, 04/12/2026 or 4/12/2026; None for an empty cell; ValueError else."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError("ngày không hợp lệ (dùng dd/mm/yyyy)")

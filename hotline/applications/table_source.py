"""Application statuses kept in the hotline's own table, fed by the one-stop system's CSV or XLSX
exports (`hotline applications import FILE`): for provinces whose system has no API. A newer
export replaces the rows of the applications it holds."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.applications.status import Application, clean_code, keypad
from hotline.config.menu import APPLICATION_STATUSES
from hotline.spreadsheets import ImportReport, MissingColumn, RowError, parse_date, records
from hotline.store.knowledge import ApplicationStatus

# Column names of an export, in English or Vietnamese (without diacritics or with).
COLUMNS = {
    "code": ("code", "ma_ho_so", "mã hồ sơ", "so_bien_nhan", "số biên nhận"),
    "status": ("status", "trang_thai", "trạng thái"),
    "procedure": ("procedure", "thu_tuc", "thủ tục"),
    "agency": ("agency", "co_quan", "cơ quan"),
    "received_on": ("received_on", "ngay_nhan", "ngày nhận"),
    "due_on": ("due_on", "ngay_hen_tra", "ngày hẹn trả"),
}
BATCH = 500


def _to_app(r: ApplicationStatus) -> Application:
    return Application(r.code, r.status, r.procedure, r.agency, r.received_on, r.due_on)


class TableSource:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def find(self, code: str) -> Application | None:
        digits = keypad(code)
        async with self.sessions() as s:
            conds = [ApplicationStatus.code == code.upper()]
            if digits == code:  # keyed on a phone: the digits of the receipt number
                conds.append(ApplicationStatus.keypad == digits)
            found = list(await s.scalars(select(ApplicationStatus).where(or_(*conds)).limit(2)))
        if len(found) != 1:  # two receipts with the same digits: the caller must say which
            return None
        return _to_app(found[0])

    async def close(self) -> None:
        pass

    async def import_rows(self, data: bytes, filename: str) -> ImportReport:
        try:
            label, table = records(data, filename, COLUMNS, required=("code", "status"))
        except MissingColumn as exc:
            return ImportReport(errors=[exc.error])
        report = ImportReport()
        now = datetime.now(timezone.utc)
        good: list[ApplicationStatus] = []
        for number, row in table:
            code = clean_code(row["code"])
            if code is None:
                report.errors.append(RowError(number, label["code"], f"mã hồ sơ không hợp lệ: {row['code'][:40]!r}"))
                continue
            if row["status"] not in APPLICATION_STATUSES:
                report.errors.append(RowError(number, label["status"], f"trạng thái {row['status'][:40]!r} không "
                                                                       "thuộc: " + ", ".join(APPLICATION_STATUSES)))
                continue
            dates = {}
            try:
                for name in ("received_on", "due_on"):
                    dates[name] = parse_date(row[name])
            except ValueError as exc:
                report.errors.append(RowError(number, label[name], str(exc)))
                continue
            good.append(ApplicationStatus(code=code.upper(), keypad=keypad(code), status=row["status"],
                                          procedure=row["procedure"][:500], agency=row["agency"][:200],
                                          updated_at=now, **dates))
        async with self.sessions() as s, s.begin():
            for i in range(0, len(good), BATCH):
                batch = {a.code: a for a in good[i:i + BATCH]}  # the last row of a code wins
                await s.execute(delete(ApplicationStatus).where(ApplicationStatus.code.in_(batch)))
                s.add_all(batch.values())
                await s.flush()
        report.added = good
        return report

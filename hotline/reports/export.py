"""A report as CSV (UTF-8 with BOM, so spreadsheet programs read the Vietnamese) or XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

COLUMNS = [("name", "Nhóm"), ("received", "Tiếp nhận"), ("answered_directly", "Trả lời trực tiếp"),
           ("transferred", "Chuyển cơ quan"), ("on_time", "Đúng hạn"), ("late", "Trễ hạn"),
           ("overdue", "Quá hạn"), ("pending", "Đang xử lý"), ("rejected", "Không tiếp nhận")]
CALL_COLUMNS = [("name", "Hàng đợi"), ("offered", "Cuộc gọi đến"), ("answered", "Đã trả lời"),
                ("abandoned", "Bỏ máy khi chờ"), ("timed_out", "Hết thời gian chờ"),
                ("avg_wait_seconds", "Chờ trung bình (giây)"), ("avg_talk_seconds", "Đàm thoại trung bình (giây)"),
                ("service_level", "Mức phục vụ (%)")]
CONVERSATION_COLUMNS = [("name", "Kênh"), ("conversations", "Hội thoại"), ("answered", "Đã trả lời"),
                        ("closed", "Đã đóng"), ("waiting", "Đang chờ trả lời"), ("late", "Trả lời trễ"),
                        ("messages_in", "Tin nhắn đến"), ("messages_out", "Tin trả lời"),
                        ("median_first_reply_minutes", "Trả lời đầu tiên, trung vị (phút)"),
                        ("p90_first_reply_minutes", "Trả lời đầu tiên, 90% (phút)")]
SECTIONS = [("by_field", "Theo lĩnh vực"), ("by_agency", "Theo cơ quan"), ("by_channel", "Theo kênh"),
            ("by_level", "Theo cấp"), ("by_commune", "Theo xã, phường, đặc khu")]


def rows(report: dict) -> list[list]:
    out: list[list] = [[report.get("title", "Báo cáo"), report["period"]["label"]], [], [h for _, h in COLUMNS],
                       ["Tổng cộng", *[report["totals"][k] for k, _ in COLUMNS[1:]]]]
    for key, title in SECTIONS:
        out += [[], [title]] + [[r["name"], *[r[k] for k, _ in COLUMNS[1:]]] for r in report[key]]
    calls = report.get("calls")
    if calls:
        out += [[], ["Cuộc gọi"], [h for _, h in CALL_COLUMNS]]
        out += [[name, *[c[k] for k, _ in CALL_COLUMNS[1:]]]
                for name, c in [("Tổng cộng", calls["totals"])] + [(q["name"], q) for q in calls["by_queue"]]]
    conversations = report.get("conversations")
    if conversations:
        out += [[], ["Hội thoại bằng văn bản theo kênh"], [h for _, h in CONVERSATION_COLUMNS]]
        out += [[c[k] if c[k] is not None else "" for k, _ in CONVERSATION_COLUMNS]
                for c in [conversations["totals"], *conversations["by_channel"]]]
    agencies = report.get("agencies")  # a statutory report: per agency rates, ranked where asked
    if agencies:
        title = "Xếp hạng đơn vị" if report.get("ranked") else "Kết quả theo cơ quan"
        out += [[], [title], ["Hạng", "Cơ quan", "Tiếp nhận", "Đúng hạn", "Trễ hạn", "Quá hạn",
                              "Tỷ lệ đúng hạn (%)", "Hài lòng trung bình (1-5)", "Số đánh giá"]]
        out += [[a["rank"] if report.get("ranked") else "", a["name"], a["received"], a["on_time"], a["late"],
                 a["overdue"], a["on_time_rate"], a["rating_avg"], a["rated"]] for a in agencies]
    proposals = report.get("good_proposals")
    if proposals is not None:
        out += [[], ["Hiến kế hay, sáng tạo"], ["Mã phiếu", "Lĩnh vực", "Đơn vị", "Ngày ghi nhận", "Nhận xét của đơn vị"]]
        out += [[g["code"], g["field"], g["agency"], g["at"], g["note"]] for g in proposals]
    out += [[], ["Mức độ hài lòng"]] + [[r["name"], r["count"]] for r in report["satisfaction"]]
    for key, title in (("overdue_list", "Phiếu quá hạn"), ("unresolved_list", "Phiếu chưa giải quyết")):
        out += [[], [title], ["Mã phiếu", "Lĩnh vực", "Cơ quan", "Tình trạng", "Hạn", "Ngày tiếp nhận"]]
        out += [[r["code"], r["field"], r["agency"], r["status"], r["due_at"], r["created_at"]] for r in report[key]]
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _safe(v):
    """Cells a spreadsheet would run as a formula are written as text: a leading =, +, -, @ (or
    their full-width forms), and a leading tab, CR or LF, which some programs skip before looking
    for a formula. Leading blanks are looked through too."""
    if isinstance(v, str) and v.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + v
    return v


def to_csv(report: dict) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows(report):
        writer.writerow([_safe(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(report: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for r in rows(report):
        ws.append([_safe(v) for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

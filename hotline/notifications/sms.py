"""SMS texts in Vietnamese and their length rules.

Vietnamese with diacritics does not fit the GSM 7-bit alphabet, so messages travel as UCS-2:
70 characters in one message, 67 per part once concatenated. Texts are kept within
`MAX_SEGMENTS` parts; the variable parts (names) are shortened first, never the ticket code or
the deadline.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
MAX_SEGMENTS = 3


def segments(text: str) -> int:
    """How many SMS parts a text takes."""
    single, multi = (160, 153) if set(text) <= GSM7 else (70, 67)
    if len(text) <= single:
        return 1
    return -(-len(text) // multi)


def _shorten(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: max(limit - 1, 1)].rstrip() + "…"


def local_time(instant: datetime, tz: str = "Asia/Ho_Chi_Minh") -> str:
    return instant.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


def transfer_slip_text(code: str, agency: str, topic: str | None, due: datetime, tz: str) -> str:
    """To the agency's focal point when a transfer could not be made live (Đồng Tháp Art. 9.3)."""
    for limit in (80, 50, 30, 15):
        about = f" ({topic})" if topic else ""
        text = (f"Tổng đài 1022 chuyển phiếu {code}{about} tới {_shorten(agency, limit)}. "
                f"Đề nghị trả lời người dân trước {local_time(due, tz)}.")
        if segments(text) <= MAX_SEGMENTS:
            return text
        topic = None
    return text


def escalation_text(code: str, agency: str, due: datetime, tz: str) -> str:
    """To the agency head when the focal point let the deadline pass (Đồng Tháp Art. 9.4)."""
    for limit in (80, 50, 30, 15):
        text = (f"Tổng đài 1022: phiếu {code} chuyển {_shorten(agency, limit)} đã quá hạn trả lời của cán bộ "
                f"đầu mối. Đề nghị Thủ trưởng chỉ đạo trả lời trước {local_time(due, tz)}.")
        if segments(text) <= MAX_SEGMENTS:
            return text
    return text

"""How a transfer ended, from what Asterisk reports. Plain logic, unit-tested without I/O."""

from __future__ import annotations

ACTIVE = ("dialing", "consulting")
FAILED = ("no_answer", "busy", "unreachable")  # the agency did not pick up: a slip may follow
OUTCOME_NAMES = {
    "dialing": "Đang gọi", "consulting": "Đang trao đổi với cơ quan", "completed": "Đã chuyển",
    "cancelled": "Đã hủy, quay lại người gọi", "no_answer": "Cơ quan không nghe máy", "busy": "Máy cơ quan bận",
    "unreachable": "Không liên lạc được cơ quan", "caller_hung_up": "Người gọi đã gác máy",
    "agency_hung_up": "Cơ quan đã gác máy", "failed": "Lỗi tổng đài", "interrupted": "Bị gián đoạn (khởi động lại)",
}


def outcome_of_dial(dial_status: str) -> str | None:
    """DialEnd's DialStatus -> the transfer's outcome (None: the agency answered)."""
    return {"ANSWER": None, "BUSY": "busy", "NOANSWER": "no_answer", "CHANUNAVAIL": "unreachable",
            "CONGESTION": "unreachable", "CANCEL": "cancelled"}.get(dial_status.upper(), "unreachable")

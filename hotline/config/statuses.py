"""Ticket statuses as the IVR and the public look-up speak of them. Issue #6's workflow maps its
finer states onto these."""

from enum import StrEnum


class TicketStatus(StrEnum):
    RECEIVED = "received"  # recorded, waiting for classification
    IN_PROGRESS = "in_progress"  # with an agency
    ANSWERED = "answered"  # result recorded
    OVERDUE = "overdue"  # past the deadline
    CLOSED = "closed"
    REJECTED = "rejected"  # outside the accepted fields, reason given


STATUSES = [s.value for s in TicketStatus]
# What the IVR may say of a ticket: its status, or that an overdue ticket was reported to the
# provincial office (only once the office was told, `ticket_events.office_notified`).
OVERDUE_REPORTED = "overdue_reported"
# Closed without a result (a lapsed request to complete it, a fake report), never "completed";
# a duplicate, said with its original's code and status (`hotline.ticketing.store.SpokenStatus`).
SPOKEN_STATUSES = [*STATUSES, OVERDUE_REPORTED, "closed_no_result", "closed_unclarified", "duplicate"]
STATUS_NAMES = {"received": "Đã tiếp nhận", "in_progress": "Đang xử lý", "answered": "Đã trả lời", "overdue": "Quá hạn",
                "closed": "Đã đóng", "rejected": "Từ chối tiếp nhận"}

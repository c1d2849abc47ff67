"""The agency inbox: tickets handed to an agency (transfer slips, escalations), and its answer.

The answer closes the agency's deadline: it is claimed with one conditional UPDATE, so a second
submission (another tab, the head and the focal point at once) cannot overwrite the first.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.ticketing.escalation import aware
from hotline.ticketing.models import Ticket
from hotline.ticketing.statuses import TicketStatus
from hotline.transfers.records import add_event

OPEN_STAGES = ("focal_point", "head", "overdue")
STAGE_NAMES = {"focal_point": "Cán bộ đầu mối xử lý", "head": "Đã chuyển Thủ trưởng", "overdue": "Quá hạn",
               "answered": "Đã trả lời"}
HIDDEN = "(bảo mật)"


def inbox_item(t: Ticket, now: datetime) -> dict:
    """A ticket as its agency sees it. The reporter's details are there to answer the citizen,
    except on a confidential report (identity kept by the hotline)."""
    hide = t.confidential
    due = aware(t.due_at) if t.due_at else None
    return {"id": t.id, "code": t.code, "topic": t.topic, "channel": t.channel, "content": t.content,
            "reporter_name": HIDDEN if hide else t.reporter_name, "caller_phone": HIDDEN if hide else t.caller_phone,
            "address": HIDDEN if hide else t.address, "email": HIDDEN if hide else t.email,
            "confidential": t.confidential, "stage": t.handling_stage,
            "stage_text": STAGE_NAMES.get(t.handling_stage or "", t.handling_stage),
            "due_at": due.isoformat() if due else None,
            "overdue": bool(due and due < now and t.handling_stage in OPEN_STAGES),
            "created_at": aware(t.created_at).isoformat(), "result": t.result,
            "answered_at": aware(t.answered_at).isoformat() if t.answered_at else None}


class AgencyInbox:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def tickets(self, agency_id: int, limit: int = 500) -> list[dict]:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s:
            rows = await s.scalars(select(Ticket).where(Ticket.agency_id == agency_id,
                                                        Ticket.handling_stage.is_not(None))
                                   .order_by(Ticket.due_at.is_(None), Ticket.due_at).limit(limit))
            return [inbox_item(t, now) for t in rows]

    async def answer(self, agency_id: int, ticket_id: int, result: str, actor: str) -> dict:
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            if t is None or t.agency_id != agency_id:
                raise Refused(404, "Không có phiếu này trong hộp thư của cơ quan")
            late = t.handling_stage == "overdue"
            claimed = await s.execute(
                update(Ticket).where(Ticket.id == ticket_id, Ticket.handling_stage.in_(OPEN_STAGES))
                .values(handling_stage="answered", status=TicketStatus.ANSWERED, result=result, answered_at=now,
                        answered_by=actor).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                raise Refused(409, "Phiếu đã được trả lời")
            add_event(s, t.id, actor, "answered_by_agency", late=late, length=len(result))
        async with self.sessions() as s:
            return inbox_item(await s.get(Ticket, ticket_id), now)

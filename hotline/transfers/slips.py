"""The transfer slip (phiếu chuyển, Đồng Tháp Art. 9.3): when an agency does not pick up, the
ticket is assigned to the agency's focal point with the profile's deadline, and an SMS goes to
the focal point through the outbox, all in one transaction."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.errors import Refused
from hotline.notifications.outbox import enqueue
from hotline.notifications.sms import transfer_slip_text
from hotline.ticketing.deadlines import due_at
from hotline.ticketing.models import Agency, AgencyContact, SmsMessage, Ticket, Transfer
from hotline.ticketing.statuses import TicketStatus
from hotline.transfers.outcomes import FAILED
from hotline.transfers.records import add_event


async def send_slip(sessions: async_sessionmaker, profile: Profile, transfer_id: int, actor: str,
                    now: datetime | None = None) -> tuple[Ticket, SmsMessage]:
    now = now or datetime.now(timezone.utc)
    async with sessions() as s, s.begin():
        t = await s.get(Transfer, transfer_id)
        if t is None:
            raise Refused(404, "Không có lượt chuyển này")
        # Claim the slip with one conditional write, so two clicks (or the operator and the
        # automatic policy) cannot both send it.
        claimed = await s.execute(update(Transfer).where(Transfer.id == transfer_id, Transfer.slip_sent_at.is_(None))
                                  .values(slip_sent_at=now))
        if claimed.rowcount != 1:
            raise Refused(409, "Phiếu chuyển đã được gửi cho lượt chuyển này")
        if t.outcome not in FAILED or t.agency_id is None:
            raise Refused(409, "Chỉ lập phiếu chuyển khi cơ quan không nghe máy, máy bận hoặc không liên lạc được")
        ticket = await s.get(Ticket, t.ticket_id) if t.ticket_id else None
        if ticket is None:
            raise Refused(409, "Cuộc gọi chưa có phiếu tiếp nhận")
        agency = await s.get(Agency, t.agency_id)
        focal = await s.scalar(select(AgencyContact).where(AgencyContact.agency_id == t.agency_id,
                                                           AgencyContact.role == "focal_point")
                               .order_by(AgencyContact.id).limit(1))
        if focal is None:
            raise Refused(409, f"{agency.name} chưa có cán bộ đầu mối: cập nhật danh bạ cơ quan")
        ticket.agency_id, ticket.assignee_contact_id = agency.id, focal.id
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.due_at = due_at(now, profile.transfers.slip_deadline, profile.calendar)
        ticket.handling_stage, ticket.transferred_at = "focal_point", now
        topic = next((q.name for q in profile.queues.queues if q.topic == ticket.topic), None)
        text = transfer_slip_text(ticket.code, agency.name, topic, ticket.due_at,
                                  profile.calendar.timezone)
        sms = enqueue(s, focal.phone, text, "transfer_slip", ticket.id)
        add_event(s, ticket.id, actor, "transfer_slip", transfer_id=t.id, agency=agency.name,
                  focal_point=focal.name, due_at=ticket.due_at, outcome=t.outcome)
    return ticket, sms

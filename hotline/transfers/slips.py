"""The transfer slip (phiếu chuyển, Đồng Tháp Art. 9.3): when an agency does not pick up, the
ticket takes the workflow's transfer to the agency (its focal point, with the profile's deadline)
and an SMS goes to the focal point through the outbox, all in one transaction."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.ticketing.handling import Actor, Payload, TicketHandling
from hotline.store.agencies import Agency, AgencyContact, Transfer
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.transfers.outcomes import FAILED


async def send_slip(sessions: async_sessionmaker, handling: TicketHandling, transfer_id: int, actor: str,
                    now: datetime | None = None) -> tuple[Ticket, SmsMessage | None]:
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
        focal = await s.scalar(select(AgencyContact.id).where(AgencyContact.agency_id == t.agency_id,
                                                              AgencyContact.role == "focal_point").limit(1))
        if focal is None:
            raise Refused(409, f"{agency.name} chưa có cán bộ đầu mối: cập nhật danh bạ cơ quan")
        # The workflow's transfer: the agency's first step, its deadline, the slip SMS to the focal point.
        await handling.apply(s, ticket, "transfer", Actor(actor, frozenset({"operator"})),
                             Payload(agency_id=agency.id, extra={"transfer_id": t.id, "outcome": t.outcome}),
                             now, event="transfer_slip")
        await s.flush()
        sms = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == ticket.id,
                                                      SmsMessage.purpose == "transfer_slip")
                             .order_by(SmsMessage.id.desc()).limit(1))
    handling.on_sms()
    return ticket, sms

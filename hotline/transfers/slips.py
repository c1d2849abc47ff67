"""What follows a live transfer in writing, so the agency's answer is still required, timed and
counted: when the agency does not pick up, the transfer slip (phiếu chuyển, Đồng Tháp Art. 9.3);
when it does (a completed warm or blind transfer, Art. 9.2 and 3.5), the same assignment. Either
way the ticket takes the workflow's transfer to the agency (its focal point, with the profile's
deadline) and an SMS goes to the focal point through the outbox, in one transaction, once per
transfer (claimed by `slip_sent_at`)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.errors import Refused
from hotline.ticketing.handling import Actor, Payload, TicketHandling
from hotline.security.masking import mask_code
from hotline.store.agencies import Agency, AgencyContact, Transfer
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.transfers.outcomes import FAILED

log = logging.getLogger(__name__)

ACTION = "transfer"  # the workflow's action that hands a ticket to an agency, in every profile
FOLLOWED = ("warm", "blind")  # transfers that put the caller through to an agency


async def _claim(s: AsyncSession, transfer_id: int, now: datetime) -> bool:
    """One conditional write, so two clicks (or the operator and the automatic policy, or a
    completion and a submission) cannot both assign the ticket for the same transfer."""
    claimed = await s.execute(update(Transfer).where(Transfer.id == transfer_id, Transfer.slip_sent_at.is_(None))
                              .values(slip_sent_at=now))
    return claimed.rowcount == 1


async def _assign(s: AsyncSession, handling: TicketHandling, t: Transfer, ticket: Ticket, agency: Agency,
                  actor: str, now: datetime, event: str) -> None:
    await handling.apply(s, ticket, ACTION, Actor(actor, frozenset({"operator"})),
                         Payload(agency_id=agency.id, extra={"transfer_id": t.id, "outcome": t.outcome}),
                         now, event=event)


async def send_slip(sessions: async_sessionmaker, handling: TicketHandling, transfer_id: int, actor: str,
                    now: datetime | None = None) -> tuple[Ticket, SmsMessage | None]:
    now = now or datetime.now(timezone.utc)
    async with sessions() as s, s.begin():
        t = await s.get(Transfer, transfer_id)
        if t is None:
            raise Refused(404, "Không có lượt chuyển này")
        if not await _claim(s, transfer_id, now):
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
        await _assign(s, handling, t, ticket, agency, actor, now, "transfer_slip")
        await s.flush()
        sms = await s.scalar(select(SmsMessage).where(SmsMessage.ticket_id == ticket.id,
                                                      SmsMessage.purpose == "transfer_slip")
                             .order_by(SmsMessage.id.desc()).limit(1))
    handling.on_sms()
    return ticket, sms


async def follow_completed(s: AsyncSession, handling: TicketHandling, ticket: Ticket, actor: str,
                           now: datetime) -> bool:
    """Inside the caller's transaction: if the ticket's call was put through to an agency (its last
    completed warm or blind transfer, not yet followed), the ticket goes to that agency as a slip
    would take it. Nothing is written when the workflow cannot take the transfer from where the
    ticket stands (already answered or transferred by hand) or the agency is gone: the caller's own
    write (a submission) must not fail for it."""
    if ticket.draft:
        return False  # followed when the operator submits it
    calls = [Transfer.ticket_id == ticket.id] + ([Transfer.linkedid == ticket.linkedid] if ticket.linkedid else [])
    t = await s.scalar(select(Transfer).where(or_(*calls), Transfer.kind.in_(FOLLOWED),
                                              Transfer.outcome == "completed", Transfer.agency_id.is_not(None))
                       .order_by(Transfer.id.desc()).limit(1))
    if t is None or t.slip_sent_at is not None:
        return False
    agency = await s.get(Agency, t.agency_id)
    if agency is None or not agency.active or ACTION not in handling.allowed(ticket, Actor(actor, frozenset({"operator"})),
                                                                              now):
        log.info("ticket %s: the completed transfer %d is not followed (ticket at %s)", mask_code(ticket.code),
                 t.id, ticket.handling_stage)
        return False
    if not await _claim(s, t.id, now):
        return False
    await _assign(s, handling, t, ticket, agency, actor, now, "transfer_followed")
    return True


class TransferFollowUp:
    """Completed live transfers become assignments: when the transfer completes (the ticket filed
    already) or when the operator files the ticket written during the call."""

    def __init__(self, sessions: async_sessionmaker, handling: TicketHandling):
        self.sessions = sessions
        self.handling = handling
        handling.on_submitted.append(self.on_submitted)

    async def on_submitted(self, s: AsyncSession, ticket: Ticket, actor, now: datetime) -> None:
        await follow_completed(s, self.handling, ticket, actor.name, now)

    async def completed(self, transfer_id: int, actor: str, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            t = await s.get(Transfer, transfer_id)
            ticket = await s.get(Ticket, t.ticket_id) if t and t.ticket_id else None
            if ticket is None and t is not None and t.linkedid:
                ticket = await s.scalar(select(Ticket).where(Ticket.linkedid == t.linkedid))
            done = ticket is not None and await follow_completed(s, self.handling, ticket, actor, now)
        if done:
            self.handling.on_sms()
        return done

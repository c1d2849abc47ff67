"""The result notice (Quảng Ninh appendix II): the agency's answer to the citizen on the
province's letter template, as a printable page. The agency prints it for the leader's signature
and seal; the citizen opens it from the look-up page with the ticket code and phone.

Only for a profile with `result_letter.enabled` and a ticket that has a result.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.documents.render import renderer
from hotline.documents.signing import HOTLINE, Issuer
from hotline.errors import Refused
from hotline.store.agencies import Agency
from hotline.store.base import aware
from hotline.store.tickets import Ticket, TicketEvent

APPROVALS = ("approve", "approve_edited")
CONFIDENTIAL_ADDRESSEE = "người phản ánh (thông tin được giữ bí mật)"


class ResultLetters:
    def __init__(self, sessions: async_sessionmaker, profile: Profile):
        self.sessions = sessions
        self.profile = profile
        self.config = profile.result_letter
        self.render_html = renderer().html

    async def issuer(self, t: Ticket) -> Issuer:
        """Who signs the letter: the agency that answered, or the hotline where it answered itself."""
        if t.agency_id is None:
            return Issuer(HOTLINE)
        async with self.sessions() as s:
            agency = await s.get(Agency, t.agency_id)
        return Issuer.agency(agency.name) if agency else Issuer(HOTLINE)

    async def render(self, t: Ticket, for_agency: bool = False, anonymous: bool = False) -> str:
        """The letter for a ticket with a result, or Refused (409) saying why there is none. An
        agency's copy of a confidential ticket does not name the reporter (the hotline, which
        sends it, or the citizen, who prints their own, sees the name)."""
        if not self.config.enabled:
            raise Refused(404, "Tỉnh không dùng mẫu thông báo kết quả")
        if not t.result or t.answered_at is None:
            raise Refused(409, "Phiếu chưa có kết quả xử lý")
        async with self.sessions() as s:
            agency = await s.get(Agency, t.agency_id) if t.agency_id else None
            approved = await s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                                TicketEvent.action.in_(APPROVALS))
                                      .order_by(TicketEvent.id.desc()).limit(1))
        tz = ZoneInfo(self.profile.calendar.timezone)
        day = aware(approved.at if approved else t.answered_at).astimezone(tz)
        return self.render_html("result_letter.html.j2",
            issuer=self.config.issuer, place=self.config.place, copies_to=self.config.copies_to,
            agency=agency.name if agency else "Tổng đài 1022",
            addressee=(CONFIDENTIAL_ADDRESSEE if (for_agency and (t.confidential or anonymous))
                       else (t.reporter_name or "cá nhân/tổ chức")),
            code=t.code, result=t.result, day=day,
            approved_at=aware(approved.at).astimezone(tz) if approved else None,
            printed_at=datetime.now(timezone.utc).astimezone(tz))

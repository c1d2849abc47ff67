"""The printed transfer document (Thanh Hóa Art. 12.4: a report goes to the handling unit through
the software or in writing, "a print produced automatically by the software"): the ticket's
matter, the unit it goes to and the date the result is due, on the province's heading. The
hotline prints it for any transferred ticket; the agency prints its own copy from its inbox (the
reporter's identity left out where the agency may not see it).

Only for a profile with `transfer_document.enabled`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.documents.render import renderer
from hotline.documents.signing import HOTLINE, Issuer
from hotline.errors import Refused
from hotline.store.agencies import Agency
from hotline.store.base import aware
from hotline.store.tickets import Ticket

HIDDEN_REPORTER = "(thông tin người phản ánh được giữ bí mật)"


class TransferDocuments:
    def __init__(self, sessions: async_sessionmaker, profile: Profile):
        self.sessions = sessions
        self.profile = profile
        self.render_html = renderer().html
        self.issuer = Issuer(HOTLINE)  # the hotline's reception unit issues it

    @property
    def enabled(self) -> bool:
        return self.profile.transfer_document.enabled

    def available(self, t: Ticket) -> bool:
        return self.enabled and not t.draft and t.agency_id is not None and t.transferred_at is not None

    async def render(self, t: Ticket, hide_reporter: bool = False) -> str:
        if not self.enabled:
            raise Refused(404, "Tỉnh không dùng phiếu chuyển in")
        if t.draft or t.agency_id is None or t.transferred_at is None:
            raise Refused(409, "Phiếu chưa được chuyển đến cơ quan xử lý")
        async with self.sessions() as s:
            agency = await s.get(Agency, t.agency_id)
        tz = ZoneInfo(self.profile.calendar.timezone)
        local = (lambda d: aware(d).astimezone(tz) if d else None)
        topics = self.profile.queues.topic_names()
        hide = hide_reporter or t.confidential
        return self.render_html("transfer_document.html.j2",
            config=self.profile.transfer_document, line=self.profile.name, code=t.code,
            topic=topics.get(t.topic or "", "Khác"), channel=t.channel, content=t.content or "",
            reporter=HIDDEN_REPORTER if hide else (t.reporter_name or "(không để lại tên)"),
            phone=None if hide else t.caller_phone, address=None if hide else t.address,
            agency=agency.name if agency else "", received=local(t.created_at), transferred=local(t.transferred_at),
            due=local(t.due_at), printed=datetime.now(timezone.utc).astimezone(tz))

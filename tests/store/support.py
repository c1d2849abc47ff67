"""A province's store on a simulated clock: its profile, an agency with a focal point and a head,
accounts, and tickets received from citizens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.app import load_checked_profile
from hotline.settings import Settings
from hotline.ticketing.handling import Actor, TicketHandling
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket, TicketEvent
from hotline.ticketing.store import TicketStore

UTC = timezone.utc
OPERATOR = Actor("op1", frozenset({"operator"}))
CITIZEN = Actor("citizen", frozenset({"citizen"}))
OFFICE = Actor("vanphong", frozenset({"office"}))  # the provincial office's account
FOCAL_PHONE, HEAD_PHONE, CITIZEN_PHONE = "0911000003", "0911000004", "0912345678"
HEAD_EMAIL = "thutruong@dienluc.example.vn"


@dataclass
class Province:
    settings: Settings
    sessions: object
    handling: TicketHandling
    store: TicketStore
    agency_id: int
    other_agency_id: int

    @property
    def staff(self) -> Actor:
        return Actor("dungle", frozenset({"agency"}), self.agency_id)

    @property
    def leader(self) -> Actor:
        return Actor("enpham", frozenset({"agency", "leader"}), self.agency_id)

    async def receive(self, now: datetime, topic: str = "infrastructure", **fields) -> Ticket:
        fields = {"reporter_name": "Nguyễn Văn An", "caller_phone": CITIZEN_PHONE, "address": "Phường 1",
                  "content": "Đèn đường hỏng trước số 12 Nguyễn Huệ", "channel": "phone", **fields}
        return await self.store.receive(self.handling, OPERATOR, now, topic=topic, **fields)

    async def ticket(self, ticket_id: int):
        async with self.sessions() as s:
            t = await s.get(Ticket, ticket_id)
            sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == ticket_id)
                                       .order_by(SmsMessage.id)))
            events = [e.action for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                                         .order_by(TicketEvent.id))]
        return t, sms, events


async def province(sessions, tmp_path, profile_id: str) -> Province:
    settings = Settings(home=tmp_path, profile=profile_id, public_url="https://1022.example.vn")
    profile = load_checked_profile(settings)
    directory = AgencyDirectory(sessions)
    agency, _ = await directory.save(AgencyIn(
        name="Công ty Điện lực", level="public_service", phone="02773851002", fields=["infrastructure"],
        contacts=[{"role": "focal_point", "name": "Lê Văn Dũng", "phone": FOCAL_PHONE},
                  {"role": "head", "name": "Phạm Thị Én", "phone": HEAD_PHONE, "email": HEAD_EMAIL}]))
    other, _ = await directory.save(AgencyIn(
        name="Sở Xây dựng", level="province", phone="02773851003", fields=["infrastructure"],
        contacts=[{"role": "focal_point", "name": "Trần Thị Bình", "phone": "0911000005"}]))
    handling = TicketHandling.of(settings, sessions, profile)  # the wiring of app.build
    return Province(settings, sessions, handling, TicketStore(sessions), agency.id, other.id)


async def signed_in(accounts, users) -> dict:
    """A logged-in HTTP client per (username, role, agency_id): operators get the softphone of
    their own name. Keyed by username."""
    import aiohttp

    from hotline.web.auth import COOKIE

    clients = {}
    for user, role, agency in users:
        await accounts.create_user(user, user, role, "mat-khau-dai-1", operator_id=user if role == "operator" else None,
                                   agency_id=agency)
        token = await accounts.open_session((await accounts.authenticate(user, "mat-khau-dai-1")).principal)
        clients[user] = aiohttp.ClientSession(cookies={COOKIE: token})
    return clients


async def call(client, server, method, path, body=None, **kw):
    """One request of a test client: (status, the JSON answer, or the text of a page)."""
    async with client.request(method, server.make_url(path), json=body, **kw) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else await r.text())

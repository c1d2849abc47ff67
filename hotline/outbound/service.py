"""Outbound calls as the desktop asks for them and as Asterisk reports them.

The operator's softphone places the call itself (the operator hears it ring, as on any phone):
the desktop first asks the server for a call to a ticket's or a callback request's citizen; the
policy is checked and a one-time token is stored (`requested`); the softphone dials `out-<token>`;
the dialplan hands the token to the FastAGI `outbound` route, which claims it once, for that
operator's endpoint, within `start_within_seconds` (`dialing`), and gives the dialplan the number,
the route and the line's number to show. A stolen SIP password alone dials nothing; a stolen desktop
session dials only citizens' numbers the store holds, in calling hours, a limited number per hour.
What the citizen's phone did is written when the call ends, from the CTI model's view of it
(only calls the model knows as outbound cost a write)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.profile import Profile
from hotline.events.bus import EventBus
from hotline.events.types import CallEnded
from hotline.errors import Refused
from hotline.outbound import policy
from hotline.security.masking import mask_phone
from hotline.settings import Settings
from hotline.store.base import iso, utcnow
from hotline.store.callbacks import OutboundCall
from hotline.store.tickets import Ticket, add_event

log = logging.getLogger(__name__)
DIAL_PREFIX = "out-"
STATUS_OF_DIAL = {"ANSWER": "answered", "BUSY": "busy", "NOANSWER": "no_answer", "CANCEL": "no_answer"}


@dataclass(frozen=True)
class Dial:
    """What the dialplan needs to place a claimed call."""

    call_id: int
    number: str
    route: str
    caller_id: str
    ticket_code: str | None


class OutboundCalls:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, route: str | None, caller_id: str,
                 bus: EventBus | None = None):
        self.sessions = sessions
        self.profile = profile
        self.policy = profile.outbound
        self.route = route
        self.caller_id = caller_id  # the line's number, shown to the citizen
        if bus is not None:
            bus.subscribe(self.on_call_ended, CallEnded)

    @classmethod
    def of(cls, settings: Settings, sessions: async_sessionmaker, profile: Profile,
           bus: EventBus | None = None) -> "OutboundCalls":
        """Through the settings' citizen route, showing its caller ID or else the line's number."""
        route = settings.citizen_route
        caller_id = (settings.routes[route].caller_id if route else None) or profile.numbers.national
        return cls(sessions, profile, route, caller_id, bus)

    # -- asked for in the desktop ---------------------------------------------------------------
    async def request(self, s, operator: str, purpose: str, raw_number: str | None, *, ticket_id: int | None = None,
                      callback_id: int | None = None, now: datetime | None = None) -> OutboundCall:
        """Check the policy and store a call the operator's softphone may now place (inside the
        caller's transaction, with whatever it checked)."""
        now = now or datetime.now(timezone.utc)
        if not operator:
            raise Refused(409, "Tài khoản của bạn chưa gắn với một máy điện thoại", "no_phone")
        if self.route is None:
            raise Refused(409, "Chưa cấu hình tuyến gọi ra cho công dân", "no_route")
        number = policy.callable_number(raw_number)
        policy.check_hours(self.policy, now, self.profile.calendar.timezone)
        placed = await s.scalar(select(func.count()).select_from(OutboundCall).where(
            OutboundCall.operator_id == operator, OutboundCall.requested_at >= now - timedelta(hours=1),
            OutboundCall.status != "expired"))
        policy.check_rate(self.policy, placed or 0)
        call = OutboundCall(token=secrets.token_hex(16), purpose=purpose, operator_id=operator, number=number,
                            ticket_id=ticket_id, callback_id=callback_id, status="requested", requested_at=now)
        s.add(call)
        await s.flush()
        log.info("outbound call %d to %s asked for by %s (%s)", call.id, mask_phone(number), operator, purpose)
        return call

    async def for_ticket(self, operator: str, ticket_id: int, now: datetime | None = None) -> dict:
        """Click-to-call the citizen of a ticket."""
        async with self.sessions() as s, s.begin():
            ticket = await s.get(Ticket, ticket_id)
            if ticket is None:
                raise Refused(404, "Không có phiếu này")
            if ticket.state_secret:
                raise Refused(403, "Phiếu bí mật nhà nước: không gọi từ hệ thống", "state_secret")
            call = await self.request(s, operator, "ticket", ticket.caller_phone, ticket_id=ticket.id, now=now)
        return self.dial_view(call)

    def dial_view(self, c: OutboundCall) -> dict:
        """What the desktop needs to place the call: the target its softphone dials."""
        return {"id": c.id, "purpose": c.purpose, "operator_id": c.operator_id, "number": c.number,
                "ticket_id": c.ticket_id, "callback_id": c.callback_id, "status": c.status,
                "requested_at": iso(c.requested_at), "dial": DIAL_PREFIX + c.token,
                "start_within_seconds": self.policy.start_within_seconds}

    # -- the dialplan, when the softphone's call arrives ---------------------------------------
    async def claim(self, token: str, endpoint: str, linkedid: str, now: datetime | None = None) -> Dial | None:
        """The call asked for with `token`, placed now by `endpoint`: claimed once, or None."""
        now = now or datetime.now(timezone.utc)
        if not token.isalnum() or len(token) > 40:
            return None
        oldest = now - timedelta(seconds=self.policy.start_within_seconds)
        async with self.sessions() as s, s.begin():
            claimed = await s.execute(
                update(OutboundCall).where(OutboundCall.token == token, OutboundCall.operator_id == endpoint,
                                           OutboundCall.status == "requested", OutboundCall.requested_at >= oldest)
                .values(status="dialing", linkedid=linkedid[:64], dialed_at=now)
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                log.warning("outbound call refused: token unknown, used, late, or not %s's", endpoint)
                return None
            call = await s.scalar(select(OutboundCall).where(OutboundCall.token == token))
            if not self.policy.calling_hours.allows(now, self.profile.calendar.timezone):
                call.status = "expired"
                return None
            code = None
            if call.ticket_id is not None:
                ticket = await s.get(Ticket, call.ticket_id)
                code = ticket.code if ticket else None
                add_event(s, call.ticket_id, endpoint, "outbound_call", at=now, linkedid=linkedid, purpose=call.purpose,
                          callback_id=call.callback_id)
        log.info("outbound call %d: %s dials %s", call.id, endpoint, mask_phone(call.number))
        return Dial(call.id, call.number, self.route, self.caller_id, code)

    # -- what Asterisk reports -------------------------------------------------------------------
    async def on_call_ended(self, event: CallEnded) -> None:
        """An operator's call to a citizen is over: how the citizen's phone answered, and when."""
        c = event.data
        if c.get("direction") != "outbound":
            return
        answered = c.get("answered_at")
        values = {"status": STATUS_OF_DIAL.get(c.get("dial_status", ""), "failed"), "ended_at": utcnow(),
                  "answered_at": datetime.fromtimestamp(answered, timezone.utc) if answered else None}
        async with self.sessions() as s, s.begin():
            await s.execute(update(OutboundCall).where(OutboundCall.linkedid == event.linkedid,
                                                       OutboundCall.ended_at.is_(None)).values(**values)
                            .execution_options(synchronize_session=False))
        log.info("outbound call %s ended: %s", event.linkedid, values["status"])

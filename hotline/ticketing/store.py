"""Queries the telephony side needs from the store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.ticketing.codes import new_code
from hotline.ticketing.models import CallbackRequest, Ticket


class TicketStore:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def status_by_code(self, code: str) -> str | None:
        async with self.sessions() as s:
            return await s.scalar(select(Ticket.status).where(Ticket.code == code))

    async def create_ticket(self, **fields) -> Ticket:
        async with self.sessions() as s, s.begin():
            for _ in range(10):
                code = fields.pop("code", None) or new_code()
                if not await s.scalar(select(Ticket.id).where(Ticket.code == code)):
                    break
            ticket = Ticket(code=code, **fields)
            s.add(ticket)
        return ticket

    async def add_callback_request(self, caller_number: str, reason: str, queue: str | None = None,
                                   linkedid: str | None = None) -> CallbackRequest:
        async with self.sessions() as s, s.begin():
            req = CallbackRequest(caller_number=caller_number, reason=reason, queue=queue, linkedid=linkedid)
            s.add(req)
        return req

    async def callback_requests(self) -> list[CallbackRequest]:
        async with self.sessions() as s:
            return list(await s.scalars(select(CallbackRequest).order_by(CallbackRequest.id)))

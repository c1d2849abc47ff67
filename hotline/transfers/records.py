"""Live transfers of calls to agencies, as the store keeps them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.store.agencies import Transfer
from hotline.store.base import iso
from hotline.store.tickets import add_event
from hotline.transfers.outcomes import ACTIVE, OUTCOME_NAMES


def transfer_public(t: Transfer) -> dict:
    return {"id": t.id, "ticket_id": t.ticket_id, "linkedid": t.linkedid, "operator_id": t.operator_id,
            "kind": t.kind, "agency_id": t.agency_id, "agency_name": t.agency_name, "target": t.target,
            "number": t.number, "queue": t.queue, "outcome": t.outcome,
            "outcome_text": OUTCOME_NAMES.get(t.outcome, t.outcome),
            "started_at": iso(t.started_at), "answered_at": iso(t.answered_at), "ended_at": iso(t.ended_at),
            "slip_sent_at": iso(t.slip_sent_at)}


class TransferRecords:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def start(self, actor: str, **fields) -> Transfer:
        async with self.sessions() as s, s.begin():
            t = Transfer(outcome="dialing", started_at=datetime.now(timezone.utc), **fields)
            s.add(t)
            await s.flush()
            add_event(s, t.ticket_id, actor, "transfer_started", transfer_id=t.id, kind=t.kind,
                      agency=t.agency_name, number=t.number, queue=t.queue, linkedid=t.linkedid)
        return t

    async def get(self, transfer_id: int) -> Transfer | None:
        async with self.sessions() as s:
            return await s.get(Transfer, transfer_id)

    async def answered(self, transfer_id: int, outcome: str) -> Transfer:
        async with self.sessions() as s, s.begin():
            t = await s.get(Transfer, transfer_id)
            t.answered_at = datetime.now(timezone.utc)
            t.outcome = outcome
            if outcome not in ACTIVE:
                t.ended_at = t.answered_at
            add_event(s, t.ticket_id, "system", "transfer_" + outcome, transfer_id=t.id, agency=t.agency_name)
        return t

    async def finish(self, transfer_id: int, outcome: str, actor: str = "system") -> Transfer | None:
        """Record the outcome once; a transfer that already ended keeps its first outcome."""
        async with self.sessions() as s, s.begin():
            t = await s.get(Transfer, transfer_id)
            if t is None or t.outcome not in ACTIVE:
                return None
            t.outcome, t.ended_at = outcome, datetime.now(timezone.utc)
            add_event(s, t.ticket_id, actor, "transfer_" + outcome, transfer_id=t.id, agency=t.agency_name,
                      number=t.number, queue=t.queue)
        return t

    async def for_ticket(self, ticket_id: int) -> list[Transfer]:
        async with self.sessions() as s:
            return list(await s.scalars(select(Transfer).where(Transfer.ticket_id == ticket_id).order_by(Transfer.id)))

    async def for_call(self, linkedid: str) -> list[Transfer]:
        async with self.sessions() as s:
            return list(await s.scalars(select(Transfer).where(Transfer.linkedid == linkedid).order_by(Transfer.id)))

    async def interrupt_unfinished(self) -> int:
        """At start-up: transfers left active by a crash cannot be followed any more."""
        async with self.sessions() as s, s.begin():
            res = await s.execute(update(Transfer).where(Transfer.outcome.in_(ACTIVE))
                                  .values(outcome="interrupted", ended_at=datetime.now(timezone.utc)))
        return res.rowcount or 0

"""Tickets born from calls: the moment an operator answers, a draft ticket linked to the call
(linkedid) and its recording exists in the store, so closing the browser loses nothing."""

from __future__ import annotations

import logging

from hotline.cti.bus import EventBus
from hotline.cti.model import DomainEvent
from hotline.security.masking import mask_code
from hotline.ticketing.store import TicketStore

log = logging.getLogger(__name__)


def ticket_public(t) -> dict:
    return {"id": t.id, "code": t.code, "status": t.status, "draft": t.draft, "topic": t.topic,
            "caller_phone": t.caller_phone, "reporter_name": t.reporter_name, "address": t.address,
            "email": t.email, "content": t.content, "confidential": t.confidential, "linkedid": t.linkedid,
            "operator_id": t.operator_id, "created_at": t.created_at.isoformat() if t.created_at else None}


class CallTickets:
    def __init__(self, store: TicketStore, bus: EventBus):
        self.store = store
        self.bus = bus
        bus.subscribe(self.on_event)

    async def on_event(self, event: DomainEvent) -> None:
        if event.kind != "call.answered":
            return
        c = event.data
        ticket = await self.store.draft_for_call(c["linkedid"], c.get("caller"), c.get("topic"), event.agent,
                                                 c.get("recording"))
        log.info("call %s answered by %s: draft ticket %s", c["linkedid"], event.agent, mask_code(ticket.code))
        await self.bus.publish(DomainEvent("ticket.draft", ticket_public(ticket), event.agent))

"""Tickets born from calls: the moment an operator answers (or a citizen answers an operator's call
that no ticket is about, e.g. a callback), a draft ticket linked to the call (linkedid) and its
recording exists in the store, so closing the browser loses nothing."""

from __future__ import annotations

import logging

from hotline.events.bus import EventBus
from hotline.events.types import CallAnswered, TicketDrafted
from hotline.security.masking import mask_code
from hotline.ticketing.store import TicketStore
from hotline.ticketing.views import summary

log = logging.getLogger(__name__)


class CallTickets:
    def __init__(self, store: TicketStore, bus: EventBus):
        self.store = store
        self.bus = bus
        bus.subscribe(self.on_answered, CallAnswered)

    async def on_answered(self, event: CallAnswered) -> None:
        c = event.data
        if c.get("direction") == "outbound" and c.get("ticket_code"):
            return  # a call about an existing ticket: its history records the call
        ticket = await self.store.draft_for_call(c["linkedid"], c.get("caller"), c.get("topic"), event.agent,
                                                 c.get("recording"), urgent=bool(c.get("urgent")))
        log.info("call %s answered by %s: draft ticket %s", c["linkedid"], event.agent, mask_code(ticket.code))
        await self.bus.publish(TicketDrafted(data=summary(ticket), agent=event.agent))

"""A call from the menu's urgent key (#31 item 3): its draft ticket says so in its history, once,
however often the call is answered; an ordinary call's does not. SQLite and PostgreSQL."""

from hotline.events.types import CallAnswered
from hotline.events.bus import EventBus
from hotline.store.tickets import history
from hotline.ticketing.calls import CallTickets
from hotline.ticketing.store import TicketStore


async def test_the_draft_of_an_urgent_call_says_it_is_urgent(sessions):
    store = TicketStore(sessions)
    tickets = CallTickets(store, EventBus())
    call = {"linkedid": "1700000001.1", "caller": "0912345678", "topic": "general", "urgent": True}
    await tickets.on_answered(CallAnswered(data=call, agent="op1"))
    await tickets.on_answered(CallAnswered(data=call, agent="op2"))  # back from a transfer: the same draft
    await tickets.on_answered(CallAnswered(data={**call, "linkedid": "1700000002.1", "urgent": False},
                                           agent="op1"))
    urgent, ordinary = await store.ticket_for_call("1700000001.1"), await store.ticket_for_call("1700000002.1")
    async with sessions() as s:
        assert [e.action for e in await history(s, urgent.id)] == ["urgent_call"]
        assert [e.action for e in await history(s, ordinary.id)] == []

"""WebSocket fan-out: one authenticated socket per browser; each event goes only to the users
who may see it (an operator: their own calls and state; supervisors: everything). An event about
a conversation whose ticket is a state secret goes only to the roles that may see state secrets
(the tickets' rule, `secrecy.may_see`), whatever the table below says.

Message schema, version 1 (documented in docs/desktop-api.md):
    {"v": 1, "type": "<kind>", "ts": "<UTC ISO time>", "data": {...}}
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import select

from hotline.agent_desktop.accounts import Accounts, Principal, digest
from hotline.events.bus import EventBus
from hotline.events.types import (AgentStateChanged, AlertRaised, CallAnswered, CallbacksChanged, CallDialing, CallEnded,
                                CallMissed, CallOffered, CaptionHeard, ConversationActivity, ConversationsChanged,
                                Shown, TicketDrafted, TransferUpdated)
from hotline.cti.model import CtiModel
from hotline.store.conversations import Conversation
from hotline.store.tickets import Ticket
from hotline.ticketing.secrecy import may_see
from hotline.ticketing.store import TicketStore
from hotline.ticketing.views import summary

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
# Who sees which event (the one table): the operator it concerns, supervisors and administrators.
# Events not listed never reach a browser (queue figures go out on a steady beat; legs are internal).
OPERATOR, OPERATORS, SUPERVISORS = "operator", "operators", "supervisors"  # the one concerned, all, staff
AUDIENCE: dict[type[Shown], frozenset[str]] = {
    CallOffered: frozenset({OPERATOR, SUPERVISORS}),
    CallDialing: frozenset({OPERATOR, SUPERVISORS}),
    CallbacksChanged: frozenset({OPERATORS, SUPERVISORS}),
    ConversationsChanged: frozenset({OPERATORS, SUPERVISORS}),
    ConversationActivity: frozenset({OPERATOR, SUPERVISORS}),
    CallAnswered: frozenset({OPERATOR, SUPERVISORS}),
    CallMissed: frozenset({OPERATOR, SUPERVISORS}),
    CallEnded: frozenset({OPERATOR, SUPERVISORS}),
    AgentStateChanged: frozenset({OPERATOR, SUPERVISORS}),
    TransferUpdated: frozenset({OPERATOR, SUPERVISORS}),
    TicketDrafted: frozenset({OPERATOR}),
    CaptionHeard: frozenset({OPERATOR, SUPERVISORS}),  # live captions: the operator on the call, supervisors
    AlertRaised: frozenset({SUPERVISORS}),
}
# Events about one conversation (its id in `data["id"]`): they follow its ticket's secrecy.
ABOUT_CONVERSATION = (ConversationsChanged, ConversationActivity)


def message(kind: str, data: dict) -> str:
    return json.dumps({"v": SCHEMA_VERSION, "type": kind, "ts": datetime.now(timezone.utc).isoformat(),
                       "data": data}, ensure_ascii=False, default=str)


SESSION_ENDED = 4401  # close code: the session behind the socket ended (logout, expiry, disable)
SERVED_ELSEWHERE = 1012  # close code (service restart): reconnect, another node serves the desktops


class Hub:
    def __init__(self, bus: EventBus, model: CtiModel, store: TicketStore, stats_interval: float = 1.0,
                 accounts: Accounts | None = None, session_check_seconds: float = 2.0,
                 secret_readers: frozenset[str] = frozenset({"supervisor", "admin"})):
        self.model = model
        self.store = store
        self.secret_readers = secret_readers  # the profile's state_secret_readers
        self.stats_interval = stats_interval
        self.accounts = accounts
        self.session_check_seconds = session_check_seconds
        self.clients: dict[web.WebSocketResponse, Principal] = {}
        self._session_of: dict[web.WebSocketResponse, str] = {}  # socket -> digest of its session token
        bus.subscribe(self.on_event, *AUDIENCE)
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._push_stats()))
        if self.accounts is not None:
            self._tasks.append(asyncio.create_task(self._watch_sessions()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for ws in list(self.clients):
            await ws.close(code=1001, message=b"server shutdown")

    # -- who is connected ---------------------------------------------------------------------------
    def attach(self, ws: web.WebSocketResponse, p: Principal, token: str) -> None:
        self.clients[ws] = p
        self._session_of[ws] = digest(token)

    def detach(self, ws: web.WebSocketResponse) -> None:
        self.clients.pop(ws, None)
        self._session_of.pop(ws, None)

    async def _close(self, sockets: list[web.WebSocketResponse], reason: bytes, code: int = SESSION_ENDED) -> None:
        for ws in sockets:
            self.detach(ws)
        await asyncio.gather(*(ws.close(code=code, message=reason) for ws in sockets),
                             return_exceptions=True)

    async def drop_all(self) -> None:
        """Close every socket, to be opened again on the node that serves the desktops now."""
        await self._close(list(self.clients), b"served by another node", SERVED_ELSEWHERE)

    async def drop_user(self, user_id: int, keep: str | None = None) -> None:
        """Close every socket of `user_id` (but the one of session `keep`) now."""
        kept = digest(keep) if keep else None
        await self._close([ws for ws, p in self.clients.items()
                           if p.user_id == user_id and self._session_of.get(ws) != kept], b"access ended")

    async def drop_session(self, token: str) -> None:
        h = digest(token)
        await self._close([ws for ws, d in self._session_of.items() if d == h], b"logged out")

    async def _watch_sessions(self) -> None:
        """Sessions also end by expiry, or in another process: every few seconds the open sockets'
        sessions are checked in one query, and the sockets of ended ones are closed."""
        while True:
            await asyncio.sleep(self.session_check_seconds)
            try:
                await self.check_sessions()
            except Exception:
                log.exception("checking WebSocket sessions")

    async def check_sessions(self) -> None:
        held = set(self._session_of.values())
        live = await self.accounts.live_sessions(held)
        # Only the sessions asked about: a socket opened while the query ran (a log-in that just
        # completed) is not in `held`, and closing it would send its page back to the log-in.
        ended = [ws for ws, d in self._session_of.items() if d in held and d not in live]
        if ended:
            await self._close(ended, b"session expired")

    def _targets(self, event: Shown) -> list[web.WebSocketResponse]:
        audience = AUDIENCE.get(type(event), frozenset())
        return [ws for ws, p in self.clients.items()
                if (SUPERVISORS in audience and p.role in ("supervisor", "admin"))
                or (OPERATORS in audience and p.role == "operator")
                or (OPERATOR in audience and p.role == "operator" and event.agent == p.operator_id)]

    async def _secret_conversation(self, conversation_id) -> bool:
        """Whether the conversation is linked to a state-secret ticket (read at each event: a
        ticket may become one at any time)."""
        if not isinstance(conversation_id, int):
            return False
        async with self.store.sessions() as s:
            return bool(await s.scalar(select(Ticket.state_secret).join(
                Conversation, Conversation.ticket_id == Ticket.id).where(Conversation.id == conversation_id)))

    async def on_event(self, event: Shown) -> None:
        targets = self._targets(event)
        if targets and isinstance(event, ABOUT_CONVERSATION):
            secret = await self._secret_conversation(event.data.get("id"))
            targets = [ws for ws in targets if ws in self.clients
                       and may_see(self.secret_readers, self.clients[ws].role, secret)]
        if not targets:
            return
        data = event.data
        if isinstance(event, CallOffered):
            previous = await self.store.previous_tickets(data.get("caller", ""))
            data = {**data, "previous_tickets": [summary(t, hide_secret=True) for t in previous]}
        text = message(event.kind, data)
        await asyncio.gather(*(self._send(ws, text) for ws in targets))

    async def _send(self, ws: web.WebSocketResponse, text: str) -> None:
        try:
            await ws.send_str(text)
        except (ConnectionResetError, RuntimeError):
            self.detach(ws)

    async def _push_stats(self) -> None:
        while True:
            await asyncio.sleep(self.stats_interval)
            sups = [ws for ws, p in self.clients.items() if p.role in ("supervisor", "admin")]
            ops = [ws for ws, p in self.clients.items() if p.role == "operator"]
            sends = []
            if sups:
                text = message("queue.stats", self.model.snapshot())
                sends += [self._send(ws, text) for ws in sups]
            if ops:  # operators see the queues' waiting counts only: no callers, no colleagues
                text = message("queue.stats", {"queues": self.model.queue_stats()})
                sends += [self._send(ws, text) for ws in ops]
            await asyncio.gather(*sends)

    async def hello(self, ws: web.WebSocketResponse, p: Principal) -> None:
        """First message on every (re)connect: the user's current state, so a reload resumes."""
        data: dict = {"user": p.public()}
        if p.operator_id:
            agent = self.model.agents.get(p.operator_id)
            data["agent"] = agent.public() if agent else {"id": p.operator_id, "state": "logged_out"}
            call = self.model.calls.get(agent.call) if agent and agent.call else None
            data["call"] = call.public() if call else None
            if call:
                ticket = await self.store.ticket_for_call(call.linkedid)
                data["ticket"] = summary(ticket) if ticket else None
                data["previous_tickets"] = [summary(t, hide_secret=True)
                                            for t in await self.store.previous_tickets(call.caller)]
        if p.role in ("supervisor", "admin"):  # also a supervisor with a phone; agencies get no live call data
            data["snapshot"] = self.model.snapshot()
        await ws.send_str(message("hello", data))

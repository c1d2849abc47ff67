"""Which node serves the desktops, with several nodes behind the SIP edge.

A call's pop, its controls and its ticket come from the node that has the call, so the desktops
must be served by the node the edge gives the calls to: in active-standby, the live node of
highest priority. Every node says it is alive in the database every second (`node_heartbeats`,
with the priority the edge's settings give it); the serving node is the live node of highest
priority, as the edge decides by its probes. A node that stops serving closes its desktops'
sockets and answers their requests 503, so that the TLS proxy in front of every node's web server
sends them to the node that serves (nginx's `proxy_next_upstream http_503`); they reconnect by
themselves, after a failover and after the failed node comes back."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Periodic
from hotline.store.base import aware, utcnow
from hotline.store.leases import NodeHeartbeat

log = logging.getLogger(__name__)

BEAT_SECONDS = 1.0
DEAD_AFTER_SECONDS = 3.0  # a node silent this long is dead (the edge's probes notice in about as long)


def serving_holder(beats: list[tuple[str, int, datetime]], now: datetime,
                   dead_after: float = DEAD_AFTER_SECONDS) -> str | None:
    """The live node of highest priority (ties: the one that came first by name): (holder,
    priority, last seen) rows."""
    live = [(priority, holder) for holder, priority, seen in beats
            if aware(seen) > now - timedelta(seconds=dead_after)]
    if not live:
        return None
    return min(live, key=lambda x: (-x[0], x[1]))[1]


class ServingNode:
    def __init__(self, sessions: async_sessionmaker, holder: str, priority: int,
                 on_lost: Callable[[], Awaitable[None]], period: float = BEAT_SECONDS,
                 on_drain: Callable[[], Awaitable[None]] | None = None):
        self.sessions = sessions
        self.holder = holder
        self.priority = priority
        self.on_lost = on_lost
        self.on_drain = on_drain  # `hotline drain` marked this node (hotline.nodes.draining)
        self.serving = False
        self.draining = False
        self._drain_task: asyncio.Task | None = None
        self._beating = Periodic("node heartbeat", self.beat, period)

    async def start(self) -> None:
        await self.beat()
        self._beating.start()

    async def stop(self) -> None:
        """A clean stop: this node leaves at once (another serves without waiting)."""
        await self._beating.stop()
        self.serving = False
        async with self.sessions() as s, s.begin():
            await s.execute(delete(NodeHeartbeat).where(NodeHeartbeat.holder == self.holder))

    async def beat(self) -> None:
        now = utcnow()
        drain = False
        try:
            async with self.sessions() as s, s.begin():
                row = await s.get(NodeHeartbeat, self.holder)
                if row is None:
                    s.add(NodeHeartbeat(holder=self.holder, priority=self.priority, seen_at=now))
                else:
                    row.seen_at = now
                    drain = row.draining_since is not None and not self.draining
                # Rows of nodes dead for a long time go (a killed process never deletes its own).
                await s.execute(delete(NodeHeartbeat).where(NodeHeartbeat.seen_at < now - timedelta(hours=1)))
            async with self.sessions() as s:
                beats = list((await s.execute(select(NodeHeartbeat.holder, NodeHeartbeat.priority,
                                                     NodeHeartbeat.seen_at))).tuples())
        except Exception:
            log.exception("node heartbeat failed; this node stops serving the desktops")
            beats = []
        if drain:
            self.draining = True
            log.warning("this node is draining: no new calls, it stops after the last one")
            if self.on_drain is not None:  # beside the heartbeat, which must not wait for it
                self._drain_task = asyncio.create_task(self.on_drain())
        serving = serving_holder(beats, now) == self.holder
        was, self.serving = self.serving, serving
        if serving and not was:
            log.info("this node serves the desktops (priority %d)", self.priority)
        elif was and not serving:
            log.warning("another node serves the desktops now: closing this node's desktop connections")
            await self.on_lost()

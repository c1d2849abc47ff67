"""`hotline drain` through the database, on both engines: the running node's heartbeat row is
marked, no other node's; the node sees it at its next heartbeat and drains once."""

from __future__ import annotations

import os

from sqlalchemy import select

from hotline.nodes.draining import holder_prefix, mark_draining
from hotline.nodes.serving import ServingNode
from hotline.store.leases import NodeHeartbeat


async def nothing() -> None:
    pass


async def test_drain_marks_this_node_only_and_the_node_drains_once(sessions):
    drained = []

    async def on_drain() -> None:
        drained.append(True)

    here = ServingNode(sessions, holder_prefix(os.getpid()) + "a1b2c3", 10, nothing, on_drain=on_drain)
    other = ServingNode(sessions, "other-host:4242:d4e5f6", 5, nothing)
    await here.beat()
    await other.beat()
    assert here.serving and not here.draining

    assert not await mark_draining(sessions, os.getpid() + 1)  # no node of that process here
    assert await mark_draining(sessions, os.getpid())
    async with sessions() as s:
        marked = dict((await s.execute(select(NodeHeartbeat.holder, NodeHeartbeat.draining_since))).all())
    assert marked[here.holder] is not None and marked[other.holder] is None

    await here.beat()
    await here.beat()
    if here._drain_task is not None:
        await here._drain_task
    assert here.draining and drained == [True]
    await other.beat()
    assert not other.draining
    # A clean stop leaves the heartbeats: the other node serves.
    await here.stop()
    await other.beat()
    assert other.serving

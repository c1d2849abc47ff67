"""A background pass repeated every `period` seconds, or sooner when woken: the shape of every
durable worker of the hotline (SMS outbox, deadline scan, recording catalogue, transcription).
The work lives in the database; the loop only decides when to look again. A failing pass is
logged and retried at the next period, never the end of the loop. A job whose work is the whole
hotline's (not this node's) runs under a lease: with several nodes on one database, a pass runs
only on the node holding the job's lease."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Protocol

log = logging.getLogger(__name__)


class Lease(Protocol):
    async def holds(self, job: str) -> bool:
        """Whether this node may run a pass of `job` now."""


class Periodic:
    def __init__(self, name: str, run_pass: Callable[[], Awaitable[object]], period: float,
                 lease: Lease | None = None):
        self.name = name
        self.run_pass = run_pass
        self.period = period
        self.lease = lease
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    def wake(self) -> None:
        """Something is waiting: run a pass now rather than at the next period."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                if self.lease is None or await self.lease.holds(self.name):
                    await self.run_pass()
            except Exception:
                log.exception("%s: pass failed; retrying at the next period", self.name)
            try:
                await asyncio.wait_for(self._wake.wait(), self.period)
            except asyncio.TimeoutError:
                pass

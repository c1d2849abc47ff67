"""Leases on the hotline's shared background work, so that with several nodes on one database a
job (deadline scan, outboxes, reports, retention, callbacks) runs on one node at a time, and on
another node once the holder stops renewing (it died) or lets go (it stopped).

A lease is a row per job (`store.leases.JobLease`): who holds it and until when. Taking or
renewing it is one conditional UPDATE (held by me, or expired); nobody else can hold it meanwhile.
Nodes' clocks must agree to well within the lease's length (NTP does)."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Periodic
from hotline.store.base import aware, utcnow
from hotline.store.leases import JobLease

log = logging.getLogger(__name__)

LEASE_SECONDS = 30  # how long a dead node's jobs wait for another node


def node_name() -> str:
    """This process among the nodes: host, process id, and a random tail (a restarted process on
    the same host with the same pid is another holder)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class JobLeases:
    """This node's leases. A job asks `holds(job)` before each pass; the first ask takes the lease
    if it is free, and from then on the leases this node wants are renewed (or taken, when their
    holder stopped renewing them) every third of their length, whatever the jobs' own periods."""

    def __init__(self, sessions: async_sessionmaker, holder: str | None = None, seconds: float = LEASE_SECONDS):
        self.sessions = sessions
        self.holder = holder or node_name()
        self.seconds = seconds
        self._until: dict[str, float] = {}  # job → monotonic time this node holds it until (margin taken)
        self._renewing = Periodic("job leases", self.renew, seconds / 3)

    def start(self) -> None:
        self._renewing.start()

    async def stop(self) -> None:
        await self._renewing.stop()
        await self.release()

    async def holds(self, job: str) -> bool:
        """Whether this node may run a pass of `job` now."""
        if job not in self._until:
            await self._ask(job)
        return self._until[job] > time.monotonic()

    async def renew(self) -> None:
        for job in list(self._until):
            await self._ask(job)

    async def _ask(self, job: str) -> None:
        asked = time.monotonic()
        was = self._until.get(job, 0) > asked
        try:
            held = await self._take(job)
        except Exception:  # the database is away: run nothing another node may be running
            log.exception("lease %s: could not be renewed; the job pauses", job)
            held = False
        # Held until well before anyone else may take it (a third of the length to spare).
        self._until[job] = asked + self.seconds * 2 / 3 if held else 0
        if held and not was:
            log.info("lease %s: held by this node (%s)", job, self.holder)
        elif was and not held:
            log.warning("lease %s: lost; another node runs the job", job)

    async def _take(self, job: str) -> bool:
        now = utcnow()
        until = now + timedelta(seconds=self.seconds)
        async with self.sessions() as s, s.begin():
            done = await s.execute(update(JobLease)
                                   .where(JobLease.name == job,
                                          or_(JobLease.holder == self.holder, JobLease.expires_at < now))
                                   .values(holder=self.holder, expires_at=until,
                                           taken_at=case((JobLease.holder == self.holder, JobLease.taken_at),
                                                         else_=now)))
            if done.rowcount == 1:
                return True
            if await s.scalar(select(JobLease.name).where(JobLease.name == job)) is not None:
                return False
        try:  # the job's first run on any node
            async with self.sessions() as s, s.begin():
                s.add(JobLease(name=job, holder=self.holder, expires_at=until, taken_at=now))
            return True
        except IntegrityError:  # another node created it at the same moment
            return False

    async def release(self) -> None:
        """Let go of every lease this node holds (a clean stop): another node takes the jobs at its
        next pass instead of waiting for the leases to run out."""
        self._until = dict.fromkeys(self._until, 0)
        async with self.sessions() as s, s.begin():
            await s.execute(update(JobLease).where(JobLease.holder == self.holder).values(expires_at=utcnow()))

    async def holders(self) -> dict[str, tuple[str, datetime]]:
        """Every job's holder and expiry (for the supervisor's view and the tests)."""
        async with self.sessions() as s:
            rows = await s.execute(select(JobLease.name, JobLease.holder, JobLease.expires_at))
            return {name: (holder, aware(until)) for name, holder, until in rows}

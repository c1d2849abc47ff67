"""Virtual hold: a caller in a queue presses the profile's key, hangs up, and keeps their place.

A placeholder (a Local channel, `Local/vh<id>@hotline-vhold-place`, originated over AMI at once)
joins the same queue at the position the caller left (`Queue(..., position)`), so callers who came
later stay behind it. When the queue connects an operator to it (screen pop and all, like any
call), the other half of the Local channel (`hotline-vhold-call`) dials the citizen through the
citizen route and bridges them. No answer: after `retry_seconds` a new placeholder goes ahead of
new callers (queue priority), up to `max_attempts`; then, or when the placeholder's queue wait
runs out, the request goes to the callback work list. Rows live in the database: after a restart
(Asterisk restarts with the application) every placeholder that was waiting is placed again at
the front."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.callbacks.service import Callbacks
from hotline.config.profile import Profile
from hotline.cti.actions import CtiActions
from hotline.outbound.service import OutboundCalls
from hotline.phones import vietnamese_callable
from hotline.security.masking import mask_phone
from hotline.store.callbacks import VirtualHold

log = logging.getLogger(__name__)
PLACE_CONTEXT = "hotline-vhold-place"
CALL_CONTEXT = "hotline-vhold-call"
FRONT_PRIORITY = 10  # the priority of transfers back to a queue: ahead of new callers


class VirtualHolds:
    def __init__(self, sessions: async_sessionmaker, profile: Profile, cti: CtiActions, outbound: OutboundCalls,
                 callbacks: Callbacks, scan_seconds: float = 2, lease: Lease | None = None):
        self.sessions = sessions
        self.policy = profile.virtual_hold
        self.queues = profile.queues.by_id()
        self.ring_seconds = profile.outbound.ring_seconds
        self.cti = cti
        self.outbound = outbound
        self.callbacks = callbacks
        self._loop = Periodic("virtual hold retries", self.scan, scan_seconds, lease)
        self.stop = self._loop.stop

    async def start(self) -> None:
        await self.recover()
        self._loop.start()

    # -- the caller presses the key in the queue ------------------------------------------------
    async def keep(self, caller: str, queue: str, position: int, linkedid: str, ivr_path: str = "",
                   now: datetime | None = None) -> VirtualHold | None:
        """Keep the caller's place; None when it cannot be kept (off, unknown queue, or a number
        the hotline may not call back)."""
        number = vietnamese_callable(caller)
        if not self.policy.enabled or queue not in self.queues or number is None or self.outbound.route is None:
            log.info("virtual hold refused for %s in %s", mask_phone(caller), queue)
            return None
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            vh = VirtualHold(caller_number=number, queue=queue, topic=self.queues[queue].topic, ivr_path=ivr_path[:100],
                             linkedid=linkedid, position=max(1, position), status="waiting", created_at=now,
                             updated_at=now)
            s.add(vh)
        await self.place(vh)
        log.info("virtual hold %d: %s keeps place %d in %s", vh.id, mask_phone(number), vh.position, queue)
        return vh

    async def place(self, vh: VirtualHold) -> None:
        """Originate the placeholder that waits in the queue for the caller."""
        wait = self.policy.max_wait_seconds
        await self.cti.originate(
            f"Local/vh{vh.id}@{PLACE_CONTEXT}", CALL_CONTEXT, "s", f'"1022" <{vh.caller_number}>',
            {"HOTLINE_VHOLD_ID": str(vh.id), "HOTLINE_OUT_NUMBER": vh.caller_number,
             "HOTLINE_OUT_ROUTE": self.outbound.route, "HOTLINE_OUT_CLI": self.outbound.caller_id},
            wait + 60)

    # -- the placeholder and the call, as the dialplan reports them -----------------------------
    async def placeholder(self, vh_id: int, linkedid: str) -> dict[str, str] | None:
        """The variables of a placeholder about to join its queue (None: no such hold waiting)."""
        async with self.sessions() as s, s.begin():
            vh = await s.get(VirtualHold, vh_id)
            if vh is None or vh.status != "waiting":
                return None
            vh.placeholder_linkedid = linkedid
            front = vh.next_attempt_at is not None  # a retry, or placed again after a restart
            return {"HOTLINE_QUEUE": vh.queue, "HOTLINE_TOPIC": vh.topic or "", "HOTLINE_IVR_PATH": vh.ivr_path,
                    "HOTLINE_QUEUE_TIMEOUT": str(self.policy.max_wait_seconds),
                    "HOTLINE_VHOLD_POSITION": "1" if front else str(vh.position),
                    "QUEUE_PRIO": str(FRONT_PRIORITY if front else 0),
                    "HOTLINE_CITIZEN": vh.caller_number, "HOTLINE_VHOLD": "1"}

    async def _set(self, vh_id: int, *allowed_from: str, **values) -> VirtualHold | None:
        values["updated_at"] = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            moved = await s.execute(update(VirtualHold).where(VirtualHold.id == vh_id,
                                                             VirtualHold.status.in_(allowed_from)).values(**values)
                                    .execution_options(synchronize_session=False))
            return await s.get(VirtualHold, vh_id) if moved.rowcount == 1 else None

    async def dialed(self, vh_id: int, dial_status: str, now: datetime | None = None) -> str:
        """What the citizen's phone did; returns the hold's new status."""
        now = now or datetime.now(timezone.utc)
        if dial_status == "ANSWER" and await self._set(vh_id, "waiting", status="connected"):
            return "connected"
        async with self.sessions() as s:
            vh = await s.get(VirtualHold, vh_id)
        if vh is None or vh.status != "waiting":
            return vh.status if vh else "unknown"
        if vh.attempts + 1 < self.policy.max_attempts:
            await self._set(vh_id, "waiting", status="retry", attempts=vh.attempts + 1,
                            next_attempt_at=now + timedelta(seconds=self.policy.retry_seconds))
            log.info("virtual hold %d: no answer (%s); trying again in %d s", vh_id, dial_status,
                     self.policy.retry_seconds)
            return "retry"
        return await self._to_callback(vh, attempts=vh.attempts + 1, why=f"no answer ({dial_status})")

    async def left_queue(self, vh_id: int, queue_status: str) -> None:
        """The placeholder left its queue without an operator (its wait ran out, the queue emptied)."""
        async with self.sessions() as s:
            vh = await s.get(VirtualHold, vh_id)
        if vh is not None and vh.status == "waiting" and queue_status:
            await self._to_callback(vh, attempts=vh.attempts, why=f"left the queue ({queue_status})")

    async def _to_callback(self, vh: VirtualHold, attempts: int, why: str) -> str:
        req = await self.callbacks.add(vh.caller_number, "virtual_hold", vh.queue, vh.linkedid)
        await self._set(vh.id, "waiting", "retry", status="callback", attempts=attempts,
                        callback_id=req.id)
        log.info("virtual hold %d: %s; callback request %d", vh.id, why, req.id)
        return "callback"

    # -- retries and restarts --------------------------------------------------------------------
    async def scan(self, now: datetime | None = None) -> list[int]:
        """Place again, at the front, every hold whose retry time has come."""
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s:
            due = list(await s.scalars(select(VirtualHold).where(VirtualHold.status == "retry",
                                                                  VirtualHold.next_attempt_at <= now)))
        placed = []
        for vh in due:
            if await self._set(vh.id, "retry", status="waiting", placeholder_linkedid=None):
                await self.place(vh)
                placed.append(vh.id)
        return placed

    async def recover(self) -> int:
        """At start: placeholders of the previous run are gone with its Asterisk; place them again
        at the front."""
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            moved = await s.execute(update(VirtualHold).where(VirtualHold.status == "waiting")
                                    .values(status="retry", next_attempt_at=now, updated_at=now)
                                    .execution_options(synchronize_session=False))
        if moved.rowcount:
            log.warning("%d virtual holds of the previous run placed again at the front", moved.rowcount)
        return moved.rowcount

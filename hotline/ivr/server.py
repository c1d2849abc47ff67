"""The FastAGI server: routes Asterisk's AGI() calls to the IVR.

Routes (the dialplan calls them as agi://127.0.0.1:<agi port>/<route>,<linkedid>):
  main    the menu: greeting, choices, look-ups, after-hours; leaves variables for the dialplan
  missed  the caller waited past the queue's limit: note a callback request, tell the caller
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from panoramisk.fast_agi import Request

from hotline.applications.status import StatusSource
from hotline.config.profile import Profile
from hotline.ivr.agi import REPORT_WAIT, AgiChannel, FastAgiApplication
from hotline.ivr.dtmf_tap import DtmfTap
from hotline.ivr.keys import KeyTaps
from hotline.ivr.session import CallbackRecorder, CallerHungUp, IvrSession
from hotline.security.limits import RateLimiter
from hotline.security.masking import mask_phone
from hotline.settings import Settings
from hotline.ticketing.store import TicketStore
from hotline.workhours import WorkCalendar

log = logging.getLogger(__name__)


class IvrServer:
    def __init__(self, settings: Settings, profile: Profile, store: TicketStore, record_callback: CallbackRecorder,
                 ami: tuple[str, str] | None = None, applications: StatusSource | None = None):
        """`ami`: user and secret of Asterisk's manager, for the key tap (keys pressed between
        two AGI commands); without it the IVR hears keys only while a command listens."""
        self.settings = settings
        self.taps = KeyTaps()
        self.tap = DtmfTap("127.0.0.1", settings.ports.ami, *ami, self.taps) if ami else None
        self.profile = profile
        self.store = store
        self.record_callback = record_callback  # callbacks.service.Callbacks.add
        self.calendar = WorkCalendar(profile.calendar)
        sec = settings.security
        lookups = RateLimiter(sec.ivr_lookups_per_caller, sec.public_window_seconds)
        self.session = IvrSession(profile.menu, profile.queues, set(profile.prompts.prompts),
                                  store.status_by_code, record_callback,
                                  lookup_allowed=lambda caller: lookups.take(caller or "anonymous") is None,
                                  applications=applications,
                                  application_wait=settings.applications.timeout_seconds
                                  * (1 + settings.applications.retries) + 1)
        self.app = FastAgiApplication()
        self.app.add_route("main", self.main)
        self.app.add_route("missed", self.missed)
        self._server: asyncio.base_events.Server | None = None

    def add_route(self, name: str, handler) -> None:
        """Another FastAGI route on the same server (the outbound calls' check)."""
        self.app.add_route(name, handler)

    def channel(self, request: Request) -> AgiChannel:
        uniqueid = request.headers.get("agi_uniqueid", "")
        listening = self.tap is not None and self.taps.listening
        return AgiChannel(request, self.settings.prompts_dir, self.taps.buffer(uniqueid),
                          report_wait=REPORT_WAIT if listening else 0,
                          stop_playback=self.tap.stop_playback if listening else None)

    async def main(self, request: Request) -> None:
        ch = self.channel(request)
        try:
            await self._main(ch)
        finally:
            self.taps.release(ch.uniqueid)

    async def _main(self, ch: AgiChannel) -> None:
        try:
            outcome = await self.session.run(ch, self.calendar.is_open(datetime.now(timezone.utc)))
        except CallerHungUp:
            log.info("call %s from %s: hung up in the IVR", ch.linkedid, mask_phone(ch.caller))
            return
        except Exception:
            # Never leave the caller in dead air: hand the call to the operator queue.
            log.exception("call %s: IVR error, sending to the operator queue", ch.linkedid)
            outcome = self.session.to_queue(self.profile.menu.fallback_queue, "error", [])
        for name, value in outcome.variables().items():
            await ch.set_var(name, value)
        log.info("call %s from %s: %s %s (%s) path=%s", ch.linkedid, mask_phone(ch.caller), outcome.action,
                 outcome.queue or "", outcome.reason, "-".join(outcome.path))

    async def missed(self, request: Request) -> None:
        ch = self.channel(request)
        self.taps.release(ch.uniqueid)  # nothing to read: it only tells the caller
        queue = request.headers.get("agi_arg_2") or None
        await self.record_callback(ch.caller, "queue_timeout", queue, ch.linkedid)
        await ch.play([self.profile.menu.queue_timeout_prompt, self.profile.menu.after_hours.goodbye], escape="")

    async def start(self) -> None:
        self._server = await asyncio.start_server(self.app.handler, "127.0.0.1", self.settings.ports.agi,
                                                  backlog=1024)
        log.info("FastAGI server on 127.0.0.1:%d", self.settings.ports.agi)

    async def keys_heard(self, timeout: float = 15) -> None:
        """Wait until the key tap listens (Asterisk is up), so that the first calls' early keys count."""
        if self.tap:
            try:
                await asyncio.wait_for(self.tap.logged_in.wait(), timeout)
            except asyncio.TimeoutError:
                log.warning("the AMI key tap is not connected yet: early keys are lost until it is")

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()


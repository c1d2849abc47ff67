"""Putting the pieces together: set-up (idempotent) and the running hotline."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.asterisk.config import render_asterisk_config
from hotline.asterisk.moh import build_moh
from hotline.asterisk.process import ManagedAsterisk
from hotline.config.profile import Profile, load_profile
from hotline.credentials import Credentials, load_or_create
from hotline.ivr.prompts import build_prompts
from hotline.ivr.server import IvrServer
from hotline.settings import Settings
from hotline.ticketing.db import make_engine, migrate, sessionmaker
from hotline.ticketing.statuses import STATUSES, TicketStatus
from hotline.ticketing.store import TicketStore

log = logging.getLogger(__name__)


def load_checked_profile(settings: Settings) -> Profile:
    return load_profile(settings.config_dir, settings.profile, STATUSES)


@dataclass
class Prepared:
    settings: Settings
    profile: Profile
    creds: Credentials
    engine: AsyncEngine
    store: TicketStore
    asterisk: ManagedAsterisk

    async def close(self) -> None:
        await self.engine.dispose()


async def prepare(settings: Settings) -> Prepared:
    """Everything a start needs, done only where something changed: validate config, secrets,
    database schema, prompts, music on hold, Asterisk configuration."""
    settings.home.mkdir(parents=True, exist_ok=True)
    profile = load_checked_profile(settings)
    creds = load_or_create(settings.secrets_file, [o.id for o in profile.queues.operators])
    engine = make_engine(settings.db_url)
    await migrate(engine)
    await asyncio.to_thread(build_prompts, profile.prompts, settings.prompts_dir, settings.custom_prompts_dir)
    await asyncio.to_thread(build_moh, settings.moh_dir)
    conf = render_asterisk_config(settings, profile, creds)
    ast = ManagedAsterisk(conf, settings.asterisk_dir / "run", settings.asterisk_dir / "log",
                          settings.asterisk_binary)
    return Prepared(settings, profile, creds, engine, TicketStore(sessionmaker(engine)), ast)


DEMO_TICKETS = [
    ("26112029", TicketStatus.IN_PROGRESS, "infrastructure", "0912345678",
     "Đèn chiếu sáng đường Nguyễn Huệ bị hỏng"),
    ("26112037", TicketStatus.ANSWERED, "administrative_procedures", "0987654321",
     "Hỏi thủ tục cấp giấy phép xây dựng"),
]


async def seed_demo(store: TicketStore) -> None:
    for code, status, topic, phone, content in DEMO_TICKETS:
        if await store.status_by_code(code) is None:
            await store.create_ticket(code=code, status=status, topic=topic, caller_phone=phone, content=content)
            log.info("demo ticket %s (%s)", code, status)


def _raise_priority(nice: int) -> None:
    """Give this (control-plane) process priority over Asterisk's media threads; see Settings."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        log.info("could not set scheduling priority %d (not root): left as it is", nice)


async def run(settings: Settings, demo: bool = False, with_ivr: bool = True) -> None:
    """Run the hotline until SIGINT/SIGTERM: FastAGI IVR server, then the managed Asterisk."""
    prepared = await prepare(settings)
    if demo:
        await seed_demo(prepared.store)
    ivr = IvrServer(settings, prepared.profile, prepared.store) if with_ivr else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ready_file = settings.home / "ready"
    try:
        if ivr:
            await ivr.start()
        await prepared.asterisk.start()
        _raise_priority(settings.control_nice)
        ready_file.write_text(str(os.getpid()))
        p = settings.ports
        log.info("hotline ready: profile %s, numbers %s, SIP trunk udp/%s:%d, AMI 127.0.0.1:%d, FastAGI %d",
                 prepared.profile.id, ", ".join(prepared.profile.numbers.dialled_forms()), settings.sip_bind,
                 p.sip, p.ami, p.agi)
        watcher = asyncio.create_task(prepared.asterisk.proc.wait())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({watcher, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if watcher in done:
            log.error("Asterisk exited unexpectedly (code %s)", prepared.asterisk.proc.returncode)
        stopper.cancel()
        watcher.cancel()
    finally:
        ready_file.unlink(missing_ok=True)
        await prepared.asterisk.stop()
        if ivr:
            await ivr.stop()
        await prepared.close()


async def run_ivr_only(settings: Settings) -> None:
    """The FastAGI server alone (for an Asterisk managed elsewhere)."""
    profile = load_checked_profile(settings)
    engine = make_engine(settings.db_url)
    await migrate(engine)
    ivr = IvrServer(settings, profile, TicketStore(sessionmaker(engine)))
    await ivr.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await ivr.stop()
    await engine.dispose()

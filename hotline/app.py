"""Putting the pieces together: set-up (idempotent) and the running hotline."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import secrets
import signal
import tomllib
from dataclasses import dataclass

from aiohttp import web

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.agent_desktop.reports_api import ReportsApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.agent_desktop.hub import Hub
from hotline.agent_desktop.recordings_api import RecordingsApi
from hotline.agent_desktop.server import DesktopServer
from hotline.agent_desktop.transfer_api import TransferApi
from hotline.agent_desktop.users_api import UsersApi
from hotline.asterisk.config import render_asterisk_config
from hotline.asterisk.moh import build_moh
from hotline.asterisk.process import ManagedAsterisk
from hotline.asterisk.sip_auth import SipPasswords
from hotline.config.profile import Profile, load_profile
from hotline.credentials import Credentials, load_or_create, write_private
from hotline.cti.ami import AmiBridge
from hotline.cti.bus import EventBus
from hotline.ivr.prompts import build_prompts
from hotline.ivr.server import IvrServer
from hotline.errors import ConfigError
from hotline.notifications.gateways import make_gateway
from hotline.notifications.outbox import SmsSender
from hotline.recordings.catalogue import Catalogue
from hotline.reports.call_log import CallLog
from hotline.reports.weekly import WeeklyReports
from hotline.notifications.email import EmailSender
from hotline.recordings.jobs import Transcriber
from hotline.recordings.library import RecordingLibrary
from hotline.recordings.models_install import check_model
from hotline.security.bodies import body_limits
from hotline.security.clients import TRUST_KEY, ProxyTrust
from hotline.security.passwords import Hasher
from hotline.settings import SETTINGS_FILE, Settings
from hotline.ticketing.calls import CallTickets
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.public.desk import PublicDesk
from hotline.ticketing.attachments import MAX_FILES, Attachments
from hotline.public.pages import PublicPages
from hotline.ticketing.handling import TicketHandling
from hotline.config.statuses import STATUSES, TicketStatus
from hotline.ticketing.store import TicketStore
from hotline.transfers.service import TransferService

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
    sip: SipPasswords

    async def close(self) -> None:
        await self.engine.dispose()


async def prepare(settings: Settings) -> Prepared:
    """Everything a start needs, done only where something changed: validate config, secrets,
    database schema, prompts, music on hold, Asterisk configuration."""
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)  # also a home made by an earlier version, before files were private
    profile = load_checked_profile(settings)
    if settings.model_path is not None:
        problem = check_model(settings.model_path)
        if problem:
            raise ConfigError(f"{settings.home / SETTINGS_FILE}: transcription.model: {problem}")
    overlap = [n for n in settings.operator_networks if any(
        ipaddress.ip_network(n, strict=False).overlaps(ipaddress.ip_network(t, strict=False))
        for t in settings.trunk_match if ipaddress.ip_network(n, strict=False).version
        == ipaddress.ip_network(t, strict=False).version)]
    if overlap:
        log.warning("operator_networks %s overlap trunk_match: softphone credentials would also register over "
                    "UDP from there (give ws_bind an address of its own, e.g. ::1)", ", ".join(overlap))
    creds = load_or_create(settings.secrets_file)
    engine = make_engine(settings.db_url)
    await migrate(engine)
    sip = SipPasswords(sessionmaker(engine), settings.asterisk_dir / "etc", [o.id for o in profile.queues.phones()])
    await sip.prepare()
    await asyncio.to_thread(build_prompts, profile.prompts, settings.prompts_dir, settings.custom_prompts_dir)
    await asyncio.to_thread(build_moh, settings.moh_dir)
    conf = render_asterisk_config(settings, profile, creds)
    ast = ManagedAsterisk(conf, settings.asterisk_dir / "run", settings.asterisk_dir / "log",
                          settings.asterisk_binary)
    return Prepared(settings, profile, creds, engine, TicketStore(sessionmaker(engine)), ast, sip)


DEMO_TICKETS = [
    ("26112029", TicketStatus.IN_PROGRESS, "infrastructure", "0912345678",
     "Đèn chiếu sáng đường Nguyễn Huệ bị hỏng"),
    ("26112037", TicketStatus.ANSWERED, "administrative_procedures", "0987654321",
     "Hỏi thủ tục cấp giấy phép xây dựng"),
]


# Demo agencies (fictitious people and numbers), dialled through the `local` route where
# `hotline agency-phone` answers.
DEMO_AGENCIES = [
    {"name": "Sở Giao thông vận tải", "level": "province", "fields": ["infrastructure"], "phone": "02773851001",
     "contacts": [{"role": "focal_point", "name": "Nguyễn Văn Bình", "phone": "0911000001"},
                  {"role": "head", "name": "Trần Thị Cúc", "phone": "0911000002"}]},
    {"name": "Công ty Điện lực Đồng Tháp", "level": "public_service", "fields": ["infrastructure"],
     "phone": "02773851002", "contacts": [{"role": "focal_point", "name": "Lê Văn Dũng", "phone": "0911000003"},
                                          {"role": "head", "name": "Phạm Thị Én", "phone": "0911000004"}]},
    {"name": "Sở Tài nguyên và Môi trường", "level": "province", "fields": ["socio_economic", "investment"],
     "phone": "02773851003", "contacts": [{"role": "focal_point", "name": "Võ Văn Giang", "phone": "0911000005"},
                                          {"role": "head", "name": "Đặng Thị Hoa", "phone": "0911000006"}]},
    {"name": "UBND phường Cao Lãnh", "level": "commune", "fields": ["administrative_procedures"],
     "phone": "02773851004", "contacts": [{"role": "focal_point", "name": "Huỳnh Văn Khoa", "phone": "0911000007"},
                                          {"role": "head", "name": "Bùi Thị Lan", "phone": "0911000008"}]},
]


async def seed_demo(store: TicketStore, directory: AgencyDirectory) -> None:
    for code, status, topic, phone, content in DEMO_TICKETS:
        if await store.status_by_code(code) is None:
            await store.create_ticket(code=code, status=status, topic=topic, caller_phone=phone, content=content)
            log.info("demo ticket %s (%s)", code, status)
    existing = {a.name for a, _ in await directory.search(include_inactive=True, limit=10000)}
    for data in DEMO_AGENCIES:
        if data["name"] not in existing:
            await directory.save(AgencyIn.model_validate(data))


async def _supervise(asterisk: ManagedAsterisk, stop: asyncio.Event, max_restarts: int = 5) -> None:
    """Wait for the stop signal; restart Asterisk if it dies meanwhile (at most `max_restarts`
    within ten minutes, then give up and stop). The CTI reconnects and resynchronises by itself."""
    restarts: list[float] = []
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        watcher = asyncio.create_task(asterisk.proc.wait())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({watcher, stopper}, return_when=asyncio.FIRST_COMPLETED)
        watcher.cancel()
        stopper.cancel()
        if stop.is_set():
            return
        restarts = [t for t in restarts if loop.time() - t < 600] + [loop.time()]
        if len(restarts) > max_restarts:
            log.error("Asterisk keeps exiting (code %s); stopping", asterisk.proc.returncode)
            return
        log.error("Asterisk exited unexpectedly (code %s); restarting it", asterisk.proc.returncode)
        await asyncio.sleep(1)
        await asterisk.start()


def _raise_priority(nice: int) -> None:
    """Give this (control-plane) process priority over Asterisk's media threads; see Settings."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        log.info("could not set scheduling priority %d (not root): left as it is", nice)


async def demo_accounts(settings: Settings, accounts: Accounts, profile: Profile,
                        directory: AgencyDirectory | None = None) -> dict[str, str]:
    """Demo users (one per operator endpoint, plus a supervisor) with passwords generated per
    installation and kept in `<home>/demo-accounts.toml` (mode 0600), never in the repository."""
    path = settings.home / "demo-accounts.toml"
    known = tomllib.loads(path.read_text()) if path.exists() else {}
    wanted = [(o.id, o.name, "operator", o.id) for o in profile.queues.operators]
    sup_phone = profile.queues.supervisors[0].id if profile.queues.supervisors else None
    wanted.append(("giamsat", "Giám sát viên", "supervisor", sup_phone))
    wanted.append(("quantri", "Quản trị viên", "admin", None))
    agency_id = None
    if directory is not None:
        found = await directory.search(DEMO_AGENCIES[0]["name"])
        agency_id = found[0][0].id if found else None
    if agency_id:
        wanted.append(("daumoi", DEMO_AGENCIES[0]["contacts"][0]["name"], "agency", None))
    for username, name, role, operator_id in wanted:
        if username not in known:
            known[username] = secrets.token_urlsafe(9)
            if await accounts.user_exists(username):
                await accounts.set_password(username, known[username])
        if not await accounts.user_exists(username):
            await accounts.create_user(username, name, role, known[username], operator_id,
                                       agency_id=agency_id if role == "agency" else None)
    write_private(path, "# Demo accounts of this installation: username = password\n"
                  + "".join(f'{u} = "{p}"\n' for u, p in known.items()))
    return known


async def run(settings: Settings, demo: bool = False, with_ivr: bool = True) -> None:
    """Run the hotline until SIGINT/SIGTERM: FastAGI IVR server, the managed Asterisk, the CTI
    bridge and the operator desktop."""
    prepared = await prepare(settings)
    sessions = sessionmaker(prepared.engine)
    sec = settings.security
    hasher = Hasher(sec.hash_workers)
    accounts = Accounts(sessions, hasher, sec.lockout_after, sec.lockout_minutes)
    directory = AgencyDirectory(sessions)
    if demo:
        await seed_demo(prepared.store, directory)
        known = await demo_accounts(settings, accounts, prepared.profile, directory)
        # On the terminal only: passwords never go to the log.
        print("Demo accounts (also in " + str(settings.home / "demo-accounts.toml") + "):\n" +
              "".join(f"  {user} / {password}\n" for user, password in known.items()), flush=True)
    ivr = IvrServer(settings, prepared.profile, prepared.store) if with_ivr else None
    bus = EventBus()
    cti = AmiBridge("127.0.0.1", settings.ports.ami, prepared.creds.ami_user, prepared.creds.ami_secret, bus,
                    logged_in_agents=accounts.agent_logins)
    CallTickets(prepared.store, bus)
    sms = SmsSender(sessions, make_gateway(settings.sms), settings.sms.max_attempts, settings.sms.retry_seconds,
                    settings.sms.poll_seconds)
    handling = TicketHandling(sessions, prepared.profile, lookup_url=settings.public_base, on_sms=sms.wake,
                              scan_seconds=settings.deadline_scan_seconds,
                              citizen_sms_per_day=settings.security.sms_per_number_per_day)
    transfers = TransferService(settings, prepared.profile, sessions, cti, bus, prepared.store, directory, handling)
    await transfers.recover()
    call_log = CallLog(sessions, settings.queue_log)
    email = EmailSender(sessions, settings.email)
    weekly = WeeklyReports(sessions, prepared.profile, on_queued=email.wake)
    transcriber = Transcriber(sessions, settings.transcription, settings.model_path, settings.recordings_dir)
    catalogue = Catalogue(sessions, settings.recordings_dir, settings.recordings,
                          live_calls=lambda: cti.model.live_calls() if cti.connected.is_set() else None,
                          on_job=transcriber.wake)

    async def on_call_end(event) -> None:
        if event.kind == "call.ended":
            catalogue.call_ended(event.data.get("linkedid"))

    bus.subscribe(on_call_end)
    hub = Hub(bus, cti.model, prepared.store, accounts=accounts, session_check_seconds=sec.session_check_seconds)
    prepared.sip.reload = cti.reload_pjsip
    files = Attachments(sessions, settings.attachments_dir, settings.attachment_max_mb * 1024 * 1024)
    desktop = DesktopServer(accounts, prepared.store, hub, cti, prepared.profile, prepared.sip,
                            settings.ws_url, secure_cookies=settings.secure_cookies, handling=handling,
                            max_request_bytes=(MAX_FILES * settings.attachment_max_mb + 1) * 1024 * 1024,
                            security=sec,
                            middlewares=[body_limits(sec.public_body_kb * 1024,
                                                     {"/phan-anh": (MAX_FILES * settings.attachment_max_mb + 1)
                                                      * 1024 * 1024})],
                            extra_apis=[UsersApi(accounts, prepared.sip.phones),TransferApi(accounts, transfers, prepared.store, settings, handling),
                                        AgencyApi(accounts, AgencyInbox(sessions, handling, files), directory),
                                        TicketsApi(accounts, prepared.store, handling, files),
                                        ReportsApi(accounts, sessions, prepared.profile, call_log),
                                        PublicPages(PublicDesk(sessions, handling, settings.attachments_dir,
                                                               settings.attachment_max_mb * 1024 * 1024), sec),
                                        RecordingsApi(accounts, RecordingLibrary(sessions, settings.recordings_dir,
                                                                                 prepared.profile.calendar.timezone))])
    accounts.revoke_hooks.append(desktop.end_access)
    desktop.app[TRUST_KEY] = ProxyTrust.of(sec.trusted_proxies, sec.client_ip_header)
    runner = web.AppRunner(desktop.app, access_log=None)
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
        await cti.start()
        await asyncio.wait_for(cti.connected.wait(), 15)
        hub.start()
        sms.start()
        handling.start()  # its first scan applies deadlines that passed while the hotline was down
        catalogue.start()  # its first scan is the start-up reconciliation
        call_log.start()
        email.start()
        weekly.start()
        await transcriber.start()
        await runner.setup()
        await web.TCPSite(runner, settings.web_bind, settings.ports.web).start()
        ready_file.write_text(str(os.getpid()))
        p = settings.ports
        log.info("hotline ready: profile %s, numbers %s, SIP trunk udp/%s:%d, AMI 127.0.0.1:%d, FastAGI %d; "
                 "desktop http://%s:%d/", prepared.profile.id, ", ".join(prepared.profile.numbers.dialled_forms()),
                 settings.sip_bind, p.sip, p.ami, p.agi, settings.web_bind, p.web)
        await _supervise(prepared.asterisk, stop)
    finally:
        ready_file.unlink(missing_ok=True)
        await hub.stop()
        await sms.stop()
        await handling.stop()
        await catalogue.stop()
        await call_log.stop()
        await weekly.stop()
        await email.stop()
        await transcriber.stop()
        await runner.cleanup()
        cti.close()
        await prepared.asterisk.stop()
        if ivr:
            await ivr.stop()
        hasher.close()
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

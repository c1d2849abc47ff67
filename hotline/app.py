"""Putting the pieces together: set-up (idempotent) and the running hotline."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import inspect
import ipaddress
import logging
import os
import signal
from dataclasses import dataclass
from typing import Callable

from aiohttp import web

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.knowledge_api import KnowledgeApi
from hotline.applications.sources import source_of
from hotline.applications.table_source import TableSource
from hotline.applications.status import StatusSource
from hotline.knowledge.articles import KnowledgeBase
from hotline.loop_lag import LoopLag
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agencies_api import AgenciesApi
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.agent_desktop.office_api import OfficeApi
from hotline.agent_desktop.privacy_api import PrivacyApi
from hotline.agent_desktop.reviews_api import ReviewsApi
from hotline.background import Periodic
from hotline.conversations.channels import build as channel_registry
from hotline.conversations.chat_outbox import ChatSender
from hotline.conversations.platform_files import PlatformFiles
from hotline.ticketing.scan_job import ScanText
from hotline.ticketing.scans import Scans
from hotline.conversations.imap import MailboxReader
from hotline.conversations.service import Conversations
from hotline.cti.members import MemberSync
from hotline.nodes.leases import JobLeases
from hotline.nodes.draining import DRAINED_EXIT, refuse_new_calls, restart_after_exit, stop_after_last_call
from hotline.nodes.serving import ServingNode
from hotline.office.reviews import AnswerReviews
from hotline.office.desk import OfficeDesk
from hotline.office.letters import OfficeLetters
from hotline.agent_desktop.agent_api import AgentApi
from hotline.agent_desktop.callbacks_api import CallbacksApi
from hotline.agent_desktop.reports_api import ReportsApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.agent_desktop.hub import Hub
from hotline.agent_desktop.meta_api import MetaApi
from hotline.agent_desktop.recordings_api import RecordingsApi
from hotline.agent_desktop.scorecards_api import ScorecardsApi
from hotline.scorecards.service import Scorecards
from hotline.agent_desktop.conversations_api import ConversationsApi
from hotline.agent_desktop.server import DesktopServer
from hotline.public.webchat import WebChat
from hotline.public.open311 import Open311, uploads as OPEN311_UPLOADS
from hotline.public.webhooks import BODY_LIMITS as WEBHOOK_BODY_LIMITS, Webhooks
from hotline.open311.keys import AppKeys
from hotline.web.standby import standby_refusal
from hotline.workhours import WorkCalendar
from hotline.agent_desktop.session_api import SessionApi
from hotline.agent_desktop.supervisor_api import SupervisorApi
from hotline.agent_desktop.map_api import TicketsMapApi
from hotline.agent_desktop.transfer_api import TransferApi
from hotline.agent_desktop.system_api import SystemApi
from hotline.agent_desktop.users_api import UsersApi
from hotline.asterisk.config import render_asterisk_config
from hotline.asterisk.moh import build_moh
from hotline.asterisk.process import ManagedAsterisk
from hotline.asterisk.sip_auth import SipPasswords
from hotline.callbacks.agi import VirtualHoldAgi
from hotline.callbacks.service import Callbacks
from hotline.callbacks.virtual_hold import VirtualHolds
from hotline.config.profile import Profile, deployment_problems, load_profile
from hotline.credentials import Credentials, load_or_create
from hotline.cti.ami import AmiBridge
from hotline.events.bus import EventBus
from hotline.events.types import CallEnded
from hotline.ivr.prompts import build_prompts
from hotline.ivr.server import IvrServer
from hotline.demo import demo_accounts, seed_demo, seed_knowledge
from hotline.errors import ConfigError
from hotline.notifications.gateways import make_gateway
from hotline.notifications.outbox import SmsSender
from hotline.outbound.agi import OutboundAgi, SurveyAgi
from hotline.outbound.service import OutboundCalls
from hotline.outbound.surveys import SurveyCalls
from hotline.recordings.catalogue import Catalogue
from hotline.reports.call_log import CallLog
from hotline.reports.statutory import StatutoryReports
from hotline.privacy.audit import PersonalDataAudit
from hotline.privacy.erasure import Eraser
from hotline.privacy.keys import load_or_create_key as privacy_key
from hotline.privacy.requests import DataRequests
from hotline.privacy.retention import Retention
from hotline.reports.weekly import WeeklyReports
from hotline.notifications.email import EmailSender
from hotline.recordings.jobs import Transcriber
from hotline.recordings.live import LiveCaptions
from hotline.agent_desktop.alerts_api import AlertsApi
from hotline.recordings.library import RecordingLibrary
from hotline.recordings.models_install import check_model
from hotline.security.bodies import body_limits
from hotline.security.clients import TRUST_KEY, ProxyTrust
from hotline.security.passwords import Hasher
from hotline.security.totp import Totp, load_or_create_key
from hotline.settings import SETTINGS_FILE, Settings
from hotline.ticketing.calls import CallTickets
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.public.desk import PublicDesk, public_link
from hotline.ticketing.attachments import MAX_FILES, Attachments
from hotline.public.pages import PublicPages
from hotline.public.maps import PublishedMap
from hotline.ticketing.handling import TicketHandling
from hotline.config.statuses import SPOKEN_STATUSES
from hotline.ticketing.store import TicketStore
from hotline.transfers.service import TransferService

log = logging.getLogger(__name__)


def load_checked_profile(settings: Settings, deployment: bool = False) -> Profile:
    """The profile, validated; with `deployment` (a start outside demo mode) also refused while it
    holds empty office contacts or placeholder recipients, the error naming the file and field."""
    profile = load_profile(settings.config_dir, settings.profile, SPOKEN_STATUSES)
    if deployment and not settings.demo:
        problems = deployment_problems(settings.config_dir, profile)
        if problems:
            raise ConfigError("\n".join(problems) + "\n(a demo or test installation: `hotline run --demo`, "
                              "or demo = true in " + str(settings.home / SETTINGS_FILE) + ")")
    return profile


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


async def prepare(settings: Settings, deployment: bool = False) -> Prepared:
    """Everything a start needs, done only where something changed: validate config, secrets,
    database schema, prompts, music on hold, Asterisk configuration. `deployment`: a start outside
    demo mode, refused while the profile holds placeholders (`load_checked_profile`)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)  # also a home made by an earlier version, before files were private
    profile = load_checked_profile(settings, deployment)
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


async def _supervise(asterisk: ManagedAsterisk, stop: asyncio.Event, max_restarts: int = 5,
                     draining: Callable[[], bool] = lambda: False) -> None:
    """Wait for the stop signal; restart Asterisk if it dies meanwhile (at most `max_restarts`
    within ten minutes, then give up and stop), unless the node is draining (Asterisk stopped
    after its last call: the node stops too). The CTI reconnects and resynchronises by itself."""
    restarts: list[float] = []
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        watcher = asyncio.create_task(asterisk.wait())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({watcher, stopper}, return_when=asyncio.FIRST_COMPLETED)
        watcher.cancel()
        stopper.cancel()
        if stop.is_set():
            return
        if not restart_after_exit(draining()):
            log.info("Asterisk stopped after this draining node's last call; the node stops")
            return
        restarts = [t for t in restarts if loop.time() - t < 600] + [loop.time()]
        if len(restarts) > max_restarts:
            log.error("Asterisk keeps exiting (code %s); stopping", asterisk.returncode)
            return
        log.error("Asterisk exited unexpectedly (code %s); restarting it", asterisk.returncode)
        await asyncio.sleep(1)
        await asterisk.start()


def _raise_priority(nice: int) -> None:
    """Give this (control-plane) process priority over Asterisk's media threads; see Settings."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        log.info("could not set scheduling priority %d (not root): left as it is", nice)


class Parts(contextlib.AsyncExitStack):
    """Starts parts in order and stops the started ones in reverse order, each only if it started
    (also when a later start fails). `start` and `stop` may be plain or async callables."""

    async def start(self, name: str, start: Callable[[], object], stop: Callable[[], object]) -> None:
        result = start()
        if inspect.isawaitable(result):
            await result

        async def stopping() -> None:
            try:
                result = stop()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("stopping %s failed", name)

        self.push_async_callback(stopping)


def stop_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: the one way a hotline process is told to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


@dataclass
class Hotline:
    """Every part of a running hotline, built in one place (`build`), started and stopped in one
    place (`run`)."""

    settings: Settings
    prepared: Prepared
    hasher: Hasher
    accounts: Accounts
    ivr: IvrServer | None
    cti: AmiBridge
    hub: Hub
    sms: SmsSender
    handling: TicketHandling
    transfers: TransferService
    catalogue: Catalogue
    call_log: CallLog
    email: EmailSender
    weekly: WeeklyReports
    statutory: StatutoryReports
    retention: Retention
    transcriber: Transcriber
    live: LiveCaptions
    desktop: DesktopServer
    outbound: OutboundCalls
    callbacks: Callbacks
    holds: VirtualHolds
    surveys: SurveyCalls
    applications: StatusSource
    kb: KnowledgeBase
    leases: JobLeases
    members: MemberSync | None  # several nodes: this node's queues follow the recorded logins
    serving: ServingNode | None  # several nodes: whether this node serves the desktops
    mailbox: MailboxReader | None  # citizens' e-mails, when a mailbox is configured
    chats: ChatSender  # replies to citizens on Zalo and Facebook
    reply_deadlines: Periodic  # citizens waiting for a first answer: reminders, then supervisors
    platform_files: Periodic  # files citizens sent on Zalo or Messenger, fetched from the platform
    scan_text: ScanText  # the text of staff's scanned letters, recognised in the background
    loop_lag: LoopLag  # how late this process's event loop wakes (/api/system/loop-lag)


def build(settings: Settings, prepared: Prepared, with_ivr: bool = True) -> Hotline:
    sessions = sessionmaker(prepared.engine)
    profile, store, sec = prepared.profile, prepared.store, settings.security
    hasher = Hasher(sec.hash_workers)
    accounts = Accounts(sessions, hasher, sec.lockout_after, sec.lockout_minutes, sec.idle_minutes,
                        sec.temporary_password_hours, Totp(load_or_create_key(settings.home / "two-factor.key")),
                        frozenset(sec.two_factor_roles))
    directory = AgencyDirectory(sessions)
    creds = prepared.creds
    bus = EventBus()
    leases = JobLeases(sessions)  # the jobs whose work is the whole hotline's run on one node at a time
    outbound = OutboundCalls.of(settings, sessions, profile, bus)
    callbacks = Callbacks(sessions, profile, outbound, bus, settings.deadline_scan_seconds, lease=leases)
    cti = AmiBridge("127.0.0.1", settings.ports.ami, creds.ami_user, creds.ami_secret, bus,
                    logged_in_agents=accounts.agent_logins)
    CallTickets(store, bus)
    sms = SmsSender(sessions, make_gateway(settings.sms), settings.sms.max_attempts, settings.sms.retry_seconds,
                    settings.sms.poll_seconds, lease=leases)
    handling = TicketHandling.of(settings, sessions, profile, on_sms=sms.wake, lease=leases)
    holds = VirtualHolds(sessions, profile, cti, outbound, callbacks, lease=leases)
    surveys = SurveyCalls(sessions, profile, cti, outbound, handling, settings.sounds_dir / "surveys",
                          settings.deadline_scan_seconds, lease=leases)
    applications = source_of(settings.applications, sessions)
    kb = KnowledgeBase(sessions, profile.queues.topic_names(), profile.calendar.timezone,
                       profile.knowledge.review_months, profile.knowledge.suggestions)
    ivr = None
    if with_ivr:
        ivr = IvrServer(settings, profile, store, callbacks.add, (creds.ami_user, creds.ami_secret),
                        applications=applications)
        routes = {"outbound": OutboundAgi(outbound, settings.prompts_dir).handle,
                  **VirtualHoldAgi(holds, settings.prompts_dir).routes(),
                  **SurveyAgi(surveys, settings.prompts_dir).routes()}
        for name, handler in routes.items():
            ivr.add_route(name, handler)
    transfers = TransferService(settings, profile, sessions, cti, bus, store, directory, handling)
    call_log = CallLog(sessions, settings.queue_log)
    email = EmailSender(sessions, settings.email, lease=leases)
    weekly = WeeklyReports(sessions, profile, on_queued=email.wake, lease=leases)
    statutory = StatutoryReports(sessions, profile, settings.reports_dir, on_queued=email.wake, lease=leases)
    eraser = Eraser(settings.attachments_dir, settings.recordings_dir, settings.asterisk_dir / "log")
    retention = Retention(sessions, profile.retention, handling.workflow.final_steps(), eraser, lease=leases)
    letters = OfficeLetters(sessions, profile, handling.workflow.agency_steps(),
                            on_sms=lambda: (sms.wake(), email.wake()))
    transcriber = Transcriber(sessions, settings.transcription, settings.model_path, settings.recordings_dir)
    catalogue = Catalogue(sessions, settings.recordings_dir, settings.recordings,
                          live_calls=lambda: cti.model.live_calls() if cti.connected.is_set() else None,
                          on_job=transcriber.wake)

    async def on_call_end(event: CallEnded) -> None:
        catalogue.call_ended(event.linkedid)

    bus.subscribe(on_call_end, CallEnded)
    live = LiveCaptions(sessions, settings.transcription, settings.model_path, settings.recordings_spool, bus,
                        profile.alerts)
    eraser.forget_calls.append(live.forget)
    hub = Hub(bus, cti.model, store, accounts=accounts, session_check_seconds=sec.session_check_seconds,
              secret_readers=frozenset(profile.state_secret_readers))

    async def reload_pjsip() -> None:  # through the control socket: the AMI user has no system class
        await prepared.asterisk.cli("module reload res_pjsip.so")

    prepared.sip.reload = reload_pjsip
    max_upload = settings.attachment_max_mb * 1024 * 1024
    files = Attachments(sessions, settings.attachments_dir, max_upload)
    scans = Scans(sessions, files, on_new=lambda: scan_text.wake())
    scan_text = ScanText(scans, lease=leases)
    chats = ChatSender(sessions, settings.messaging, lease=leases)
    calendar = WorkCalendar(profile.calendar)  # web chats while the line is open; first-reply times
    conversations = Conversations(sessions, store, files, settings.email.sender,
                                  lookup_url=lambda secret: public_link(settings.public_base, secret),
                                  on_mail=email.wake, bus=bus, on_chat=chats.wake, policy=profile.conversations,
                                  free_operators=lambda: [a.id for a in cti.model.agents.values()
                                                          if a.state == "available"], calendar=calendar,
                                  platform_files=PlatformFiles(settings.messaging.file_hosts, max_upload)
                                  if settings.messaging.zalo or settings.messaging.facebook else None,
                                  on_files=lambda: platform_files.wake(),
                                  channels=channel_registry(settings.messaging, settings.email.sender, bus=bus,
                                                            on_mail=email.wake, on_chat=chats.wake, on_sms=sms.wake,
                                                            platform_action=chats.sender.action))
    handling.notices.in_thread = conversations.notices.tell  # a written citizen is told in the thread
    reply_deadlines = Periodic("conversation deadlines", conversations.scan, settings.deadline_scan_seconds,
                               lease=leases)
    platform_files = Periodic("platform files", conversations.fetch_platform_files, 30, lease=leases)
    mailbox = MailboxReader(settings.email.imap, conversations, lease=leases) if settings.email.imap else None
    agents = AgentApi(accounts, cti, profile)
    session = SessionApi(accounts, hub, prepared.sip, agents, settings.ws_url, sec, settings.secure_cookies)
    pages = PublicPages(PublicDesk(sessions, handling, settings.attachments_dir, max_upload), sec, kb, applications,
                        settings.maps)
    loop_lag = LoopLag(period=settings.loop_lag_period_ms / 1000)
    apis = [session, agents, MetaApi(accounts, profile),
            TicketsApi(accounts, store, handling, files, kb, scans),
            KnowledgeApi(accounts, kb, live),
            TransferApi(accounts, transfers, store),
            CallbacksApi(accounts, callbacks, outbound, store),
            ConversationsApi(accounts, conversations, {o.id for o in profile.queues.phones()},
                             frozenset(profile.state_secret_readers), PersonalDataAudit(sessions)),
            AgenciesApi(accounts, directory, list(settings.routes), profile),
            AgencyApi(accounts, AgencyInbox(sessions, handling, files), directory, letters),
            OfficeApi(accounts, OfficeDesk(handling, letters)),
            ReviewsApi(accounts, AnswerReviews(sessions, profile, on_sms=sms.wake)),
            SupervisorApi(accounts, cti, set(prepared.sip.phones), handling),
            AlertsApi(accounts, sessions),
            ReportsApi(accounts, sessions, profile, call_log, statutory),
            PrivacyApi(accounts, PersonalDataAudit(sessions),
                       DataRequests(sessions, eraser, profile.name, profile.calendar.timezone,
                                    privacy_key(settings.secrets_file.with_name("privacy-key")))),
            RecordingsApi(accounts, RecordingLibrary(sessions, settings.recordings_dir, profile.calendar.timezone)),
            ScorecardsApi(accounts, Scorecards(sessions, profile, hmac.new(
                privacy_key(settings.secrets_file.with_name("privacy-key")), b"scorecard sample", "sha256").digest()),
                          RecordingLibrary(sessions, settings.recordings_dir, profile.calendar.timezone)),
            UsersApi(accounts, prepared.sip.phones),
            SystemApi(accounts, loop_lag),
            pages,
            PublishedMap(pages),
            TicketsMapApi(accounts, handling, settings.maps),
            WebChat(pages, conversations, bus, lambda now: calendar.is_open(now) and any(
                a.state == "available" for a in cti.model.agents.values())),
            Webhooks(conversations.channels, conversations),
            Open311(pages.desk, AppKeys(sessions), sec)]
    largest = MAX_FILES * max_upload + 1024 * 1024
    async def drain() -> None:  # `hotline drain`: no new calls here, the shared jobs to another node
        await refuse_new_calls(prepared.asterisk)
        await leases.stop()
        await stop_after_last_call(prepared.asterisk)  # then the node stops (_supervise)

    serving = ServingNode(sessions, leases.holder, settings.node_priority, hub.drop_all,
                          on_drain=drain) if settings.sip_edge else None
    desktop = DesktopServer(accounts, hub, apis, max_request_bytes=largest, tiles_origin=settings.maps.origin,
                            middlewares=[*([standby_refusal(lambda: serving.serving)] if serving else []),
                                         body_limits(sec.public_body_kb * 1024, {"/phan-anh": largest, **OPEN311_UPLOADS(largest),
                                                                                **WEBHOOK_BODY_LIMITS})])
    accounts.revoke_hooks.append(session.end_access)
    desktop.app[TRUST_KEY] = ProxyTrust.of(sec.trusted_proxies, sec.client_ip_header)
    return Hotline(settings, prepared, hasher, accounts, ivr, cti, hub, sms, handling, transfers, catalogue,
                   call_log, email, weekly, statutory, retention, transcriber, live, desktop, outbound, callbacks,
                   holds, surveys, applications, kb, leases,
                   MemberSync(cti, accounts.agent_logins, {o.id for o in profile.queues.phones()})
                   if settings.sip_edge else None, serving, mailbox, chats, reply_deadlines, platform_files,
                   scan_text, loop_lag)


async def run(settings: Settings, demo: bool = False, with_ivr: bool = True) -> int:
    """Run the hotline until SIGINT/SIGTERM: FastAGI IVR server, the managed Asterisk, the CTI
    bridge, the background jobs and the operator desktop. The exit status: 0, or DRAINED_EXIT
    when it stopped after `hotline drain`."""
    stop = stop_signal()
    if demo and "live" not in settings.transcription.model_fields_set:
        settings.transcription.live = True  # the demo shows live captions unless its settings say no
    async with Parts() as parts:
        prepared = await prepare(settings, deployment=not demo)
        await parts.start("database", lambda: None, prepared.close)
        h = build(settings, prepared, with_ivr)
        await parts.start("password hasher", lambda: None, h.hasher.close)
        await parts.start("document signing", lambda: None, h.handling.documents.signers.close)
        await parts.start("application statuses", lambda: None, h.applications.close)
        if demo:
            directory = AgencyDirectory(sessionmaker(prepared.engine))
            await seed_demo(prepared.store, directory, prepared.profile.queues.topic_names())
            await seed_knowledge(h.kb, TableSource(sessionmaker(prepared.engine)))
            known = await demo_accounts(settings, h.accounts, prepared.profile, directory)
            # On the terminal only: passwords never go to the log.
            print("Demo accounts (also in " + str(settings.home / "demo-accounts.toml") + "):\n" +
                  "".join(f"  {user} / {password}\n" for user, password in known.items()), flush=True)
        await h.transfers.recover()
        if h.ivr:
            await parts.start("IVR", h.ivr.start, h.ivr.stop)
        await parts.start("Asterisk", prepared.asterisk.start, prepared.asterisk.stop)
        if h.ivr and h.ivr.tap:  # stopped before Asterisk, so its connection does not end under it
            await parts.start("IVR key tap", h.ivr.tap.start, h.ivr.tap.close)
        _raise_priority(settings.control_nice)
        await parts.start("CTI", h.cti.start, h.cti.close)
        await asyncio.wait_for(h.cti.connected.wait(), 15)
        if h.ivr:
            await h.ivr.keys_heard()
        # Stopped after the jobs: a clean stop lets go of their leases for another node at once.
        await parts.start("job leases", h.leases.start, h.leases.stop)
        if h.members is not None:
            await parts.start("queue members", h.members.start, h.members.stop)
        if h.serving is not None:
            await parts.start("node heartbeat", h.serving.start, h.serving.stop)
        for name, part in (("loop lag", h.loop_lag), ("hub", h.hub), ("SMS outbox", h.sms),
                           ("deadline scan", h.handling.deadlines),  # its first scan applies deadlines passed while down
                           ("callback deadlines", h.callbacks), ("virtual hold", h.holds),
                           ("survey calls", h.surveys),
                           ("recordings catalogue", h.catalogue),  # its first scan reconciles
                           ("call log", h.call_log), ("e-mail outbox", h.email), ("weekly reports", h.weekly),
                           ("statutory reports", h.statutory), ("retention", h.retention),
                           *((("mailbox", h.mailbox),) if h.mailbox else ()), ("chat outbox", h.chats),
                           ("conversation deadlines", h.reply_deadlines), ("platform files", h.platform_files),
                           ("scan text", h.scan_text),
                           ("transcriber", h.transcriber), ("live captions", h.live)):
            await parts.start(name, part.start, part.stop)
        runner = web.AppRunner(h.desktop.app, access_log=None)
        await parts.start("web server", runner.setup, runner.cleanup)
        await web.TCPSite(runner, settings.web_bind, settings.ports.web).start()
        # What the start built lives as long as the process: full collections leave it out (a
        # collection walking it paused every request for ~100 ms on a 2-core machine).
        gc.collect()
        gc.freeze()
        ready_file = settings.home / "ready"
        await parts.start("ready file", lambda: ready_file.write_text(str(os.getpid())),
                          lambda: ready_file.unlink(missing_ok=True))
        p = settings.ports
        log.info("hotline ready: profile %s, numbers %s, SIP trunk udp/%s:%d, AMI 127.0.0.1:%d, FastAGI %d; "
                 "desktop http://%s:%d/", prepared.profile.id, ", ".join(prepared.profile.numbers.dialled_forms()),
                 settings.sip_bind, p.sip, p.ami, p.agi, settings.web_bind, p.web)
        await _supervise(prepared.asterisk, stop, draining=lambda: h.serving is not None and h.serving.draining)
        if h.serving is not None and h.serving.draining and not stop.is_set():
            return DRAINED_EXIT
    return 0


async def run_ivr_only(settings: Settings) -> None:
    """The FastAGI server alone (for an Asterisk managed elsewhere)."""
    stop = stop_signal()
    async with Parts() as parts:
        profile = load_checked_profile(settings)
        engine = make_engine(settings.db_url)
        await parts.start("database", lambda: migrate(engine), engine.dispose)
        creds = load_or_create(settings.secrets_file)
        sessions = sessionmaker(engine)
        outbound = OutboundCalls.of(settings, sessions, profile)
        applications = source_of(settings.applications, sessions)
        await parts.start("application statuses", lambda: None, applications.close)
        ivr = IvrServer(settings, profile, TicketStore(sessions), Callbacks(sessions, profile, outbound).add,
                        (creds.ami_user, creds.ami_secret), applications=applications)
        ivr.add_route("outbound", OutboundAgi(outbound, settings.prompts_dir).handle)
        await parts.start("IVR", ivr.start, ivr.stop)
        await parts.start("IVR key tap", ivr.tap.start, ivr.tap.close)
        await stop.wait()

"""The `hotline` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from hotline.errors import ConfigError
from hotline.settings import load_settings


def _setup_logging(settings, verbose: bool) -> None:
    """Masked, rotated logs: `hotline.security.logs`; the days kept are the profile's
    `retention.logs_days` (the default when the profile does not load: its error comes later)."""
    from hotline.config.privacy import RetentionPolicy
    from hotline.config.profile import load_profile
    from hotline.security.logs import configure

    try:
        days = load_profile(settings.config_dir, settings.profile).retention.logs_days
    except Exception:  # reported by the command itself, with the file and field
        days = RetentionPolicy().logs_days
    configure(settings.home / "log" / "hotline.log", days, verbose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotline", description="1022 public-service hotline")
    parser.add_argument("--home", type=Path, help="state folder (default: $HOTLINE_HOME or ./var)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="set up what changed, then run Asterisk and the IVR until stopped")
    p.add_argument("--demo", action="store_true", help="seed demo tickets")
    p.add_argument("--no-ivr", action="store_true", help="do not start the FastAGI server")
    p = sub.add_parser("setup", help="validate config, make secrets, database, prompts, Asterisk config")
    p.add_argument("--demo", action="store_true", help="seed demo tickets")
    sub.add_parser("check-config", help="validate the profile, menu, queues and prompts files")
    sub.add_parser("ivr", help="run the FastAGI IVR server alone")
    sub.add_parser("health", help="exit 0 when the running hotline is ready, its desktop answers and Asterisk too")
    p = sub.add_parser("drain", help="the running node takes no new calls (the SIP edge sends them to another "
                                     "node), then stops once its calls have ended")
    p.add_argument("--wait", type=float, default=3600, metavar="SECONDS",
                   help="how long to wait for the calls to end (default 3600); past it, exit 1 naming them")
    p = sub.add_parser("cli", help="run an Asterisk CLI command on the managed instance")
    p.add_argument("words", nargs="+")
    p = sub.add_parser("agency-phone", help="play agency phones on the `local` route (SIPp), to try transfers")
    p.add_argument("--mode", choices=["answer", "busy", "noanswer"], default="answer")
    p.add_argument("--ring", type=float, default=2, help="seconds of ringing before answering")
    p = sub.add_parser("model", help="install a Vosk speech model (checksum verified)")
    msub = p.add_subparsers(dest="model_command", required=True)
    m = msub.add_parser("install", help="from an http(s) URL or a local zip/tar archive")
    m.add_argument("source")
    m.add_argument("--sha256", required=True, help="the archive's published SHA-256")
    from hotline import accounts_cli

    accounts_cli.add_parser(sub)
    p = sub.add_parser("applications", help="application statuses from the one-stop system's exports")
    asub = p.add_subparsers(dest="applications_command", required=True)
    a = asub.add_parser("import", help="load a CSV or XLSX export (a newer export replaces its applications)")
    a.add_argument("file")
    a = asub.add_parser("show", help="look up one application as the IVR and the public page do")
    a.add_argument("code")
    p = sub.add_parser("backup", help="write the database and the files (recordings, attachments, reports) to a tar file")
    p.add_argument("file", type=Path)
    p = sub.add_parser("restore", help="restore a backup into a fresh home (empty database, no files)")
    p.add_argument("file", type=Path)
    p = sub.add_parser("open311-key", help="the keys of the apps that report through Open311 (one per app)")
    osub = p.add_subparsers(dest="key_command", required=True)
    o = osub.add_parser("add", help="make a key for an app (shown once)")
    o.add_argument("name")
    o = osub.add_parser("revoke", help="refuse an app's key from now on")
    o.add_argument("name")
    osub.add_parser("list", help="the apps, when each key was made, last used, revoked")
    p = sub.add_parser("ticket", help="minimal ticket tools (look-up, add)")
    tsub = p.add_subparsers(dest="ticket_command", required=True)
    t = tsub.add_parser("show")
    t.add_argument("code")
    t = tsub.add_parser("add")
    t.add_argument("--status", default="received")
    t.add_argument("--code")
    t.add_argument("--phone")
    t.add_argument("--topic")
    t.add_argument("--content")
    args = parser.parse_args(argv)
    # Everything the hotline writes under its home (database, recordings, attachments, logs,
    # secrets, Asterisk's files) is for this account only: folders 0700, files 0600.
    os.umask(0o077)

    try:
        settings = load_settings(args.home)
        _setup_logging(settings, args.verbose)
        return asyncio.run(_dispatch(args, settings)) or 0
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args, settings) -> int:
    from hotline import app

    if args.command == "run":
        return await app.run(settings, demo=args.demo, with_ivr=not args.no_ivr)
    elif args.command == "setup":
        prepared = await app.prepare(settings, deployment=not args.demo)
        if args.demo:
            from hotline.agencies.directory import AgencyDirectory
            from hotline.demo import seed_demo
            from hotline.store.db import sessionmaker

            await seed_demo(prepared.store, AgencyDirectory(sessionmaker(prepared.engine)),
                            prepared.profile.queues.topic_names())
        await prepared.close()
        print(f"ready to run: {settings.home}")
    elif args.command == "check-config":
        profile = app.load_checked_profile(settings)
        print(f"profile {profile.id} ({profile.name}): OK; numbers {', '.join(profile.numbers.dialled_forms())}")
        if not settings.demo:
            for problem in app.deployment_problems(settings.config_dir, profile):
                print(f"not ready outside demo mode: {problem}", file=sys.stderr)
    elif args.command == "health":
        return await _health(settings)
    elif args.command == "ivr":
        await app.run_ivr_only(settings)
    elif args.command == "drain":
        return await _drain(settings, args.wait)
    elif args.command == "cli":
        from hotline.asterisk.process import AsteriskError, ManagedAsterisk

        ast = ManagedAsterisk.of(settings)
        try:
            print(await ast.cli(" ".join(args.words)), end="")
        except AsteriskError as exc:
            print(f"{exc}\n(is the hotline running with --home {settings.home}?)", file=sys.stderr)
            return 1
    elif args.command in ("backup", "restore"):
        from hotline.backups.archive import run_command

        return await asyncio.to_thread(run_command, settings, args.command, args.file)
    elif args.command == "ticket":
        return await _ticket(args, settings)
    elif args.command == "applications":
        return await _applications(args, settings)
    elif args.command == "open311-key":
        return await _open311_key(args, settings)
    elif args.command == "user":
        from hotline import accounts_cli

        return await accounts_cli.run(args, settings)
    elif args.command == "model":
        from hotline.recordings.models_install import ModelError, install_model

        try:
            path = await asyncio.to_thread(install_model, args.source, args.sha256, settings.home / "models")
        except (ModelError, OSError) as exc:
            print(f"model not installed: {exc}", file=sys.stderr)
            return 1
        print(f"installed {path}\nset in {settings.home / 'hotline.toml'}:\n[transcription]\nengine = \"vosk\"\n"
              f"model = \"{path}\"")
    elif args.command == "agency-phone":
        from hotline.testing.agency_phone import AgencyPhone

        host, _, port = settings.routes["local"].host.partition(":")
        print(f"agency phones answering at {host}:{port} ({args.mode}); Ctrl-C to stop")
        phone = await AgencyPhone(int(port or 5060), args.mode, ring_ms=int(args.ring * 1000), calls=0).start()
        try:
            await phone.proc.wait()
        finally:
            await phone.stop()
    return 0


async def _health(settings) -> int:
    """The container health check: the application is up (its ready file names a live process),
    its desktop answers over HTTP and its Asterisk answers on the CLI."""
    import urllib.error
    import urllib.request

    from hotline.asterisk.process import AsteriskError, ManagedAsterisk

    try:
        os.kill(int((settings.home / "ready").read_text()), 0)
    except (OSError, ValueError):
        print("not ready: the application is not running, or still starting", file=sys.stderr)
        return 1
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.web_bind, settings.web_bind)
    url = f"http://{f'[{host}]' if ':' in host else host}:{settings.ports.web}/healthz"
    try:
        await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).close())
    except (OSError, urllib.error.URLError) as exc:
        print(f"the desktop does not answer at {url}: {exc}", file=sys.stderr)
        return 1
    ast = ManagedAsterisk.of(settings)
    try:
        await ast.cli("core show uptime", timeout=5)
    except AsteriskError as exc:
        print(f"Asterisk does not answer: {exc}", file=sys.stderr)
        return 1
    print("ok")
    return 0


async def _drain(settings, wait: float) -> int:
    """Mark the running node draining in the database, then wait for it to stop (hotline.nodes.draining)."""
    from hotline.credentials import load_or_create
    from hotline.nodes.draining import LIMIT, ami_channels, channels_said, mark_draining, running_pid, wait_drained
    from hotline.store.db import make_engine, sessionmaker

    pid = running_pid(settings.home)
    if pid is None:
        print(f"no hotline is running with --home {settings.home}", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        marked = await mark_draining(sessionmaker(engine), pid)
    finally:
        await engine.dispose()
    if not marked:
        print(f"the hotline (pid {pid}) has no heartbeat in the database: drain is for nodes behind the SIP "
              "edge (sip_edge in hotline.toml)", file=sys.stderr)
        return 1
    print(f"node (pid {pid}) draining: no new calls; waiting up to {wait:g} s for its calls to end", flush=True)
    creds = load_or_create(settings.secrets_file)
    result = await wait_drained(pid, wait, lambda: ami_channels(settings.ports.ami, creds.ami_user, creds.ami_secret),
                                lambda line: print(line, flush=True))
    if result.status == LIMIT:
        print(f"still running after {wait:g} s: {channels_said(result.channels)}; the node is still draining "
              "(it stops after its last call, or stop it yourself)", file=sys.stderr)
        return 1
    print("node stopped")
    return 0


async def _applications(args, settings) -> int:
    from pathlib import Path

    from hotline.applications.sources import source_of
    from hotline.applications.status import Unavailable
    from hotline.applications.table_source import TableSource
    from hotline.spreadsheets import UnreadableFile
    from hotline.store.db import migrated, sessionmaker

    async with migrated(settings.db_url) as engine:
        if args.applications_command == "import":
            path = Path(args.file)
            try:
                report = await TableSource(sessionmaker(engine)).import_rows(path.read_bytes(), path.name)
            except (OSError, UnreadableFile) as exc:
                print(f"not imported: {exc}", file=sys.stderr)
                return 1
            for error in report.errors:
                print(f"{path.name}: {error}", file=sys.stderr)
            print(f"{len(report.added)} applications imported, {len(report.errors)} rows refused")
            return 1 if report.errors and not report.added else 0
        source = source_of(settings.applications, sessionmaker(engine))
        try:
            app = await source.find(args.code)
        except Unavailable as exc:
            print(f"unavailable: {exc}", file=sys.stderr)
            return 1
        finally:
            await source.close()
        if app is None:
            print(f"no application {args.code}", file=sys.stderr)
            return 1
        print(f"{app.code}: {app.status} ({app.status_name}); due {app.due_on or '-'}; {app.procedure}; {app.agency}")
    return 0


async def _open311_key(args, settings) -> int:
    from hotline.errors import Refused
    from hotline.open311.keys import AppKeys
    from hotline.store.db import migrated, sessionmaker

    async with migrated(settings.db_url) as engine:
        keys = AppKeys(sessionmaker(engine))
        if args.key_command == "add":
            try:
                key = await keys.add(args.name)
            except Refused as exc:
                print(str(exc), file=sys.stderr)
                return 1
            print(f"api_key for {args.name} (shown once; give it to the app, over a safe channel):\n{key}")
        elif args.key_command == "revoke":
            if not await keys.revoke(args.name):
                print(f"no active key for {args.name}", file=sys.stderr)
                return 1
            print(f"revoked: {args.name}")
        else:
            for k in await keys.listing():
                print(f"{k['name']}\tmade {k['created_at']:%Y-%m-%d}\tlast used {k['last_used_at'] or '-'}"
                      f"\t{'revoked ' + str(k['revoked_at']) if k['revoked_at'] else 'active'}")
    return 0


async def _ticket(args, settings) -> int:
    from hotline.ticketing.codes import is_valid_code
    from hotline.store.db import migrated, sessionmaker
    from hotline.config.statuses import STATUSES
    from hotline.ticketing.store import TicketStore

    async with migrated(settings.db_url) as engine:
        store = TicketStore(sessionmaker(engine))
        if args.ticket_command == "show":
            status = await store.status_by_code(args.code)
            if status is None:
                print(f"no ticket {args.code}", file=sys.stderr)
                return 1
            print(f"{args.code}: {status}")
        else:
            if args.status not in STATUSES:
                print(f"status must be one of {', '.join(STATUSES)}", file=sys.stderr)
                return 2
            if args.code and not is_valid_code(args.code):
                print(f"{args.code}: not a valid ticket code (8 digits, last one a Luhn check)", file=sys.stderr)
                return 2
            t = await store.create_ticket(code=args.code, status=args.status, caller_phone=args.phone,
                                          topic=args.topic, content=args.content)
            print(t.code)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `hotline-edge` command: render Kamailio's configuration for the SIP edge, check it, run it.

    hotline-edge render --settings edge.toml --out DIR   # kamailio.cfg + dispatcher.list, checked
    hotline-edge run --settings edge.toml --dir DIR      # render, check, then become Kamailio
    hotline-edge health --settings edge.toml             # exit 0 when the edge answers OPTIONS
    hotline-edge db-role --database-url URL --password-file F  # the edge's own PostgreSQL role
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from hotline.credentials import secret
from hotline.edge import db_role, probe, process
from hotline.edge.render import render
from hotline.edge.settings import load_edge_settings
from hotline.errors import ConfigError
from hotline.settings import with_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotline-edge", description="the SIP edge (Kamailio) in front of hotline nodes")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, folder, text in (("render", "--out", "write and check Kamailio's configuration"),
                               ("run", "--dir", "render, check, then run Kamailio in the foreground")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--settings", type=Path, help="the edge's TOML file (default: $HOTLINE_EDGE_SETTINGS_FILE or ./edge.toml)")
        p.add_argument(folder, dest="folder", type=Path, default=Path("edge"), help="where the configuration goes")
    p = sub.add_parser("health", help="exit 0 when the running edge answers a SIP OPTIONS")
    p.add_argument("--settings", type=Path)
    p = sub.add_parser("db-role", help="create or update the edge's PostgreSQL role and its grants")
    p.add_argument("--database-url", help="the hotline's database URL (default: $HOTLINE_DATABASE_URL[_FILE], "
                   "with $HOTLINE_DATABASE_PASSWORD[_FILE])")
    p.add_argument("--role", default=db_role.DEFAULT_ROLE)
    p.add_argument("--password-file", type=Path, help="the role's password (needed to create it)")
    p.add_argument("--if-exists", action="store_true",
                   help="only grant, and only when the role exists on a PostgreSQL database (else do nothing)")
    args = parser.parse_args(argv)
    if args.command == "db-role":
        return _db_role(args)
    try:
        settings, source = load_edge_settings(args.settings)
        if args.command == "health":
            status = probe.options_status(settings)
            print(f"edge at {settings.listen}: {status or 'no answer'}")
            return 0 if status == 200 else 1
        config = render(settings, args.folder, source)
        process.check(config)
        if args.command == "render":
            print(f"{config}: OK ({len(settings.nodes)} nodes)")
            return 0
        cmd = process.command(config, args.folder / "run")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    os.execv(cmd[0], cmd)
    return 0  # not reached


def _db_role(args) -> int:
    try:
        url = args.database_url or secret("HOTLINE_DATABASE_URL")
        if not url:
            raise ConfigError("give --database-url (or HOTLINE_DATABASE_URL[_FILE])")
        if secret("HOTLINE_DATABASE_PASSWORD"):  # the hotline's password kept apart from its URL
            url = with_password(url, secret("HOTLINE_DATABASE_PASSWORD"))
        password = args.password_file.read_text(encoding="utf-8").strip() if args.password_file else None
        created = asyncio.run(db_role.ensure_role(url, args.role, password, args.if_exists))
        if created is None:
            print(f"role {args.role}: none here; nothing to grant")
            return 0
    except OSError as exc:
        print(f"cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"db-role: {exc}", file=sys.stderr)
        return 2
    print(f"role {args.role} {'created' if created else 'updated'}; it may read and write only: "
          "sip_passwords (phone, ha1), sip_locations, edge_table_versions")
    return 0


if __name__ == "__main__":
    sys.exit(main())

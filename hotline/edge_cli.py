"""The `hotline-edge` command: render Kamailio's configuration for the SIP edge, check it, run it.

    hotline-edge render --settings edge.toml --out DIR   # kamailio.cfg + dispatcher.list, checked
    hotline-edge run --settings edge.toml --dir DIR      # render, check, then become Kamailio
    hotline-edge health --settings edge.toml             # exit 0 when the edge answers OPTIONS
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hotline.edge import probe, process
from hotline.edge.render import render
from hotline.edge.settings import load_edge_settings
from hotline.errors import ConfigError


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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())

"""Running Kamailio on a rendered configuration: `check` asks Kamailio to parse it, `command` is
the foreground command line (logs on standard error, no daemon: a supervisor or container runs it)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from hotline.errors import ConfigError


def kamailio_binary() -> str:
    found = shutil.which("kamailio") or ("/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None)
    if not found:
        raise ConfigError("kamailio is not installed (Debian package kamailio; scripts/setup.sh installs it)")
    return found


def check(config: Path) -> None:
    res = subprocess.run([kamailio_binary(), "-c", "-f", str(config)], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise ConfigError(f"{config}: Kamailio refuses the configuration:\n{res.stderr[-3000:]}")


def command(config: Path, run_dir: Path) -> list[str]:
    run_dir.mkdir(parents=True, exist_ok=True)
    args = [kamailio_binary(), "-DD", "-E", "-f", str(config), "-Y", str(run_dir),
            "-P", str(run_dir / "kamailio.pid")]
    if os.geteuid() == 0:  # never run the edge as root: Debian's package makes a `kamailio` user
        try:
            pwd.getpwnam("kamailio")
        except KeyError:
            raise ConfigError("refusing to run Kamailio as root: create a `kamailio` user or run as another user")
        shutil.chown(run_dir, "kamailio", "kamailio")
        args += ["-u", "kamailio", "-g", "kamailio"]
    return args

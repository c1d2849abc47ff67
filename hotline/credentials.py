"""Secrets generated once per installation and kept in `<home>/secrets.toml` (mode 0600).

Nothing secret is in the repository: the AMI password is made here on first set-up (the
softphones' SIP passwords are issued per desktop session: `hotline.asterisk.sip_auth`). The
environment variable HOTLINE_AMI_SECRET overrides the stored AMI secret (for deployments that keep
secrets in a vault).

Every secret the hotline reads from the environment (HOTLINE_AMI_SECRET, and the variables the
settings name: `password_env`, `token_env`, `*_secret_env`, ...) may instead come from a file
named by the same variable with `_FILE` appended (a Docker or systemd secret): `secret(name)`."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hotline.errors import ConfigError


@dataclass
class Credentials:
    ami_user: str
    ami_secret: str


def write_private(path: Path, text: str) -> None:
    """Write a file only this account may read (0600), whole or not at all (through a temporary
    file), whatever the process's umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def secret(name: str | None) -> str:
    """The value of the environment variable `name`, else the content of the file named by
    `name`_FILE (its final newline dropped); "" when neither is set."""
    if not name:
        return ""
    value = os.environ.get(name)
    if value:
        return value
    source = os.environ.get(name + "_FILE")
    if not source:
        return ""
    try:
        return Path(source).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"{name}_FILE: cannot read {source}: {exc.strerror}") from exc


def _token() -> str:
    return secrets.token_urlsafe(24)


def load_or_create(path: Path) -> Credentials:
    data: dict = {}
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    changed = not path.exists()
    ami = data.setdefault("ami", {})
    if not ami.get("secret"):
        ami["user"], ami["secret"] = "hotline", _token()
        changed = True
    if "sip" in data:  # SIP passwords of earlier versions: now issued per session, never stored here
        del data["sip"]
        changed = True
    if changed:
        write_private(path, "\n".join(["# Generated at set-up; keep private.", "[ami]", f'user = "{ami["user"]}"',
                                       f'secret = "{ami["secret"]}"']) + "\n")
    return Credentials(
        ami_user=ami["user"],
        ami_secret=secret("HOTLINE_AMI_SECRET") or ami["secret"],
    )

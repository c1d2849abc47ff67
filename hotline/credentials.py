"""Secrets generated once per installation and kept in `<home>/secrets.toml` (mode 0600).

Nothing secret is in the repository: the AMI password is made here on first set-up (the
softphones' SIP passwords are issued per desktop session: `hotline.asterisk.sip_auth`). Environment variables HOTLINE_AMI_SECRET overrides the stored AMI secret
(for deployments that keep secrets in a vault)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path


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
        ami_secret=os.environ.get("HOTLINE_AMI_SECRET", ami["secret"]),
    )

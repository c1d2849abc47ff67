"""Secrets generated once per installation and kept in `<home>/secrets.toml` (mode 0600).

Nothing secret is in the repository: the AMI password and the operators' SIP passwords are made
here on first set-up. Environment variables HOTLINE_AMI_SECRET overrides the stored AMI secret
(for deployments that keep secrets in a vault)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Credentials:
    ami_user: str
    ami_secret: str
    sip_passwords: dict[str, str] = field(default_factory=dict)


def _token() -> str:
    return secrets.token_urlsafe(24)


def load_or_create(path: Path, operator_ids: list[str]) -> Credentials:
    data: dict = {}
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    changed = not path.exists()
    ami = data.setdefault("ami", {})
    if not ami.get("secret"):
        ami["user"], ami["secret"] = "hotline", _token()
        changed = True
    sip = data.setdefault("sip", {})
    for op in operator_ids:
        if not sip.get(op):
            sip[op] = _token()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["# Generated at set-up; keep private.", "[ami]", f'user = "{ami["user"]}"',
                 f'secret = "{ami["secret"]}"', "", "[sip]"]
        lines += [f'{k} = "{v}"' for k, v in sorted(sip.items())]
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    return Credentials(
        ami_user=ami["user"],
        ami_secret=os.environ.get("HOTLINE_AMI_SECRET", ami["secret"]),
        sip_passwords=dict(sip),
    )

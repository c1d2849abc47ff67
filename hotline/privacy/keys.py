"""The installation's secret for keyed hashes of citizens' identifiers (`data_requests`): made once
at first start like the other per-installation secrets (`hotline.credentials`), kept in
`<home>/privacy-key` (mode 0600), or given by the environment (`HOTLINE_PRIVACY_KEY`, or a file
named by `HOTLINE_PRIVACY_KEY_FILE`) for deployments that keep secrets in a vault. Backups do not
hold it (secrets stay with the deployment): losing it only loses the link between past requests
and new searches, nothing else."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

from hotline.credentials import write_private
from hotline.errors import ConfigError
from hotline.phones import national

MIN_LENGTH = 32


def load_or_create_key(path: Path) -> bytes:
    value = os.environ.get("HOTLINE_PRIVACY_KEY")
    source = "HOTLINE_PRIVACY_KEY"
    if not value and os.environ.get("HOTLINE_PRIVACY_KEY_FILE"):
        source = os.environ["HOTLINE_PRIVACY_KEY_FILE"]
        try:
            value = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read the privacy key ({exc.strerror})") from exc
    if not value:
        source = str(path)
        if not path.exists():
            write_private(path, secrets.token_urlsafe(48) + "\n")
        value = path.read_text(encoding="utf-8")
    value = value.strip()
    if len(value) < MIN_LENGTH:
        raise ConfigError(f"{source}: the privacy key must be at least {MIN_LENGTH} characters")
    return value.encode()


class IdentifierHasher:
    """HMAC-SHA256 of an identifier in its one written form: a phone in national digits, an e-mail
    address in lower case, a platform id as given; each kind hashed apart."""

    def __init__(self, key: bytes):
        self.key = key

    def _mac(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def phone(self, number: str | None) -> str | None:
        return self._mac("phone", national(number) if number else None)

    def email(self, address: str | None) -> str | None:
        return self._mac("email", unicodedata.normalize("NFC", address or "").strip().lower() or None)

    def platform(self, user_id: str | None) -> str | None:
        return self._mac("platform", (user_id or "").strip() or None)

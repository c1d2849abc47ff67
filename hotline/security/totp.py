"""Time-based one-time codes (RFC 6238, with pyotp) for staff sign-in: the secret kept encrypted
under a key of this installation (AES-GCM), the enrolment QR code drawn here as SVG (no outside
service sees the secret), one-use recovery codes, and a code accepted at most once."""

from __future__ import annotations

import base64
import binascii
import io
import os
import secrets
import time
from pathlib import Path

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline.errors import ConfigError

ISSUER = "Tổng đài 1022"
STEP = 30  # seconds per code
DRIFT = 1  # steps accepted either side of now (a phone's clock a little off)
RECOVERY_CODES = 10
KEY_ENV = "HOTLINE_TWO_FACTOR_KEY"  # base64 of 32 bytes, instead of the key file


def load_or_create_key(path: Path) -> bytes:
    """The installation's key for TOTP secrets: from `HOTLINE_TWO_FACTOR_KEY` or
    `HOTLINE_TWO_FACTOR_KEY_FILE`, else `path` (made on first start, mode 0600). Every node of a
    cluster needs the same key, like `secrets.toml`; losing it means every user enrols again."""
    text = os.environ.get(KEY_ENV)
    where = KEY_ENV
    if text is None and os.environ.get(KEY_ENV + "_FILE"):
        where = os.environ[KEY_ENV + "_FILE"]
        try:
            text = Path(where).read_text(encoding="ascii")
        except (OSError, UnicodeError) as exc:
            raise ConfigError(f"{where} ({KEY_ENV}_FILE): cannot read the two-factor key: {exc}") from None
    if text is None:
        where = str(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode() + "\n")
        try:
            text = path.read_text(encoding="ascii")
        except UnicodeError:
            text = ""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise ConfigError(f"{where}: the two-factor key must be 32 bytes in base64")
    return key


class Totp:
    def __init__(self, key: bytes, clock=time.time):
        self._aead = AESGCM(key)
        self.clock = clock

    @staticmethod
    def new_secret() -> str:
        return pyotp.random_base32()

    def seal(self, secret: str, user_id: int) -> str:
        """The secret encrypted for the database, bound to its user (a row copied to another
        user does not decrypt)."""
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, secret.encode(), str(user_id).encode())).decode()

    def open(self, sealed: str, user_id: int) -> str | None:
        try:
            raw = base64.b64decode(sealed)
            return self._aead.decrypt(raw[:12], raw[12:], str(user_id).encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            return None

    def matching_step(self, secret: str, code: str, after_step: int) -> int | None:
        """The time step whose code `code` is (now, or `DRIFT` steps either side), if later than
        `after_step` (a code already used is refused), else None."""
        code = "".join(code.split())
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret, interval=STEP)
        now = int(self.clock() // STEP)
        for step in range(now - DRIFT, now + DRIFT + 1):
            if step > after_step and secrets.compare_digest(totp.at(step * STEP), code):
                return step
        return None

    def code_at(self, secret: str, when: float | None = None) -> str:
        return pyotp.TOTP(secret, interval=STEP).at(self.clock() if when is None else when)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an SVG document (drawn here: the secret goes to no other site)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """Codes to write down: 10 letters and digits in two groups (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["".join(secrets.choice(alphabet) for _ in range(5)) + "-" +
            "".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(n)]


def normal_recovery_code(text: str) -> str:
    return "".join(text.split()).lower().replace("-", "")

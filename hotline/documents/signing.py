"""Signing the documents' PDFs with the issuer's certificate (PAdES, pyHanko): the hotline's,
the provincial office's, or an agency's, as the settings' `[signing]` names them (a PKCS#12 file
with its passphrase, or a key on a PKCS#11 token with its PIN, both from the environment).

Every configured signer is opened at start (`load_signers`): a wrong passphrase or PIN, a file
that is not PKCS#12, a token or key that is not there stops the start with the settings file and
the field named. A signature is PAdES B-B, or B-T with the time-stamp authority `tsa_url`; the
signing runs in a thread (a token's calls block), one at a time per signer."""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.config.pkcs11 import TokenCriteria

from hotline.credentials import secret
from hotline.errors import ConfigError, Refused
from hotline.settings import Pkcs11Token, Signer as SignerConfig, Signing

HOTLINE = "hotline"
OFFICE = "office"
FIELD = "ChuKySo"  # the signature field's name in the PDF


@dataclass(frozen=True)
class Issuer:
    """Who issues a document: the hotline, the provincial office, or an agency (by its name)."""

    kind: str  # hotline | office | agency
    name: str = ""

    @classmethod
    def agency(cls, name: str) -> "Issuer":
        return cls("agency", name)

    def __str__(self) -> str:
        return {"hotline": "Tổng đài 1022", "office": "Văn phòng UBND tỉnh"}.get(self.kind, self.name)


@dataclass
class LoadedSigner:
    """An issuer's signer, ready: `make` gives a pyHanko signer (a token's opens a session)."""

    where: str  # where it is configured: signing.agencies.<name>
    subject: str  # the certificate's subject, as people read it
    serial: str  # its serial number, hexadecimal
    make: Callable[[], tuple[signers.Signer, Callable[[], None]]]  # (signer, close)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one signature at a time


def _certificate_facts(cert) -> tuple[str, str]:
    return cert.subject.human_friendly, format(cert.serial_number, "X")


def _pkcs12(config: SignerConfig, where: str, source: Path) -> LoadedSigner:
    passphrase = secret(config.passphrase_env) if config.passphrase_env else ""
    if config.passphrase_env and not passphrase:
        raise ConfigError(f"{source}: field '{where}.passphrase_env': the environment variable "
                          f"{config.passphrase_env} (or {config.passphrase_env}_FILE) is not set")
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(config.pkcs12.read_bytes(), (),
                                                       passphrase.encode() if passphrase else None)
    except OSError as exc:
        raise ConfigError(f"{source}: field '{where}.pkcs12': cannot read {config.pkcs12}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{source}: field '{where}.pkcs12': {config.pkcs12} is not a PKCS#12 file this "
                          f"passphrase opens ({where}.passphrase_env)") from exc
    if signer.signing_cert is None or signer.signing_key is None:
        raise ConfigError(f"{source}: field '{where}.pkcs12': {config.pkcs12} holds no key with its certificate")
    subject, serial = _certificate_facts(signer.signing_cert)
    return LoadedSigner(where, subject, serial, lambda: (signer, lambda: None))


def _pkcs11(token: Pkcs11Token, where: str, source: Path) -> LoadedSigner:
    pin = secret(token.pin_env)
    if not pin:
        raise ConfigError(f"{source}: field '{where}.pkcs11.pin_env': the environment variable {token.pin_env} "
                          f"(or {token.pin_env}_FILE) is not set")
    criteria = TokenCriteria(label=token.token_label) if token.token_label else None

    def make():
        session = open_pkcs11_session(str(token.module), slot_no=token.slot, token_criteria=criteria, user_pin=pin)
        try:
            signer = PKCS11Signer(session, cert_label=token.cert_label or token.key_label, key_label=token.key_label)
            if signer.signing_cert is None:  # read now: a missing certificate fails here, not while signing
                raise ValueError(f"no certificate labelled '{token.cert_label or token.key_label}'")
        except Exception:
            session.close()
            raise
        return signer, session.close

    try:
        signer, close = make()
    except Exception as exc:
        raise ConfigError(f"{source}: field '{where}.pkcs11': cannot use the key '{token.key_label}' on the token "
                          f"({type(exc).__name__}: {exc})") from exc
    try:
        subject, serial = _certificate_facts(signer.signing_cert)
    finally:
        close()
    return LoadedSigner(where, subject, serial, make)


def _load(config: SignerConfig, where: str, source: Path) -> LoadedSigner:
    return _pkcs12(config, where, source) if config.pkcs12 is not None else _pkcs11(config.pkcs11, where, source)


@dataclass
class Signers:
    """The configured signers, by issuer."""

    by_issuer: dict[Issuer, LoadedSigner] = field(default_factory=dict)
    tsa_url: str | None = None

    def of(self, issuer: Issuer) -> LoadedSigner | None:
        return self.by_issuer.get(issuer)

    async def sign(self, pdf: bytes, issuer: Issuer, reason: str) -> tuple[bytes, LoadedSigner]:
        """The PDF signed by the issuer's certificate, or Refused (409) when it has none."""
        loaded = self.of(issuer)
        if loaded is None:
            raise Refused(409, f"Chưa cấu hình chữ ký số cho {issuer}: không thể ký văn bản này")
        try:
            return await asyncio.to_thread(self._sign, pdf, loaded, reason), loaded
        except Exception as exc:  # a token pulled out, a time-stamp authority down
            raise Refused(503, f"Không ký được văn bản ({type(exc).__name__}); vui lòng thử lại") from exc

    def _sign(self, pdf: bytes, loaded: LoadedSigner, reason: str) -> bytes:
        meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256", reason=reason,
                                            subfilter=fields.SigSeedSubFilter.PADES)
        stamper = timestamps.HTTPTimeStamper(self.tsa_url) if self.tsa_url else None
        with loaded.lock:
            signer, close = loaded.make()
            try:
                out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                                       timestamper=stamper)
            finally:
                close()
        return out.getvalue()


def load_signers(signing: Signing, source: Path) -> Signers:
    """Open every signer of the settings (`source`: the settings file, for the errors)."""
    found: dict[Issuer, LoadedSigner] = {}
    if signing.hotline is not None:
        found[Issuer(HOTLINE)] = _load(signing.hotline, "signing.hotline", source)
    if signing.office is not None:
        found[Issuer(OFFICE)] = _load(signing.office, "signing.office", source)
    for name, config in signing.agencies.items():
        found[Issuer.agency(name)] = _load(config, f"signing.agencies.{name}", source)
    return Signers(found, signing.tsa_url)

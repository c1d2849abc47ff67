"""Signing the documents' PDFs with the issuer's certificate (PAdES, pyHanko): the hotline's,
the provincial office's, or an agency's, as the settings' `[signing]` names them (a PKCS#12 file
with its passphrase, or a key on a PKCS#11 token with its PIN, both from the environment).

Every configured signer is opened at start (`load_signers`): a wrong passphrase or PIN, a file
that is not PKCS#12, a token or key that is not there stops the start with the settings file and
the field named. A signature is PAdES B-B, or B-T with the time-stamp authority `tsa_url`.

Signing takes a few hundred milliseconds of Python (ASN.1, the PDF's incremental update) and a
token's calls block: it runs in a worker process of its own (`hotline.untrusted.Sandbox`), never
on the event loop that serves calls, one signature at a time per signer; a token gets a session
per signature (a token unplugged and plugged back works again)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from pathlib import Path

from hotline.credentials import secret
from hotline.errors import ConfigError, Refused
from hotline.settings import Pkcs11Token, Signer as SignerConfig, Signing
from hotline.untrusted import Limits, Refusal, Sandbox

HOTLINE = "hotline"
OFFICE = "office"
FIELD = "ChuKySo"  # the signature field's name in the PDF
SIGN_SECONDS = 60.0  # with a time-stamp authority's answer


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


@dataclass(frozen=True)
class KeySource:
    """Where a signer's key is, as a worker process needs it (picklable): a PKCS#12 file's bytes
    and passphrase, or a token's module, slot or label, key and certificate labels and PIN."""

    pkcs12: bytes | None = None
    passphrase: str = ""
    module: str = ""
    slot: int | None = None
    token_label: str | None = None
    key_label: str = ""
    cert_label: str = ""
    pin: str = ""

    def __repr__(self) -> str:  # never the passphrase or the PIN in a log or a traceback
        return f"KeySource({'pkcs12' if self.pkcs12 is not None else self.module})"


def open_signer(source: KeySource):
    """(a pyHanko signer, a function that closes it): the PKCS#12 file opened, or a session on
    the token. ValueError (PKCS#12) or a PKCS11Error when it cannot be used."""
    from pyhanko.sign import signers

    if source.pkcs12 is not None:
        signer = signers.SimpleSigner.load_pkcs12_data(source.pkcs12, (),
                                                       source.passphrase.encode() if source.passphrase else None)
        if signer.signing_cert is None or signer.signing_key is None:
            raise ValueError("the file holds no key with its certificate")
        return signer, lambda: None
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    criteria = TokenCriteria(label=source.token_label) if source.token_label else None
    session = open_pkcs11_session(source.module, slot_no=source.slot, token_criteria=criteria, user_pin=source.pin)
    try:
        signer = PKCS11Signer(session, cert_label=source.cert_label, key_label=source.key_label)
        if signer.signing_cert is None:  # read now: a missing certificate fails here, not while signing
            raise ValueError(f"no certificate labelled '{source.cert_label}'")
    except Exception:
        session.close()
        raise
    return signer, session.close


_opened: dict[KeySource, object] = {}  # in a worker: PKCS#12 signers, opened once


def sign_pdf(pdf: bytes, source: KeySource, reason: str, tsa_url: str | None) -> bytes:
    """The PDF with a PAdES signature (run in a worker process: module level)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256", reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    stamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    if source.pkcs12 is not None:
        if source not in _opened:
            _opened[source] = open_signer(source)[0]
        signer, close = _opened[source], (lambda: None)
    else:
        signer, close = open_signer(source)
    try:
        return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                                timestamper=stamper).getvalue()
    finally:
        close()


@dataclass
class LoadedSigner:
    """An issuer's signer, checked at start."""

    where: str  # where it is configured: signing.agencies.<name>
    subject: str  # the certificate's subject, as people read it
    serial: str  # its serial number, hexadecimal
    source: KeySource
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one signature at a time


def _checked(source: KeySource, where: str, problem: str) -> LoadedSigner:
    """Open the key once (at start) and read its certificate; ConfigError naming `problem`."""
    try:
        signer, close = open_signer(source)
    except Exception as exc:
        raise ConfigError(f"{problem} ({type(exc).__name__}: {exc})") from exc
    try:
        cert = signer.signing_cert
        return LoadedSigner(where, cert.subject.human_friendly, format(cert.serial_number, "X"), source)
    finally:
        close()


def _pkcs12(config: SignerConfig, where: str, settings_file: Path) -> LoadedSigner:
    passphrase = secret(config.passphrase_env) if config.passphrase_env else ""
    if config.passphrase_env and not passphrase:
        raise ConfigError(f"{settings_file}: field '{where}.passphrase_env': the environment variable "
                          f"{config.passphrase_env} (or {config.passphrase_env}_FILE) is not set")
    try:
        data = config.pkcs12.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{settings_file}: field '{where}.pkcs12': cannot read {config.pkcs12}: "
                          f"{exc.strerror}") from exc
    return _checked(KeySource(pkcs12=data, passphrase=passphrase), where,
                    f"{settings_file}: field '{where}.pkcs12': {config.pkcs12} is not a PKCS#12 file with a key "
                    f"and its certificate that this passphrase opens ({where}.passphrase_env)")


def _pkcs11(token: Pkcs11Token, where: str, settings_file: Path) -> LoadedSigner:
    pin = secret(token.pin_env)
    if not pin:
        raise ConfigError(f"{settings_file}: field '{where}.pkcs11.pin_env': the environment variable "
                          f"{token.pin_env} (or {token.pin_env}_FILE) is not set")
    source = KeySource(module=str(token.module), slot=token.slot, token_label=token.token_label,
                       key_label=token.key_label, cert_label=token.cert_label or token.key_label, pin=pin)
    return _checked(source, where, f"{settings_file}: field '{where}.pkcs11': cannot use the key "
                                   f"'{token.key_label}' on the token")


def _load(config: SignerConfig, where: str, settings_file: Path) -> LoadedSigner:
    if config.pkcs12 is not None:
        return _pkcs12(config, where, settings_file)
    return _pkcs11(config.pkcs11, where, settings_file)


@dataclass
class Signers:
    """The configured signers, by issuer."""

    by_issuer: dict[Issuer, LoadedSigner] = field(default_factory=dict)
    tsa_url: str | None = None
    sandbox: Sandbox | None = None  # the signing worker, started on the first signature

    def of(self, issuer: Issuer) -> LoadedSigner | None:
        return self.by_issuer.get(issuer)

    def required(self, issuer: Issuer) -> LoadedSigner:
        """The issuer's signer, or Refused (409) when it has none."""
        loaded = self.of(issuer)
        if loaded is None:
            raise Refused(409, f"Chưa cấu hình chữ ký số cho {issuer}: không thể ký văn bản này")
        return loaded

    async def sign(self, pdf: bytes, issuer: Issuer, reason: str) -> tuple[bytes, LoadedSigner]:
        """The PDF signed by the issuer's certificate, or Refused (409) when it has none."""
        loaded = self.required(issuer)
        if self.sandbox is None:
            self.sandbox = Sandbox(Limits(workers=1, seconds=SIGN_SECONDS))
        async with loaded.lock:
            try:
                return await self.sandbox.run(sign_pdf, pdf, loaded.source, reason, self.tsa_url), loaded
            except Refusal as exc:
                raise Refused(503, f"Không ký được văn bản ({exc.reason}); vui lòng thử lại") from None
            except Exception as exc:  # a token pulled out, a time-stamp authority down
                raise Refused(503, f"Không ký được văn bản ({type(exc).__name__}); vui lòng thử lại") from exc

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


def load_signers(signing: Signing, settings_file: Path) -> Signers:
    """Open every signer of the settings (`settings_file`: named in the errors)."""
    found: dict[Issuer, LoadedSigner] = {}
    if signing.hotline is not None:
        found[Issuer(HOTLINE)] = _load(signing.hotline, "signing.hotline", settings_file)
    if signing.office is not None:
        found[Issuer(OFFICE)] = _load(signing.office, "signing.office", settings_file)
    for name, config in signing.agencies.items():
        found[Issuer.agency(name)] = _load(config, f"signing.agencies.{name}", settings_file)
    return Signers(found, signing.tsa_url)

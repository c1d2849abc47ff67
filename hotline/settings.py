"""Installation settings: where state lives, which profile runs, which ports are used.

Settings come from `<home>/hotline.toml` (optional) and a few environment variables. Everything
has a working default for the embedded set-up (one machine, loopback). Ports are laid out from one
`port_base` so that two instances (tests, a staging copy) can run side by side by changing a
single number; each port can still be set on its own.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hotline.credentials import secret
from hotline.errors import ConfigError, format_validation_error

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"
SETTINGS_FILE = "hotline.toml"


class Ports(BaseModel):
    """Network ports. Unset ones derive from `base` (see `resolved`)."""

    model_config = ConfigDict(extra="forbid")

    base: int = Field(25060, ge=1024, le=65000)
    sip: int | None = None  # trunk (UDP) where the telco's calls come in
    ami: int | None = None  # Asterisk Manager Interface, loopback only
    http: int | None = None  # Asterisk's HTTP server (SIP over WebSocket for browsers)
    agi: int | None = None  # our FastAGI server, loopback only
    web: int | None = None  # the operator desktop (later issues)
    rtp_start: int | None = None
    rtp_end: int | None = None

    @model_validator(mode="after")
    def _fill(self) -> "Ports":
        b = self.base
        self.sip = self.sip or b
        self.ami = self.ami or b + 1
        self.http = self.http or b + 2
        self.agi = self.agi or b + 3
        self.web = self.web or b + 4
        # A 2,000-port RTP window per instance: 1,000 concurrent calls (RTP + RTCP each).
        self.rtp_start = self.rtp_start or 30000 + (b % 10) * 2000
        self.rtp_end = self.rtp_end or self.rtp_start + 1999
        if self.rtp_end <= self.rtp_start:
            raise ValueError("rtp_end must be above rtp_start")
        return self


ROUTE_NAME = r"^[a-z][a-z0-9_]{0,30}$"


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


class Route(BaseModel):
    """A way out to agency phones: a SIP peer (the telco trunk, a PBX) reached over UDP. Agencies
    name the route their numbers are dialled through."""

    model_config = ConfigDict(extra="forbid")

    # host:port of the peer. Unset: 127.0.0.1 at port base + 6, where agency phones of this
    # machine answer (`hotline agency-phone`; the demo and the tests).
    host: str | None = Field(None, pattern=r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
    caller_id: str | None = Field(None, pattern=r"^[0-9]{3,20}$")  # number shown to agencies
    # Addresses (or CIDRs) this peer sends from; unset: the host's own address when it is one.
    # Only these may speak for the route: a request naming it from elsewhere is refused.
    match: list[str] = []


class Sms(BaseModel):
    """Where text messages go. `log` (default) keeps them in the outbox and the log only; `http`
    POSTs each message as JSON to `url`, with a bearer token read from the environment variable
    named by `token_env` (never written in a file of the repository)."""

    model_config = ConfigDict(extra="forbid")

    gateway: str = Field("log", pattern=r"^(log|http)$")
    url: str | None = None
    token_env: str | None = None
    max_attempts: int = Field(5, ge=1, le=50)
    retry_seconds: float = Field(30, ge=0.1)
    poll_seconds: float = Field(2, ge=0.1)

    @model_validator(mode="after")
    def _url(self) -> "Sms":
        if self.gateway == "http" and not self.url:
            raise ValueError("gateway 'http' needs url")
        return self


class Applications(BaseModel):
    """Where application statuses come from (the one-stop system): `none`; `table`, rows imported
    from the system's CSV exports (`hotline applications import FILE`); `http`, the system's API
    at `url` (contract in docs/interfaces.md), with a bearer token read from the environment
    variable named by `token_env`. A look-up waits `timeout_seconds` per try, tries `retries` more
    times, and after `breaker_failures` failed look-ups in a row answers "unavailable" at once for
    `breaker_seconds` (the circuit breaker), so callers never wait on a dead system."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field("table", pattern=r"^(none|table|http)$")
    url: str | None = None
    token_env: str | None = None
    timeout_seconds: float = Field(3, gt=0, le=30)
    retries: int = Field(1, ge=0, le=5)
    breaker_failures: int = Field(3, ge=1, le=100)
    breaker_seconds: float = Field(60, gt=0, le=3600)

    @model_validator(mode="after")
    def _url(self) -> "Applications":
        if self.source == "http" and not self.url:
            raise ValueError("source 'http' needs url")
        return self


class Imap(BaseModel):
    """The hotline's mailbox citizens write to, read over IMAP: each new message becomes (or joins)
    a conversation. The password is read from the environment variable `password_env`."""

    model_config = ConfigDict(extra="forbid")

    host: str
    port: int = Field(993, ge=1, le=65535)
    security: str = Field("ssl", pattern=r"^(ssl|starttls|none)$")  # none: only for a server on this machine
    username: str
    password_env: str | None = None
    mailbox: str = "INBOX"
    poll_seconds: float = Field(30, ge=0.5, le=3600)
    max_per_pass: int = Field(50, ge=1, le=1000)


class Email(BaseModel):
    """Where e-mail goes (weekly reports to agency leaders). `log` (default) keeps messages in the
    outbox and the log only; `smtp` sends through `host`:`port` (STARTTLS unless `starttls = false`,
    or TLS at once with `implicit_tls`; the certificate is verified against `ca_file` or the system's
    authorities), logging in as `username` with the password read from the environment variable `password_env`."""

    model_config = ConfigDict(extra="forbid")

    gateway: str = Field("log", pattern=r"^(log|smtp)$")
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    # The server's certificate and host name are always verified (STARTTLS, or TLS from the first
    # byte with `implicit_tls`, port 465); `ca_file` names the authority to trust instead of the
    # system's (a province's own mail server).
    implicit_tls: bool = False
    ca_file: str | None = None
    username: str | None = None
    password_env: str | None = None
    sender: str = "tongdai1022@localhost"
    max_attempts: int = Field(5, ge=1, le=50)
    retry_seconds: float = Field(300, ge=0.1)
    poll_seconds: float = Field(30, ge=0.1)
    imap: Imap | None = None  # citizens' e-mails to the hotline (conversations); unset: not read

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"no such file: {value}")
        return value


class Zalo(BaseModel):
    """A Zalo Official Account: its webhook (POST /webhooks/zalo) checks each event's signature with
    the app id and the OA's secret key; replies go through the OA's send API with its access token.
    Secrets come from the environment variables named here."""

    model_config = ConfigDict(extra="forbid")
    app_id: str = Field(..., min_length=1, max_length=40)
    oa_secret_env: str
    access_token_env: str
    send_url: str = Field("https://openapi.zalo.me/v3.0/oa/message/cs", pattern=r"^https?://[^\s]+$")
    # The access token lasts about a day. With the app's secret key and a refresh token (each used
    # once: a renewal returns the next, kept in the database), the hotline renews it itself
    # `renew_before_minutes` before it expires; without them the token above is used as it is.
    app_secret_env: str | None = None
    refresh_token_env: str | None = None
    token_url: str = Field("https://oauth.zaloapp.com/v4/oa/access_token", pattern=r"^https?://[^\s]+$")
    renew_before_minutes: int = Field(60, ge=1, le=1440)
    # A signed event is taken only within this many seconds of its own timestamp (a replay of an
    # old one is refused).
    event_window_seconds: int = Field(900, ge=30, le=86400)

    @model_validator(mode="after")
    def _renewal_pair(self) -> "Zalo":
        if (self.app_secret_env is None) != (self.refresh_token_env is None):
            raise ValueError("app_secret_env and refresh_token_env: give both (token renewal) or neither")
        return self

    @property
    def renews(self) -> bool:
        return self.refresh_token_env is not None


class Facebook(BaseModel):
    """A Facebook Page on Messenger: its webhook (GET/POST /webhooks/facebook) checks the subscription
    with the verify token and each event's X-Hub-Signature-256 with the app secret; replies go
    through the Send API with the page's access token. Secrets from the named variables."""

    model_config = ConfigDict(extra="forbid")
    app_secret_env: str
    verify_token_env: str
    page_token_env: str
    send_url: str = Field("https://graph.facebook.com/v19.0/me/messages", pattern=r"^https?://[^\s]+$")


class SmsInbox(BaseModel):
    """Citizens' SMS to the hotline's number: the SMS gateway posts each one to POST /webhooks/sms,
    signed with `X-Hotline-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact body under this
    installation's secret (from the environment variable `secret_env`, or the file its `_FILE`
    form names); answers go back through the SMS outbox and gateway (`[sms]`)."""

    model_config = ConfigDict(extra="forbid")
    secret_env: str = Field(..., pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class Messaging(BaseModel):
    """Citizens' messages on chat platforms and by SMS, and the outbox of the replies."""

    model_config = ConfigDict(extra="forbid")
    zalo: Zalo | None = None
    facebook: Facebook | None = None
    sms: SmsInbox | None = None
    # Where the platforms keep the files citizens send: only these are fetched (a domain and its
    # subdomains over HTTPS, or an exact origin "scheme://host:port").
    file_hosts: list[str] = ["fbcdn.net", "fbsbx.com", "facebook.com", "zdn.vn", "zadn.vn", "zalo.me",
                             "zaloapp.com"]
    max_attempts: int = Field(6, ge=1, le=50)
    retry_seconds: float = Field(30, ge=0.1)
    poll_seconds: float = Field(5, ge=0.1)


class Recordings(BaseModel):
    """The call recordings: when a spool file is taken as finished, how long things are kept."""

    model_config = ConfigDict(extra="forbid")

    stable_seconds: float = Field(5, ge=0.5, le=600)  # unchanged this long (and call over): finished
    scan_seconds: float = Field(30, ge=0.5, le=3600)  # the reconciler's period
    # Original WAV files are removed this many days after cataloguing, once the compressed copy is
    # verified; 0 keeps them. How long the compressed copy is kept is the profile's
    # `retention.recordings_days`.
    keep_originals_days: int = Field(90, ge=0)
    bitrate: str = Field("24k", pattern=r"^[0-9]{1,3}k$")  # of the compressed (Opus) copy


class Transcription(BaseModel):
    """Speech to text after each call. `engine`: "viet-asr" (the default: Vietnamese, its model
    inside the pinned wheel the set-up installs) or "vosk" with `model`, the folder of a Vosk model
    (`hotline model install`; empty: transcription jobs wait until a model is configured). A file
    that names a `model` and no `engine` keeps Vosk, as before there was a choice."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["viet-asr", "vosk"] = "viet-asr"
    model: str = ""
    workers: int = Field(1, ge=1, le=16)  # worker processes (one core each)
    max_attempts: int = Field(3, ge=1, le=20)
    retry_seconds: float = Field(60, ge=0.1)
    poll_seconds: float = Field(2, ge=0.1)
    # Which sides of each call to transcribe (each is recorded on its own), e.g. only "caller".
    channels: list[Literal["caller", "operator"]] = Field(["caller", "operator"], min_length=1, max_length=2)
    # Skip silence before the engine with a voice-activity detector (false: read every second; with
    # viet-asr each side is then one segment), and how eagerly it takes sound for silence (0: keeps
    # the most audio, 3: skips the most). Its spans are viet-asr's segments, with their times.
    vad: bool = True
    vad_aggressiveness: int = Field(2, ge=0, le=3)
    # Live captions (hotline/recordings/live.py): both sides of a call an operator answers are
    # recognised as they speak, in `live_workers` processes of their own, for at most `live_calls`
    # calls at once (more get no captions; every call is still transcribed after it ends).
    live: bool = False
    live_calls: int = Field(2, ge=1, le=64)
    live_workers: int = Field(1, ge=1, le=16)

    @model_validator(mode="after")
    def _vosk_when_only_a_model_is_named(self):
        if self.model and "engine" not in self.model_fields_set:
            self.engine = "vosk"
        return self


class Security(BaseModel):
    """Limits on guessing and flooding, and who may be believed about a client's address."""

    model_config = ConfigDict(extra="forbid")

    # Logins: wrong passwords counted in a sliding window, per account and per client address
    # (then 429 with Retry-After); `lockout_after` wrong passwords in a row lock the account for
    # `lockout_minutes` or until an administrator lifts it.
    login_window_seconds: float = Field(300, ge=1, le=86400)
    login_failures_per_account: int = Field(10, ge=1, le=1000)
    login_failures_per_address: int = Field(50, ge=1, le=100000)
    lockout_after: int = Field(50, ge=3, le=100000)
    lockout_minutes: float = Field(60, ge=1, le=100000)
    hash_workers: int = Field(1, ge=1, le=8)  # argon2 threads: a login flood never takes every core
    # A session ends after `idle_minutes` without a request (and 12 hours after log-in at most);
    # a one-time password from an administrator works for `temporary_password_hours`.
    idle_minutes: float = Field(30, ge=1, le=1440)
    temporary_password_hours: float = Field(72, ge=1, le=8760)
    # Roles that must sign in with a second factor (TOTP from a phone app, or a recovery code):
    # they enrol at their next log-in. Administrators by default; anyone enrolled is always asked.
    two_factor_roles: list[Literal["operator", "supervisor", "admin", "agency", "office"]] = ["admin"]
    # How often open WebSockets are checked against their sessions (logout, expiry, disable).
    session_check_seconds: float = Field(2, ge=0.2, le=60)
    # Behind a reverse proxy: its addresses, and the header it puts the client's address in.
    trusted_proxies: list[str] = []
    client_ip_header: str = Field("X-Forwarded-For", pattern=r"^[A-Za-z0-9-]{1,60}$")
    # Public pages, per client address in `public_window_seconds`: reports, look-ups, ratings
    # and questions; per phone number: reports. Receipt SMS: at most `sms_per_number_per_day`
    # to one number (Vietnamese numbers only).
    public_window_seconds: float = Field(3600, ge=1, le=86400)
    reports_per_address: int = Field(10, ge=1, le=100000)
    reports_per_phone: int = Field(5, ge=1, le=100000)
    app_reports_per_key: int = Field(600, ge=1, le=1000000)  # Open311: an app's reports (many citizens)
    lookups_per_address: int = Field(20, ge=1, le=100000)  # per `lookup_window_seconds`
    lookup_window_seconds: float = Field(60, ge=1, le=86400)
    feedback_per_address: int = Field(20, ge=1, le=100000)
    sms_per_number_per_day: int = Field(5, ge=0, le=1000)
    public_body_kb: int = Field(64, ge=4, le=10240)  # anonymous bodies other than uploads
    # The IVR's ticket look-up: per calling number in `public_window_seconds`.
    ivr_lookups_per_caller: int = Field(10, ge=1, le=100000)

    @model_validator(mode="after")
    def _proxies(self) -> "Security":
        for net in self.trusted_proxies:
            if not _is_network(net):
                raise ValueError(f"trusted_proxies: {net!r} is not an IP address or network")
        return self


class Backups(BaseModel):
    """`hotline backup`: with `age_recipients` (age public keys `age1...`, or paths of files listing
    them) the archive is encrypted to them with age (Debian's `age`); `hotline restore` then reads
    the private key from `age_identity_file` (keep it off the machine until a restore)."""

    model_config = ConfigDict(extra="forbid")
    age_recipients: list[str] = []
    age_identity_file: Path | None = None

    @field_validator("age_recipients")
    @classmethod
    def _recipients(cls, v: list[str]) -> list[str]:
        for r in v:
            if not (re.fullmatch(r"age1[0-9a-z]{58}", r) or r.startswith("/")):
                raise ValueError(f"{r!r}: an age public key (age1...) or an absolute path to a recipients file")
        return v


ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Pkcs11Token(BaseModel):
    """A key on a PKCS#11 token (the USB tokens Vietnamese certificate authorities issue, an HSM):
    the vendor's module, the token by slot number or label, the key (and its certificate) by
    label, and the PIN from the environment variable `pin_env`."""

    model_config = ConfigDict(extra="forbid")

    module: Path  # the vendor's PKCS#11 library (.so)
    slot: int | None = Field(None, ge=0)
    token_label: str | None = Field(None, min_length=1, max_length=32)
    key_label: str = Field(..., min_length=1, max_length=200)
    cert_label: str | None = Field(None, min_length=1, max_length=200)  # unset: the key's label
    pin_env: str = Field(..., pattern=ENV_NAME)

    @field_validator("module")
    @classmethod
    def _module(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _token(self) -> "Pkcs11Token":
        if self.slot is None and self.token_label is None:
            raise ValueError("give slot or token_label (which token holds the key)")
        return self


class Signer(BaseModel):
    """One issuer's signing certificate: a PKCS#12 file (its passphrase from the environment
    variable `passphrase_env`) or a key on a PKCS#11 token. Never in the repository."""

    model_config = ConfigDict(extra="forbid")

    pkcs12: Path | None = None
    passphrase_env: str | None = Field(None, pattern=ENV_NAME)
    pkcs11: Pkcs11Token | None = None

    @field_validator("pkcs12")
    @classmethod
    def _file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _one(self) -> "Signer":
        if (self.pkcs12 is None) == (self.pkcs11 is None):
            raise ValueError("give pkcs12 (a file) or pkcs11 (a token), one of them")
        if self.pkcs11 is not None and self.passphrase_env is not None:
            raise ValueError("passphrase_env is for pkcs12; a token's PIN is pkcs11.pin_env")
        return self


class Signing(BaseModel):
    """Signed PDF letters (PAdES): the signer of the hotline (transfer documents, result letters
    the hotline answered itself), of the provincial office (its letters) and of each agency (its
    result letters), by the agency's name in the directory. With `tsa_url` every signature gets a
    time-stamp from that RFC 3161 authority (PAdES B-T); without, B-B."""

    model_config = ConfigDict(extra="forbid")

    tsa_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    hotline: Signer | None = None
    office: Signer | None = None
    agencies: dict[str, Signer] = {}


class Maps(BaseModel):
    """The maps (the report forms' location pin, published results, the supervisors' open
    tickets): the tile server's URL template (`{z}`, `{x}`, `{y}`; `{s}` for its sub-domains
    a, b, c), the attribution its licence asks for (plain text), the deepest zoom it serves, and
    where a map opens before anything is on it. Default: OpenStreetMap's own tile server, whose
    usage policy allows a site's light use with the attribution; an installation with more
    traffic points `tiles` at its own server or a provider's. Browsers fetch the tiles directly:
    the pages' Content-Security-Policy allows images from that one origin."""

    model_config = ConfigDict(extra="forbid")

    tiles: str = Field("https://tile.openstreetmap.org/{z}/{x}/{y}.png", max_length=500)
    attribution: str = Field("© OpenStreetMap contributors", min_length=1, max_length=300,
                             pattern=r"^[^<>\"]+$")
    max_zoom: int = Field(19, ge=1, le=22)
    center: tuple[float, float] = (10.4559, 105.6336)  # latitude, longitude (Cao Lãnh, Đồng Tháp)
    zoom: int = Field(11, ge=1, le=22)

    @field_validator("tiles")
    @classmethod
    def _template(cls, v: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.{}\-]+(:[0-9]{1,5})?/[^\s\"'<>]*", v):
            raise ValueError("an http(s) URL template such as https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        for part in ("{z}", "{x}", "{y}"):
            if part not in v:
                raise ValueError(f"the URL template has no {part}")
        return v

    @field_validator("center")
    @classmethod
    def _center(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not (-90 <= v[0] <= 90 and -180 <= v[1] <= 180):
            raise ValueError("[latitude, longitude]: latitude -90..90, longitude -180..180")
        return v

    @property
    def origin(self) -> str:
        """Where the tiles come from, as a Content-Security-Policy source (`{s}`: any sub-domain)."""
        scheme, rest = self.tiles.split("://", 1)
        host = rest.split("/", 1)[0].replace("{s}", "*")
        return f"{scheme}://{host}"

    def public(self) -> dict:
        """What a page's script needs to draw the map."""
        return {"tiles": self.tiles, "attribution": self.attribution, "max_zoom": self.max_zoom,
                "center": list(self.center), "zoom": self.zoom}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: Path
    config_dir: Path = DEFAULT_CONFIG_DIR
    profile: str = "dong_thap"
    # Addresses. AMI, HTTP and FastAGI stay on loopback; the SIP trunk binds where the telco is.
    sip_bind: str = "127.0.0.1"
    web_bind: str = "127.0.0.1"  # the operator desktop (put a TLS reverse proxy in front in production)
    # The address citizens reach the public pages at (look-up links in SMS). Unset: the desktop's
    # own address on this machine.
    public_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    # Attachments (citizens' photos, videos, audio; agencies' files): size limit per file.
    attachment_max_mb: int = Field(20, ge=1, le=500)
    secure_cookies: bool = False  # set true behind HTTPS: session cookies then travel only over TLS
    trunk_match: list[str] = ["127.0.0.1"]  # addresses (or CIDRs) identified as the telco trunk
    # Asterisk's WebSocket for the softphones binds here. Unset: the IPv6 loopback (::1) where the
    # machine has it, so that browsers on this machine (or the reverse proxy) reach Asterisk from
    # an address that the UDP trunk transport (IPv4) never sees; else 127.0.0.1.
    ws_bind: str | None = None
    # The WebSocket address given to browsers (behind a reverse proxy: its wss:// URL).
    ws_public_url: str | None = Field(None, pattern=r"^wss?://[^\s]+$")
    # Where the softphones' WebSocket connections come from (the reverse proxy in front of
    # Asterisk's HTTP server, or this machine). Operators' endpoints accept nothing from elsewhere.
    # Unset: the WebSocket's own bind address.
    operator_networks: list[str] = []
    # Any other SIP source allowed to reach Asterisk at all (besides the trunk, routes and
    # operator networks): everything else is refused before it selects an endpoint.
    sip_extra_permit: list[str] = []
    # Several nodes: the SIP edge (ADDRESS:PORT, as this node reaches it) where the operators'
    # softphones register. Their calls then ring through the edge, whichever node takes them, and
    # `ws_public_url` must be the edge's WebSocket. Unset: softphones register on this Asterisk.
    sip_edge: str | None = Field(None, pattern=r"^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$")
    # With sip_edge: this node's priority, as the edge's settings give it ([[nodes]] priority). The
    # live node of highest priority serves the desktops, as it takes the calls.
    node_priority: int = Field(0, ge=0, le=1000)
    ports: Ports = Ports()
    email: Email = Email()
    database_url: str | None = None
    asterisk_binary: str = "asterisk"
    # Scheduling priority (nice) of the hotline process once Asterisk is started. The IVR and CTI
    # use little CPU but are latency-sensitive: under full load they must not queue behind
    # hundreds of Asterisk media threads, or a caller's first key is lost. Needs root; else ignored.
    control_nice: int = Field(-5, ge=-20, le=19)
    # Seconds without audio from an operator's browser before its call leg is hung up.
    operator_rtp_timeout: int = Field(30, ge=5, le=3600)
    routes: dict[str, Route] = {"local": Route()}  # outbound routes to agency phones, by name
    # The route citizens are called through (callbacks, click-to-call, surveys): the telco's.
    # Unset: the first route.
    citizen_route: str | None = None
    sms: Sms = Sms()
    messaging: Messaging = Messaging()
    applications: Applications = Applications()
    security: Security = Security()
    # A demo or test installation: the profile may keep placeholder office contacts and report
    # recipients (`hotline run --demo` is one too); a real one does not start with them.
    demo: bool = False
    deadline_scan_seconds: float = Field(30, ge=0.5, le=3600)  # how often due deadlines are looked for
    # How often the event loop's lag is sampled (GET /api/system/loop-lag): each sample is a wake
    # of the loop, so a finer period costs CPU on an idle node (10 ms: 2.5% of a core) without
    # measuring each wake more precisely; 50 ms still gives 1,200 samples a minute for the p99.
    loop_lag_period_ms: float = Field(50, ge=1, le=1000)
    recordings: Recordings = Recordings()
    backups: Backups = Backups()
    signing: Signing = Signing()  # signed PDF letters: the issuers' certificates
    maps: Maps = Maps()  # the tile server of the maps
    transcription: Transcription = Transcription()
    # Extra dialplan for the benchmark's baseline (menu in plain dialplan). Off in production.
    bench_baseline: bool = False
    # Benchmark only: SIP agents played by SIPp at 127.0.0.1:<port> (endpoints bench1..N, plain
    # UDP), so that a benchmark can put operators who answer into the queues. Empty in production.
    bench_agents: list[int] = []

    @model_validator(mode="after")
    def _routes(self) -> "Settings":
        if self.ws_bind is None:
            self.ws_bind = "::1" if _ipv6_loopback() else "127.0.0.1"
        if not _is_address(self.ws_bind):
            raise ValueError(f"ws_bind: {self.ws_bind!r} is not an IP address")
        if not self.operator_networks:
            self.operator_networks = [self.ws_bind]
        for name, route in self.routes.items():
            if not re.match(ROUTE_NAME, name):
                raise ValueError(f"routes: {name!r} must match {ROUTE_NAME}")
            route.host = route.host or f"127.0.0.1:{self.ports.base + 6}"
            if not route.match:
                address = route.host.rsplit(":", 1)[0] if route.host.count(":") == 1 else route.host
                if not _is_address(address):
                    raise ValueError(f"routes.{name}.match: {address} is a name; list the addresses it sends from")
                route.match = [address]
        if self.citizen_route is None and self.routes:
            self.citizen_route = next(iter(self.routes))
        if self.citizen_route is not None and self.citizen_route not in self.routes:
            raise ValueError(f"citizen_route: no route {self.citizen_route!r} in routes")
        if self.sip_edge is not None:
            if not _is_address(self.sip_edge_host):
                raise ValueError(f"sip_edge: {self.sip_edge!r} is not ADDRESS:PORT")
            if not self.ws_public_url:
                raise ValueError("ws_public_url: must be set to the edge's WebSocket when sip_edge is set")
        for net in [*self.trunk_match, *self.operator_networks, *self.sip_extra_permit,
                    *(m for r in self.routes.values() for m in r.match)]:
            if not _is_network(net):
                raise ValueError(f"{net!r} is not an IP address or network")
        return self

    @property
    def sip_edge_host(self) -> str | None:
        return self.sip_edge.rpartition(":")[0].strip("[]") if self.sip_edge else None

    @property
    def ws_url(self) -> str:
        """Where browsers open the softphone's SIP WebSocket."""
        if self.ws_public_url:
            return self.ws_public_url
        host = f"[{self.ws_bind}]" if ":" in self.ws_bind else self.ws_bind
        return f"ws://{host}:{self.ports.http}/ws"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.home / 'hotline.db'}"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.toml"

    @property
    def asterisk_dir(self) -> Path:
        """Everything the managed Asterisk reads and writes lives below this folder."""
        return self.home / "asterisk"

    @property
    def queue_log(self) -> Path:
        """Asterisk's queue_log (the source of the call statistics)."""
        return self.asterisk_dir / "log" / "queue_log"

    @property
    def sounds_dir(self) -> Path:
        return self.home / "sounds"

    @property
    def prompts_dir(self) -> Path:
        return self.sounds_dir / "vi"

    @property
    def custom_prompts_dir(self) -> Path:
        """Professionally recorded prompts dropped here replace the generated ones."""
        return self.home / "custom-prompts"

    @property
    def moh_dir(self) -> Path:
        return self.sounds_dir / "moh"

    @property
    def recordings_dir(self) -> Path:
        """Recordings: `spool/` (written by Asterisk) and `archive/` (catalogued)."""
        return self.home / "recordings"

    @property
    def recordings_spool(self) -> Path:
        return self.recordings_dir / "spool"

    @property
    def public_base(self) -> str:
        return (self.public_url or f"http://{self.web_bind}:{self.ports.web}").rstrip("/")

    @property
    def attachments_dir(self) -> Path:
        return self.home / "attachments"

    @property
    def reports_dir(self) -> Path:
        """The statutory reports made on their dates, kept as files."""
        return self.home / "reports"

    @property
    def model_path(self) -> Path | None:
        """The Vosk model folder (engine "vosk" only)."""
        if self.transcription.engine != "vosk" or not self.transcription.model:
            return None
        path = Path(self.transcription.model)
        return path if path.is_absolute() else (self.home / path).resolve()


def default_home() -> Path:
    return Path(os.environ.get("HOTLINE_HOME", REPO_ROOT / "var")).resolve()


# Settings the environment overrides (containers): variable -> field path. Each may also come
# from a file named by the variable with `_FILE` appended (a mounted secret).
ENVIRONMENT = {
    "HOTLINE_PROFILE": ("profile",),
    "HOTLINE_DATABASE_URL": ("database_url",),
    "HOTLINE_PORT_BASE": ("ports", "base"),
    "HOTLINE_PUBLIC_URL": ("public_url",),
    "HOTLINE_WS_PUBLIC_URL": ("ws_public_url",),
    "HOTLINE_SIP_EDGE": ("sip_edge",),
    "HOTLINE_NODE_PRIORITY": ("node_priority",),
}


def with_password(url: str, password: str) -> str:
    """`url` with `password` for its user (a URL that names none gets it)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _from_environment(data: dict) -> None:
    for name, field in ENVIRONMENT.items():
        value = os.environ.get(name) or None  # set but empty (a compose default): not set
        if value is None and os.environ.get(name + "_FILE"):
            source = Path(os.environ[name + "_FILE"])
            try:
                value = source.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{name}_FILE: cannot read {source}: {exc.strerror}") from exc
        if value is None:
            continue
        target = data
        for part in field[:-1]:
            target = target.setdefault(part, {})
        target[field[-1]] = value
    # The database's password apart from its URL (HOTLINE_DATABASE_PASSWORD or, better, its _FILE
    # form: a mounted secret), so that the URL in the container's environment holds none.
    password = secret("HOTLINE_DATABASE_PASSWORD")
    if password and data.get("database_url"):
        data["database_url"] = with_password(data["database_url"], password)


def load_settings(home: Path | None = None) -> Settings:
    """Read the settings file (`<home>/hotline.toml`, or the file named by HOTLINE_SETTINGS_FILE) if
    present; the variables of ENVIRONMENT override it."""
    home = (home or default_home()).resolve()
    data: dict = {}
    path = Path(os.environ.get("HOTLINE_SETTINGS_FILE") or home / SETTINGS_FILE)
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    data["home"] = home
    _from_environment(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc
    if not settings.config_dir.is_absolute():
        settings.config_dir = (home / settings.config_dir).resolve()
    return settings

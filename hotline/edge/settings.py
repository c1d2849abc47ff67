"""The edge's settings file (TOML), validated at start; errors name the file and the field.

    listen = "203.0.113.10:5060"          # where the telco sends its calls (UDP)
    trunk_sources = ["203.0.113.0/28"]    # who may send calls
    [[nodes]]
    name = "a"
    sip = "10.0.0.11:25060"               # the node's trunk transport
    priority = 10                         # the highest live priority takes the calls
    [[nodes]]
    name = "b"
    sip = "10.0.0.12:25060"
    priority = 5
    [operators]                           # the edge is also the softphones' registrar
    ws_listen = "10.0.0.10:8080"          # their WebSocket (plain; the TLS proxy is in front)
    # database_url: the hotline's PostgreSQL (passwords, locations), as the edge's own role
    # (`hotline-edge db-role`); or HOTLINE_EDGE_DATABASE_URL[_FILE] with the role's password in
    # HOTLINE_EDGE_DATABASE_PASSWORD[_FILE]
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from urllib.parse import quote, urlsplit, urlunsplit
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hotline.credentials import secret
from hotline.errors import ConfigError, format_validation_error

SETTINGS_ENV = "HOTLINE_EDGE_SETTINGS_FILE"
DATABASE_ENV = "HOTLINE_EDGE_DATABASE_URL"
PASSWORD_ENV = "HOTLINE_EDGE_DATABASE_PASSWORD"


def _address(value: str) -> tuple[str, int]:
    """'10.0.0.1:5060' or '[::1]:5060' → (host, port); only literal addresses (nothing to resolve)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r}: expected ADDRESS:PORT")
    ip = ipaddress.ip_address(host.strip("[]") if host.startswith("[") and host.endswith("]") else host)
    return str(ip), int(port)


def sip_host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


PROBE_EXTENSION = "alive"  # in each node's from-trunk context (hotline/dialplans)


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")
    sip: str
    priority: int = Field(ge=0, le=1000)

    @field_validator("sip")
    @classmethod
    def _sip(cls, v: str) -> str:
        _address(v)
        return v

    @property
    def uri(self) -> str:
        """As the dispatcher holds it: the node's address, with the extension the edge's probes
        ask for (`OPTIONS sip:alive@node`): a node answers 200 while it takes calls, 404 once
        `hotline drain` has removed it (calls are routed by address: the user part is the probe's
        only)."""
        ip, port = _address(self.sip)
        return f"sip:{PROBE_EXTENSION}@{sip_host(ip)}:{port}"


class Operators(BaseModel):
    """The edge as the operators' registrar: softphones connect to its WebSocket and register
    there (passwords are the hotline's `sip_passwords`, locations kept in `sip_locations`), so
    every node rings them through the edge and their phones outlive any one node."""

    model_config = ConfigDict(extra="forbid")
    ws_listen: str
    database_url: str | None = None
    # The longest registration accepted: a withdrawn password stops working within this time.
    max_registration_seconds: int = Field(300, ge=60, le=3600)
    # Where the desktops are served from (the WebSocket handshake's Origin); empty: any origin.
    origins: list[str] = []

    @field_validator("ws_listen")
    @classmethod
    def _ws(cls, v: str) -> str:
        _address(v)
        return v

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str | None) -> str | None:
        if v is not None:
            kamailio_db_url(v)
        return v

    @field_validator("origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for origin in v:
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", origin):
                raise ValueError(f"{origin!r}: expected scheme://host[:port], no path")
        return v

    @property
    def ws_address(self) -> tuple[str, int]:
        return _address(self.ws_listen)


def kamailio_db_url(url: str) -> str:
    """The hotline's PostgreSQL URL (postgresql[+asyncpg]://user:password@host:port/db) in
    Kamailio's form (postgres://...)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgresql+asyncpg", "postgres") or not parts.hostname \
            or not parts.path.strip("/") or parts.query:
        raise ValueError("expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (the hotline's database)")
    return urlunsplit(("postgres", parts.netloc, parts.path, "", ""))


class EdgeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listen: str = "127.0.0.1:5060"
    trunk_sources: list[str] = Field(default_factory=lambda: ["127.0.0.1/32"], min_length=1)
    nodes: list[Node] = Field(min_length=1)
    # active-standby: every call to the live node of highest priority (operators work on that
    # node); shared: calls in turn to every live node (more calls per second through the IVR).
    mode: Literal["active-standby", "shared"] = "active-standby"
    # OPTIONS to every node this often; one unanswered probe takes a node out, one answer puts it back.
    probe_seconds: int = Field(2, ge=1, le=60)
    # A node that has not replied at all to an INVITE in this time is skipped for the next one.
    no_reply_ms: int = Field(2000, ge=300, le=10000)
    # Nodes answer a call at once (the IVR greets): one that replied but has not answered in this
    # time died while setting the call up, and the call goes to the next node.
    answer_ms: int = Field(8000, ge=1000, le=60000)
    workers: int = Field(4, ge=1, le=64)
    operators: Operators | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        _address(v)
        return v

    @field_validator("trunk_sources")
    @classmethod
    def _sources(cls, v: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(s, strict=False)) for s in v]

    @model_validator(mode="after")
    def _distinct(self) -> "EdgeSettings":
        for what in ("name", "uri"):
            seen = [getattr(n, what) for n in self.nodes]
            if len(set(seen)) != len(seen):
                raise ValueError(f"two nodes have the same {what}")
        return self

    @model_validator(mode="after")
    def _timers(self) -> "EdgeSettings":
        if self.answer_ms <= self.no_reply_ms:
            raise ValueError("answer_ms must be longer than no_reply_ms")
        return self

    @model_validator(mode="after")
    def _database(self) -> "EdgeSettings":
        if self.operators is not None and self.operators.database_url is None:
            raise ValueError(f"operators.database_url: not set (nor {DATABASE_ENV} / {DATABASE_ENV}_FILE)")
        return self

    @property
    def algorithm(self) -> int:
        """Kamailio dispatcher's algorithm: 8 (by priority), 4 (round robin)."""
        return 8 if self.mode == "active-standby" else 4

    @property
    def listen_address(self) -> tuple[str, int]:
        return _address(self.listen)


def load_edge_settings(path: Path | None = None) -> tuple[EdgeSettings, Path]:
    path = Path(path or os.environ.get(SETTINGS_ENV) or "edge.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such settings file (set {SETTINGS_ENV} or pass --settings)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        url = _database_from_environment()
    except OSError as exc:
        raise ConfigError(f"{DATABASE_ENV}_FILE: cannot read {exc.filename}: {exc.strerror}") from exc
    if url is not None and isinstance(data.get("operators"), dict):
        data["operators"]["database_url"] = url
    try:
        return EdgeSettings.model_validate(data), path
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc


def _database_from_environment() -> str | None:
    """The database URL from the environment or a mounted file, with the edge role's password
    from HOTLINE_EDGE_DATABASE_PASSWORD[_FILE] when it is kept apart (nothing secret in the
    container's environment)."""
    if os.environ.get(DATABASE_ENV + "_FILE"):
        url = Path(os.environ[DATABASE_ENV + "_FILE"]).read_text(encoding="utf-8").strip()
    else:
        url = os.environ.get(DATABASE_ENV) or None
    password = secret(PASSWORD_ENV)
    if url and password:
        parts = urlsplit(url)
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        url = urlunsplit((parts.scheme, f"{user}:{quote(password, safe='')}@{host}", parts.path, parts.query, ""))
    return url

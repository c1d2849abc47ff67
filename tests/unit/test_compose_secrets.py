"""The compose stack puts no secret where `docker inspect` shows it: no password in any service's
environment (neither as a variable nor inside a URL), only paths of mounted secret files, each of
which the service mounts read-only."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker" / "compose.yaml"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.I)


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def test_no_service_environment_holds_a_secret():
    for name, service in _services().items():
        for var, value in (service.get("environment") or {}).items():
            value = str(value)
            assert not re.search(r"://[^/@\s]*:[^/@\s]*@", value), f"{name}.{var}: a URL with a password"
            assert "PASSWORD}" not in value and "SECRET}" not in value, f"{name}.{var}: interpolates a secret"
            if SECRET_NAME.search(var):
                assert var.endswith("_FILE") and value.startswith("/run/secrets/"), f"{name}.{var} = {value}"


def test_every_secret_file_is_mounted_read_only():
    for name, service in _services().items():
        plain = [re.sub(r"\$\{[^}]*\}", "SOURCE", str(v)) for v in service.get("volumes") or []]
        mounts = {v.split(":")[1]: v for v in plain}
        for var, value in (service.get("environment") or {}).items():
            if var.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert value in mounts and mounts[value].endswith(":ro"), f"{name}.{var}: {value} not mounted read-only"


def test_the_database_password_reaches_postgres_the_node_and_the_edge_as_files():
    services = _services()
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres-password"
    node = services["hotline"]["environment"]
    assert node["HOTLINE_DATABASE_PASSWORD_FILE"] == "/run/secrets/postgres-password"
    assert "@" in node["HOTLINE_DATABASE_URL"] and ":" not in node["HOTLINE_DATABASE_URL"].split("//")[1].split("@")[0]
    edge = services["edge"]["environment"]
    assert edge["HOTLINE_EDGE_DATABASE_URL"].startswith("postgresql://hotline_edge@")  # its own role
    assert edge["HOTLINE_EDGE_DATABASE_PASSWORD_FILE"] == "/run/secrets/edge-db-password"

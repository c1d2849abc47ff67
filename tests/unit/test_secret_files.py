"""Every secret the hotline reads from the environment may come from a file instead (VARIABLE_FILE,
a mounted Docker or systemd secret), so that `docker inspect` shows no secret: the AMI secret, the
database password (kept apart from its URL), the edge role's password, and every variable the
settings name (`password_env`, `token_env`, `*_secret_env`, `*_token_env`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hotline.credentials import load_or_create, secret
from hotline.edge.settings import load_edge_settings
from hotline.errors import ConfigError
from hotline.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_secret_comes_from_its_variable_or_its_file(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_TEST_TOKEN", raising=False)
    assert secret("HOTLINE_TEST_TOKEN") == "" and secret(None) == ""
    path = tmp_path / "token"
    path.write_text("from-a-file\n")
    monkeypatch.setenv("HOTLINE_TEST_TOKEN_FILE", str(path))
    assert secret("HOTLINE_TEST_TOKEN") == "from-a-file"
    monkeypatch.setenv("HOTLINE_TEST_TOKEN", "from-the-variable")
    assert secret("HOTLINE_TEST_TOKEN") == "from-the-variable"
    monkeypatch.delenv("HOTLINE_TEST_TOKEN")
    monkeypatch.setenv("HOTLINE_TEST_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="HOTLINE_TEST_TOKEN_FILE: cannot read"):
        secret("HOTLINE_TEST_TOKEN")


def test_the_ami_secret_may_come_from_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_AMI_SECRET", raising=False)
    stored = load_or_create(tmp_path / "secrets.toml").ami_secret
    path = tmp_path / "ami"
    path.write_text("vault-made-secret\n")
    monkeypatch.setenv("HOTLINE_AMI_SECRET_FILE", str(path))
    assert load_or_create(tmp_path / "secrets.toml").ami_secret == "vault-made-secret" != stored


def test_the_database_password_is_kept_apart_from_its_url(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+asyncpg://hotline@10.0.0.20:5432/hotline")
    monkeypatch.delenv("HOTLINE_DATABASE_PASSWORD", raising=False)
    path = tmp_path / "db-password"
    path.write_text("0a1b2c3d4e\n")
    monkeypatch.setenv("HOTLINE_DATABASE_PASSWORD_FILE", str(path))
    settings = load_settings(tmp_path)
    assert settings.database_url == "postgresql+asyncpg://hotline:0a1b2c3d4e@10.0.0.20:5432/hotline"


def test_the_edge_role_password_is_kept_apart_from_its_url(tmp_path, monkeypatch):
    path = tmp_path / "edge.toml"
    path.write_text('[[nodes]]\nname = "a"\nsip = "10.0.0.11:25060"\npriority = 10\n'
                    '[operators]\nws_listen = "127.0.0.1:38080"\n')
    monkeypatch.setenv("HOTLINE_EDGE_DATABASE_URL", "postgresql://hotline_edge@10.0.0.20:5432/hotline")
    secret_file = tmp_path / "edge-password"
    secret_file.write_text("5f6e7d8c\n")
    monkeypatch.setenv("HOTLINE_EDGE_DATABASE_PASSWORD_FILE", str(secret_file))
    settings, _ = load_edge_settings(path)
    assert settings.operators.database_url == "postgresql://hotline_edge:5f6e7d8c@10.0.0.20:5432/hotline"


def test_no_secret_variable_is_read_around_secret():
    """Settings' `*_env` variables are read only through credentials.secret (which knows _FILE)."""
    offenders = []
    for path in (ROOT / "hotline").rglob("*.py"):
        if path.is_relative_to(ROOT / "hotline" / "testing"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getenv"):
                text = ast.unparse(node)
                if ("environ" in text or "getenv" in text) and ("_env" in text or "SECRET" in text or "PASSWORD" in text):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert offenders == []

"""Containers set the hotline's settings from the environment: a variable overrides the settings
file, its `_FILE` variant reads a mounted secret, and an unreadable file is a clear error."""

from __future__ import annotations

import pytest

from hotline.errors import ConfigError
from hotline.settings import ENVIRONMENT, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in [*ENVIRONMENT, *(n + "_FILE" for n in ENVIRONMENT), "HOTLINE_SETTINGS_FILE"]:
        monkeypatch.delenv(name, raising=False)


def test_variables_override_the_settings_file(tmp_path, monkeypatch):
    (tmp_path / "hotline.toml").write_text('public_url = "https://file.example"\n[ports]\nbase = 21000\n')
    monkeypatch.setenv("HOTLINE_PORT_BASE", "26000")
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "https://hotline.example.gov.vn")
    settings = load_settings(tmp_path)
    assert settings.ports.base == 26000 and settings.ports.web == 26004
    assert settings.public_url == "https://hotline.example.gov.vn"


def test_a_secret_comes_from_a_mounted_file(tmp_path, monkeypatch):
    secret = tmp_path / "db_url"
    secret.write_text("postgresql+asyncpg://hotline:s3cret@db:5432/hotline\n")
    monkeypatch.setenv("HOTLINE_DATABASE_URL_FILE", str(secret))
    assert load_settings(tmp_path).db_url == "postgresql+asyncpg://hotline:s3cret@db:5432/hotline"


def test_an_unreadable_secret_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="HOTLINE_DATABASE_URL_FILE: cannot read"):
        load_settings(tmp_path)


def test_the_settings_file_may_live_elsewhere(tmp_path, monkeypatch):
    elsewhere = tmp_path / "etc" / "hotline.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('profile = "test_elsewhere"\n')
    monkeypatch.setenv("HOTLINE_SETTINGS_FILE", str(elsewhere))
    assert load_settings(tmp_path / "home").profile == "test_elsewhere"


def test_an_empty_variable_leaves_the_setting_alone(tmp_path, monkeypatch):
    """Compose passes `${HOTLINE_SIP_EDGE:-}` as an empty string on a single node."""
    monkeypatch.setenv("HOTLINE_SIP_EDGE", "")
    monkeypatch.setenv("HOTLINE_NODE_PRIORITY", "")
    settings = load_settings(tmp_path)
    assert settings.sip_edge is None and settings.node_priority == 0


def test_zalo_token_renewal_needs_both_the_secret_key_and_the_refresh_token(tmp_path):
    (tmp_path / "hotline.toml").write_text(
        '[messaging.zalo]\napp_id = "4321"\noa_secret_env = "Z_OA"\naccess_token_env = "Z_TOKEN"\n'
        'refresh_token_env = "Z_REFRESH"\n')
    with pytest.raises(ConfigError, match="messaging.zalo.*app_secret_env and refresh_token_env"):
        load_settings(tmp_path)
    (tmp_path / "hotline.toml").write_text(
        '[messaging.zalo]\napp_id = "4321"\noa_secret_env = "Z_OA"\naccess_token_env = "Z_TOKEN"\n'
        'refresh_token_env = "Z_REFRESH"\napp_secret_env = "Z_APP_SECRET"\n')
    assert load_settings(tmp_path).messaging.zalo.renews

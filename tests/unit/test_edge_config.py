"""The SIP edge's settings are validated with errors naming the file and field, and render a
Kamailio configuration that Kamailio itself accepts."""

from __future__ import annotations

import shutil

import pytest

from hotline.edge import process
from hotline.edge.render import dispatcher_list, render
from hotline.edge.settings import EdgeSettings, load_edge_settings
from hotline.errors import ConfigError

GOOD = '''
listen = "127.0.0.1:35060"
trunk_sources = ["203.0.113.0/28", "10.1.2.3"]
[[nodes]]
name = "a"
sip = "10.0.0.11:25060"
priority = 10
[[nodes]]
name = "b"
sip = "[fd00::12]:25060"
priority = 5
'''


def test_the_settings_file_gives_nodes_in_the_dispatcher_list(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text(GOOD)
    settings, source = load_edge_settings(path)
    assert source == path
    assert settings.trunk_sources == ["203.0.113.0/28", "10.1.2.3/32"]
    lines = dispatcher_list(settings).splitlines()[1:]
    assert lines == ["1 sip:alive@10.0.0.11:25060 0 10 name=a", "1 sip:alive@[fd00::12]:25060 0 5 name=b"]


@pytest.mark.parametrize("text, field", [
    (GOOD.replace('sip = "10.0.0.11:25060"', 'sip = "node-a.example:25060"'), "nodes.0.sip"),
    (GOOD.replace('sip = "10.0.0.11:25060"', 'sip = "10.0.0.11"'), "nodes.0.sip"),
    (GOOD.replace('name = "b"', 'name = "a"'), "(top level)"),
    (GOOD.replace('name = "a"', 'name = "a\\"; exit"'), "nodes.0.name"),
    (GOOD.replace('trunk_sources = ["203.0.113.0/28", "10.1.2.3"]', 'trunk_sources = ["any"]'), "trunk_sources"),
    (GOOD.replace("priority = 10", "priorty = 10"), "nodes.0.priorty"),
    ('listen = "127.0.0.1:5060"\nnodes = []\n', "nodes"),
    ('mode = "both"\n' + GOOD, "mode"),
])
def test_bad_settings_name_the_file_and_the_field(tmp_path, text, field):
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_edge_settings(path)
    assert f"{path}: field '{field}'" in str(err.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such settings file"):
        load_edge_settings(tmp_path / "nowhere.toml")


@pytest.mark.skipif(not shutil.which("kamailio") and not shutil.which("/usr/sbin/kamailio"),
                    reason="kamailio not installed (scripts/setup.sh installs it)")
def test_kamailio_accepts_the_rendered_configuration(tmp_path):
    settings = EdgeSettings.model_validate({
        "listen": "127.0.0.1:35061", "trunk_sources": ["127.0.0.0/8", "10.0.0.0/24"],
        "nodes": [{"name": "a", "sip": "127.0.0.1:25060", "priority": 10}]})
    config = render(settings, tmp_path / "edge", "test")
    text = config.read_text()
    assert 'is_in_subnet("$si", "127.0.0.0/8") || is_in_subnet("$si", "10.0.0.0/24")' in text
    assert 'modparam("tm", "fr_timer", 2000)' in text
    assert 'ds_select_dst("1", "8")' in text  # active-standby by default
    process.check(config)
    shared = render(settings.model_copy(update={"mode": "shared"}), tmp_path / "shared", "test")
    assert 'ds_select_dst("1", "4")' in shared.read_text()
    process.check(shared)


OPERATORS = GOOD + '''
[operators]
ws_listen = "127.0.0.1:38080"
database_url = "postgresql+asyncpg://hotline:s3cret@10.0.0.20:5432/hotline"
origins = ["https://hotline.example.gov.vn"]
'''


@pytest.mark.parametrize("text, field", [
    (OPERATORS.replace('ws_listen = "127.0.0.1:38080"', 'ws_listen = "edge:8080"'), "operators.ws_listen"),
    (OPERATORS.replace("postgresql+asyncpg://", "mysql://"), "operators.database_url"),
    (OPERATORS.replace('database_url = "postgresql+asyncpg://hotline:s3cret@10.0.0.20:5432/hotline"\n', ""),
     "(top level)"),
    (OPERATORS.replace('"https://hotline.example.gov.vn"', '"https://x.vn/\\"; exit"'), "operators.origins"),
])
def test_bad_operator_settings_name_the_field(tmp_path, text, field):
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_edge_settings(path)
    assert f"{path}: field '{field}'" in str(err.value)


def test_the_database_url_may_come_from_a_mounted_file(tmp_path, monkeypatch):
    path = tmp_path / "edge.toml"
    path.write_text(OPERATORS.replace('database_url = "postgresql+asyncpg://hotline:s3cret@10.0.0.20:5432/hotline"\n', ""))
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://edge:other@10.0.0.21:5433/hotline\n")
    monkeypatch.setenv("HOTLINE_EDGE_DATABASE_URL_FILE", str(secret))
    settings, _ = load_edge_settings(path)
    assert settings.operators.database_url == "postgresql://edge:other@10.0.0.21:5433/hotline"
    monkeypatch.setenv("HOTLINE_EDGE_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="HOTLINE_EDGE_DATABASE_URL_FILE: cannot read"):
        load_edge_settings(path)


@pytest.mark.skipif(not shutil.which("kamailio") and not shutil.which("/usr/sbin/kamailio"),
                    reason="kamailio not installed (scripts/setup.sh installs it)")
def test_the_registrar_configuration_is_accepted_and_private(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text(OPERATORS)
    settings, _ = load_edge_settings(path)
    config = render(settings, tmp_path / "edge", path)
    text = config.read_text()
    assert "listen=tcp:127.0.0.1:38080" in text
    assert '"postgres://hotline:s3cret@10.0.0.20:5432/hotline"' in text
    assert 'remove_hf("X-Hotline-Operator")' in text  # nobody but the edge names an operator
    assert '$hdr(Origin) == "https://hotline.example.gov.vn"' in text
    # Digests only, in the realm Asterisk's md5_cred uses; nothing relayed within a call for strangers.
    assert 'modparam("auth_db", "calculate_ha1", no)' in text and 'modparam("auth_db", "password_column", "ha1")' in text
    assert 'auth_check("hotline", "sip_passwords", "1")' in text
    assert "route(IN_DIALOG_SOURCE);\n\t\tif (loose_route())" in text
    assert oct(config.stat().st_mode & 0o777) == "0o600"  # it holds the database password
    process.check(config)

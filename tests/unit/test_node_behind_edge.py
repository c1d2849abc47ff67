"""A node behind the SIP edge: its settings need the edge's WebSocket, and its operators'
endpoints take calls only from the edge, with no password of their own (the edge checked it),
are reached through the edge, and are known by the edge's header."""

from __future__ import annotations

import pytest

from hotline.app import load_checked_profile
from hotline.asterisk.config import render_asterisk_config
from hotline.credentials import Credentials
from hotline.errors import ConfigError
from hotline.settings import ENVIRONMENT, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in [*ENVIRONMENT, *(n + "_FILE" for n in ENVIRONMENT), "HOTLINE_SETTINGS_FILE"]:
        monkeypatch.delenv(name, raising=False)


def test_the_edge_needs_its_websocket_for_the_softphones(tmp_path):
    (tmp_path / "hotline.toml").write_text('sip_edge = "10.0.0.10:5060"\n')
    with pytest.raises(ConfigError, match="ws_public_url"):
        load_settings(tmp_path)
    (tmp_path / "hotline.toml").write_text('sip_edge = "edge.example:5060"\nws_public_url = "wss://x.vn/sip"\n')
    with pytest.raises(ConfigError, match="sip_edge"):
        load_settings(tmp_path)


def test_operators_endpoints_are_reached_through_the_edge(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_SIP_EDGE", "10.0.0.10:5060")
    monkeypatch.setenv("HOTLINE_WS_PUBLIC_URL", "wss://hotline.example.gov.vn/sip")
    settings = load_settings(tmp_path)
    profile = load_checked_profile(settings)
    render_asterisk_config(settings, profile, Credentials("u", "s"))
    pjsip = (settings.asterisk_dir / "etc" / "pjsip.conf").read_text()
    op = profile.queues.phones()[0].id
    section = pjsip[pjsip.index(f"[{op}]\ntype = endpoint"):pjsip.index(f"[{op}]\ntype = aor")]
    assert "auth =" not in section and "permit = 10.0.0.10\n" in section
    assert f"contact = sip:{op}@10.0.0.10:5060" in pjsip
    assert f"match_header = X-Hotline-Operator: {op}" in pjsip
    assert "endpoint_identifier_order = header,ip" in pjsip
    assert settings.ws_url == "wss://hotline.example.gov.vn/sip"

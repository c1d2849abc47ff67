"""The installation's key of the data requests' hashes (hotline.privacy.keys): made once, private,
or given by the environment; hashes keyed by it, one written form per identifier."""

from __future__ import annotations

import stat

import pytest

from hotline.errors import ConfigError
from hotline.privacy.keys import IdentifierHasher, load_or_create_key


def test_the_key_is_made_once_private_or_taken_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_PRIVACY_KEY", raising=False)
    monkeypatch.delenv("HOTLINE_PRIVACY_KEY_FILE", raising=False)
    path = tmp_path / "privacy-key"
    key = load_or_create_key(path)
    assert len(key) >= 32 and load_or_create_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    vault = tmp_path / "vault-key"
    vault.write_text("v" * 40 + "\n")
    monkeypatch.setenv("HOTLINE_PRIVACY_KEY_FILE", str(vault))
    assert load_or_create_key(path) == b"v" * 40
    monkeypatch.setenv("HOTLINE_PRIVACY_KEY", "e" * 32)
    assert load_or_create_key(path) == b"e" * 32
    monkeypatch.setenv("HOTLINE_PRIVACY_KEY", "short")
    with pytest.raises(ConfigError, match="HOTLINE_PRIVACY_KEY: the privacy key must be at least 32"):
        load_or_create_key(path)
    monkeypatch.delenv("HOTLINE_PRIVACY_KEY")
    monkeypatch.setenv("HOTLINE_PRIVACY_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="missing: cannot read the privacy key"):
        load_or_create_key(path)


def test_identifiers_hash_in_one_written_form_and_only_with_the_key():
    h, other = IdentifierHasher(b"k" * 32), IdentifierHasher(b"x" * 32)
    assert h.phone("0912 345 678") == h.phone("+84912345678") == h.phone("84912345678") != other.phone("0912345678")
    assert h.email(" An@Example.vn ") == h.email("an@example.vn")
    assert h.platform("246845883529197922") != h.phone("246845883529197922")  # each kind apart
    assert h.phone(None) is None and h.email("") is None and len(h.platform("1234567")) == 64

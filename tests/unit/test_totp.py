"""The TOTP secrets' key and codes: made once per installation (0600), a bad key named with its
file, secrets that do not decrypt for another user or without the key, codes accepted once."""

import stat

import pyotp
import pytest

from hotline.errors import ConfigError
from hotline.security.totp import Totp, load_or_create_key, normal_recovery_code, qr_svg, recovery_codes


def test_the_key_is_made_once_private_and_a_bad_one_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_TWO_FACTOR_KEY", raising=False)
    monkeypatch.delenv("HOTLINE_TWO_FACTOR_KEY_FILE", raising=False)
    path = tmp_path / "two-factor.key"
    key = load_or_create_key(path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    path.write_text("c2hvcnQ=\n")
    with pytest.raises(ConfigError, match="two-factor.key"):
        load_or_create_key(path)
    monkeypatch.setenv("HOTLINE_TWO_FACTOR_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="missing"):
        load_or_create_key(path)


def test_a_sealed_secret_opens_only_for_its_user_and_key_and_a_code_counts_once():
    now = [1_800_000_000.0]
    totp = Totp(bytes(32), clock=lambda: now[0])
    secret = totp.new_secret()
    sealed = totp.seal(secret, 7)
    assert secret not in sealed and totp.open(sealed, 7) == secret
    assert totp.open(sealed, 8) is None and Totp(bytes([1]) * 32).open(sealed, 7) is None
    code = pyotp.TOTP(secret).at(now[0])
    step = totp.matching_step(secret, code, 0)
    assert step == int(now[0] // 30)
    assert totp.matching_step(secret, code, step) is None  # used: refused
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now[0] + 30), step) == step + 1  # a phone ahead
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now[0] + 90), 0) is None  # too far
    assert totp.matching_step(secret, "12a456", 0) is None


def test_recovery_codes_and_the_qr_code():
    codes = recovery_codes()
    assert len(set(codes)) == 10 and all(len(normal_recovery_code(c)) == 10 for c in codes)
    assert normal_recovery_code(" ABCDE-fghij ") == "abcdefghij"
    assert qr_svg("otpauth://totp/x?secret=ABC").lstrip().startswith("<svg")

"""Logs hold no phone number, e-mail address or platform user id in clear (#29 item 3): the
masking of free text, the filter every handler of `hotline run` carries (messages, arguments,
exceptions), the `log` SMS gateway, and the daily rotation with its retention period."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from pydantic import ValidationError

from hotline.config.privacy import RetentionPolicy
from hotline.notifications.gateways import LogGateway
from hotline.security.logs import MaskingFilter, rotating_file
from hotline.security.masking import mask_email, mask_platform_id, mask_text

ZALO_ID, PSID = "246845883529197922", "6543210987654321"


@pytest.mark.parametrize("written", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "84912345678",
                                     "+84 912 345 678", "02773 851 002"])
def test_phone_numbers_in_any_written_form_are_masked(written):
    out = mask_text(f"callback to {written}, due 10:00")
    assert written not in out and "345" not in out.replace("851", "")
    assert out.startswith("callback to ") and out.endswith(", due 10:00")


def test_addresses_and_platform_ids_are_masked_and_what_identifies_no_one_stays():
    line = (f"e-mail <CAF+x1@mail.example.vn> from Nhung.Pham@example.vn kept; zalo {ZALO_ID} and messenger {PSID}; "
            "call 1764565200.11 ticket 26112029 at 2026-12-07 01:22:34,123 from 127.0.0.1:25060 queue 3 waits 45 s")
    out = mask_text(line)
    for secret in ("Nhung.Pham@example.vn", "CAF+x1@mail.example.vn", ZALO_ID, PSID):
        assert secret not in out
    assert "N***@e***.vn" in out and mask_platform_id(ZALO_ID) == "*" * 14 + "7922" and mask_platform_id(ZALO_ID) in out
    for kept in ("1764565200.11", "26112029", "2026-12-07 01:22:34,123", "127.0.0.1:25060", "queue 3 waits 45 s"):
        assert kept in out  # call ids, ticket codes (masked where logged: mask_code), times, addresses
    assert mask_email("no-domain") == "***" and mask_text("") == ""


def test_the_filter_masks_arguments_and_exceptions_of_every_record(tmp_path):
    path = tmp_path / "hotline.log"
    handler = rotating_file(path, 3)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("test.masking")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        log.warning("no SMS to %s (%s)", "0912345678", {"email": "an@example.vn"})
        try:
            raise ValueError(f"platform refused {ZALO_ID} for an@example.vn")
        except ValueError:
            log.exception("send failed")
        log.info("%d%%", 5)  # an ordinary record is unchanged
    finally:
        log.removeHandler(handler)
        handler.close()
    written = path.read_text()
    assert "091****678" in written and "a***@e***.vn" in written and "ValueError: platform refused" in written
    for secret in ("0912345678", "an@example.vn", ZALO_ID):
        assert secret not in written
    assert written.splitlines()[-1] == "INFO test.masking: 5%"


async def test_the_log_sms_gateway_writes_no_number_or_address(caplog):
    caplog.set_level(logging.INFO, logger="hotline.notifications.gateways")
    await LogGateway().send(7, "0912345678", "Ông/Bà gọi lại 0987 654 321 hoặc viết thư cho an@example.vn")
    [record] = caplog.records
    assert record.getMessage() == "SMS #7 to 091****678: Ông/Bà gọi lại 098****321 hoặc viết thư cho a***@e***.vn"


def test_log_files_are_rotated_daily_keeping_the_profile_s_days(tmp_path):
    path = tmp_path / "hotline.log"
    for day in range(1, 6):  # five days of old files
        (tmp_path / f"hotline.log.2026-11-0{day}").write_text(f"day {day}\n")
    handler = rotating_file(path, 2)
    try:
        assert handler.when == "MIDNIGHT" and handler.backupCount == 2
        logging.getLogger("test.rotation").addHandler(handler)
        handler.doRollover()
    finally:
        logging.getLogger("test.rotation").removeHandler(handler)
        handler.close()
    kept = sorted(p.name for p in tmp_path.glob("hotline.log.*"))
    assert len(kept) == 2 and "hotline.log.2026-11-01" not in kept
    with pytest.raises(ValueError):
        rotating_file(path, 0)
    with pytest.raises(ValidationError):
        RetentionPolicy(logs_days=0)
    assert RetentionPolicy().logs_days == 30


def test_the_process_log_is_masked_on_the_terminal_and_in_the_file(tmp_path):
    """`configure` as `hotline run` calls it, in its own process (it replaces the root handlers)."""
    code = ("import logging, sys; from pathlib import Path; from hotline.security.logs import configure; "
            "configure(Path(sys.argv[1]), 5); "
            "logging.getLogger('aiohttp.access').info('GET /api/data-requests?email=an@example.vn&phone=0912345678')")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "log" / "hotline.log")],
                          capture_output=True, text=True, timeout=60, check=True)
    written = (tmp_path / "log" / "hotline.log").read_text()
    for out in (written, done.stderr):
        assert "email=a***@e***.vn&phone=091****678" in out and "0912345678" not in out

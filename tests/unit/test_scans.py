"""The scanned letters' text job as plain logic: how a recognition's outcome becomes the row's
state (done with the text folded for search, or failed with the reason), the search's words (no
LIKE wildcards), the snippet, and the child processes' failures named (a program overrunning its
wall time is killed; a file tesseract cannot read fails with its reason)."""

from __future__ import annotations

import os

import pytest

from hotline.ticketing.scans import Failed, Recognised, Recogniser, _run, settled, snippet, words


def test_a_recognised_text_is_done_and_folded_for_search():
    row = settled(Recognised("  CÔNG VĂN  số 12\f\n\n\n\nĐường Nguyễn Huệ  "))
    assert row["text_status"] == "done" and row["text_error"] is None
    assert row["text"] == "CÔNG VĂN số 12\n\nĐường Nguyễn Huệ"
    assert row["text_folded"] == "cong van so 12\n\nduong nguyen hue"


def test_a_scan_without_text_is_done_and_empty_and_a_failure_keeps_its_reason():
    assert settled(Recognised("")) == {"text_status": "done", "text_error": None, "text": "", "text_folded": ""}
    failed = settled(Recognised(error="tesseract quá 120 giây " + "x" * 400))
    assert failed["text_status"] == "failed" and failed["text"] is None and failed["text_folded"] is None
    assert failed["text_error"].startswith("tesseract quá 120 giây") and len(failed["text_error"]) == 300


def test_search_words_are_folded_and_carry_no_wildcards():
    assert words("Công văn SỐ 12") == ["cong", "van", "so", "12"]
    assert words("% _ ' OR 1=1 --") == ["or", "1", "1"]  # LIKE's wildcards and quotes dropped
    assert words("so_12 H18.22-261120") == ["so", "12", "h18.22-261120"]
    assert words("26112029") == ["26112029"]
    assert words("   ") == []


def test_the_snippet_shows_the_words_found():
    text = "Kính gửi Tổng đài. " * 20 + "Công văn số 12 về đường Nguyễn Huệ. " + "Trân trọng. " * 20
    piece = snippet(text, ["nguyen hue"])
    assert "Nguyễn Huệ" in piece and piece.startswith("…") and piece.endswith("…")
    assert snippet("Ngắn gọn", ["khong"]) == "Ngắn gọn"


async def test_a_program_past_its_wall_time_is_killed_and_named():
    with pytest.raises(Failed, match="sleep quá 0.2 giây"):
        await _run(["sleep", "30"], 0.2)


async def test_a_missing_program_or_an_unreadable_scan_fails_with_the_reason(tmp_path):
    with pytest.raises(Failed, match="chưa được cài đặt"):
        await _run(["khong-co-chuong-trinh-nay"], 5)
    broken = tmp_path / "hong.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    r = await Recogniser().recognise(broken, "image/png")
    assert r.text is None and r.error.startswith("tesseract lỗi")
    r = await Recogniser().recognise(tmp_path / "hong.pdf", "application/pdf")
    assert r.text is None and r.error.startswith("pdftoppm lỗi")


async def test_a_scan_that_decompresses_past_the_memory_limit_fails_with_the_reason(tmp_path):
    """A small file of a huge page (a decompression bomb) is refused by the limit, named as such;
    an ordinary page is read under the same limit."""
    from PIL import Image, ImageDraw

    limited = Recogniser(memory_bytes=256 * 2**20)
    page = tmp_path / "trang.png"
    img = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(img).text((10, 40), "Cong van 123", fill=0)
    img.save(page)
    assert (await limited.recognise(page, "image/png")).text.strip()
    bomb = tmp_path / "bom.png"
    Image.new("L", (12000, 12000), 255).save(bomb)  # 170 KB on disk, 144 MB of pixels
    assert bomb.stat().st_size < 1_000_000
    r = await limited.recognise(bomb, "image/png")
    assert r.text is None and "giới hạn bộ nhớ 256 MiB" in r.error


async def test_the_recognisers_run_below_the_control_plane_s_priority():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -5)  # as `hotline run` does (root; elsewhere left as it is)
    except PermissionError:
        pass
    try:
        out = await _run(["sh", "-c", "nice"], 10, 256 * 2**20)
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, before)
    assert int(out) >= 10

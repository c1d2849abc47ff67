"""A scanned letter for tests: Vietnamese text rendered to a PNG by headless Chromium (black on
white, a plain font, as a flatbed scanner gives it), or printed to a PDF."""

from __future__ import annotations

import html

from hotline.testing.browser import CHROMIUM, FLAGS

LETTER = ["ỦY BAN NHÂN DÂN XÃ TÂN MỸ", "Công văn số 12/UBND", "V/v sửa chữa đường Nguyễn Huệ bị sụt lún",
          "Kính gửi: Tổng đài 1022 tỉnh Đồng Tháp"]


async def letter_png(lines: list[str] = LETTER, playwright=None) -> bytes:
    return (await letter_files(lines, playwright))[0]


async def letter_files(lines: list[str] = LETTER, playwright=None) -> tuple[bytes, bytes]:
    """The letter as a PNG image and as a one-page PDF (with the caller's Playwright, if given)."""
    if playwright is None:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            return await letter_files(lines, p)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    try:
        page = await browser.new_page(viewport={"width": 1100, "height": 80 + 70 * len(lines)})
        await page.set_content("<html><body style='margin:40px;background:#fff;color:#000;"
                               f"font:34px DejaVu Sans,sans-serif'>{body}</body></html>")
        return await page.screenshot(type="png", full_page=True), await page.pdf(format="A4")
    finally:
        await browser.close()

"""The administrator keeps the agency directory in the browser."""

import pytest

from hotline.testing.browser import launch, log_in
from tests.integration.desktop_support import base_url

pytestmark = pytest.mark.integration


async def test_an_administrator_adds_and_edits_an_agency_in_the_browser(playwright_session, desktop_line, store):
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(desktop_line), "quantri-web", await store.user("quantri-web", "admin"))
        assert page.url.endswith("/admin")
        await page.fill("input[name=name]", "Công an phường Mỹ Phú")
        await page.select_option("select[name=level]", "vertical")
        await page.check("#fields input[value=infrastructure]")
        await page.fill("input[name=phone]", "0277 3 852 113")
        await page.fill("input[name=focal_name]", "Đỗ Văn Mạnh")
        await page.fill("input[name=focal_phone]", "0911.000.009")
        # The communes it serves, picked by typing an old name without diacritics (Tân Công Chí is
        # part of Xã Tân Hồng since 1 July 2025).
        await page.fill("#commune-search", "tan cong chi")
        await page.locator("#communes .address-choices li", has_text="Xã Tân Hồng").first.click(timeout=5000)
        await page.locator("#commune-list li", has_text="Xã Tân Hồng").wait_for(timeout=5000)
        await page.click("#save")
        await page.wait_for_function("document.getElementById('saved').textContent === 'Đã lưu'", timeout=10000)
        row = page.locator("#agencies tbody tr", has_text="Công an phường Mỹ Phú")
        await row.wait_for(timeout=5000)
        assert "02773852113" in await row.text_content() and "Đỗ Văn Mạnh (0911000009)" in await row.text_content()
        # A bad number is refused with a message that names the field; nothing is lost.
        await row.locator("button").click()
        await page.fill("input[name=phone]", "0277<script>")
        await page.click("#save")
        await page.wait_for_function("document.getElementById('form-error').textContent.includes('Số điện thoại')",
                                     timeout=10000)
        await page.fill("input[name=phone]", "02773852114")
        await page.click("#save")
        await page.wait_for_function("document.getElementById('saved').textContent === 'Đã lưu'", timeout=10000)
        await page.locator("#agencies tbody tr", has_text="02773852114").wait_for(timeout=5000)
        await page.click("#new")  # the form emptied, then the agency opened again: its commune is kept
        assert await page.locator("#commune-list li").count() == 0
        await row.locator("button").click()
        await page.locator("#commune-list li", has_text="Xã Tân Hồng, Đồng Tháp").wait_for(timeout=5000)
    finally:
        await ctx.close()

"""The pages read well where they are used: the citizens' pages on a 360 px phone and on a desktop,
the operators' pages on a 1366×768 screen (real Chromium, real server). Each page is also
photographed; with HOTLINE_SCREENSHOTS=<folder> the pictures are kept there (docs/screenshots)."""

import os
import tempfile
from pathlib import Path

import pytest

from hotline.testing.browser import CHROMIUM, FLAGS

from tests.integration.desktop_support import base_url

pytestmark = pytest.mark.integration

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
PUBLIC_PAGES = {"phan-anh": "#report-form", "tra-cuu": "#lookup-form", "ket-qua": "#results",
                "ket-qua/ban-do": "#results-map"}
SHOTS = Path(os.environ.get("HOTLINE_SCREENSHOTS") or tempfile.mkdtemp(prefix="shots-"))

MEASURE = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  const fields = [...document.querySelectorAll(selector + ' input:not([type=checkbox]):not([type=hidden]), '
                                               + selector + ' textarea, ' + selector + ' select')];
  return {page: document.documentElement.scrollWidth, view: innerWidth, left: box.left, right: innerWidth - box.right,
          width: box.width, narrowest: Math.min(...fields.map(f => f.getBoundingClientRect().width), box.width)};
}"""


@pytest.fixture(scope="module")
async def chromium(playwright_session):
    browser = await playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield browser
    await browser.close()


async def measure(chromium, url: str, viewport: dict, selector: str, shot: str) -> dict:
    context = await chromium.new_context(viewport=viewport)
    try:
        page = await context.new_page()
        await page.goto(url)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
        return await page.evaluate(MEASURE, selector)
    finally:
        await context.close()


@pytest.mark.parametrize("path", sorted(PUBLIC_PAGES))
async def test_a_citizens_page_uses_the_whole_width_of_a_phone(chromium, desktop_line, path):
    m = await measure(chromium, f"{base_url(desktop_line)}/{path}", PHONE, PUBLIC_PAGES[path],
                      f"public-{path.replace('/', '-')}-360")
    assert m["page"] <= m["view"], m  # nothing to scroll sideways
    assert m["width"] >= 0.85 * m["view"], m  # the form or list spans the screen
    assert m["narrowest"] >= 0.8 * m["width"], m  # and so does every field


@pytest.mark.parametrize("path", sorted(PUBLIC_PAGES))
async def test_a_citizens_page_is_one_centred_readable_column_on_a_desktop(chromium, desktop_line, path):
    m = await measure(chromium, f"{base_url(desktop_line)}/{path}", DESKTOP, PUBLIC_PAGES[path],
                      f"public-{path.replace('/', '-')}-1366")
    assert m["page"] <= m["view"], m
    assert 560 <= m["width"] <= 800, m  # a column one reads, not a sliver beside an empty page
    assert abs(m["left"] - m["right"]) < 24, m  # centred
    assert m["narrowest"] >= 0.8 * m["width"], m

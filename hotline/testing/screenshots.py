"""Photograph every page of a running demo hotline, for the docs (docs/screenshots):

    .venv/bin/python -m hotline.testing.screenshots --home var --out docs/screenshots

Staff pages at 1366×768 (the operator's with a caller ringing, placed with SIPp), the wallboard
at 1920×1080, the citizens' pages at 360 px (a phone) and 1366 px. Logs in with the demo accounts
of `<home>/demo-accounts.toml`."""

from __future__ import annotations

import argparse
import asyncio
import tomllib
from pathlib import Path

from hotline.settings import load_settings
from hotline.testing.browser import CHROMIUM, FLAGS, on_start_page

DESKTOP = {"width": 1366, "height": 768}
STAFF = [("op1", "/operator", DESKTOP), ("giamsat", "/supervisor", DESKTOP), ("giamsat", "/wallboard",
         {"width": 1920, "height": 1080}), ("giamsat", "/reports", DESKTOP), ("giamsat", "/recordings", DESKTOP),
         ("quantri", "/admin", DESKTOP), ("daumoi", "/agency", DESKTOP)]
PUBLIC = ["/phan-anh", "/tra-cuu", "/ket-qua"]


async def second_factor(page) -> None:
    """An administrator of the demo enrols a second factor at the first log-in: the code is made
    here from the secret the page shows (as a phone app would), and the recovery codes passed."""
    import pyotp

    await page.wait_for_function("!location.pathname.endsWith('/login') || "
                                 "!document.getElementById('code-form').hidden")
    if not page.url.endswith("/login") or await page.is_hidden("#enrol"):
        return  # none asked (enrolled before: `hotline user reset-two-factor quantri` lets this run enrol)
    await page.wait_for_function("document.getElementById('enrol-secret').textContent !== ''")
    await page.fill("#code", pyotp.TOTP((await page.text_content("#enrol-secret")).strip()).now())
    await page.click("#code-button")
    await page.click("#recovery-done")


async def shoot(home: Path, out: Path) -> None:
    from playwright.async_api import async_playwright

    settings = load_settings(home)
    base = f"http://127.0.0.1:{settings.ports.web}"
    passwords = tomllib.loads((settings.home / "demo-accounts.toml").read_text())
    out.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        for user, path, viewport in STAFF:
            context = await browser.new_context(viewport=viewport, permissions=["microphone"], bypass_csp=True)
            page = await context.new_page()
            await page.goto(f"{base}/login")
            await page.fill("#username", user)
            await page.fill("#password", passwords[user])
            await page.click("#login-button")
            await second_factor(page)
            await page.wait_for_url(on_start_page)
            await page.goto(base + path)
            await asyncio.sleep(4)
            caller = None
            if path == "/operator":  # a caller rings: the pop and the call bar
                caller = await asyncio.create_subprocess_exec(
                    str(Path(__file__).resolve().parents[2] / ".venv/bin/python"), "-m", "hotline.testing.call", "1022",
                    "--keys", "2", "--seconds", "30", "--caller", "0912345678",
                    "--target", f"127.0.0.1:{settings.ports.sip}")
                await page.wait_for_function("document.getElementById('call-bar').dataset.phase === 'ringing'",
                                             timeout=30000)
            await page.screenshot(path=str(out / f"{path.strip('/')}-{viewport['width']}.png"))
            if caller:
                caller.kill()
                await caller.wait()
            await context.close()
        for path in PUBLIC:
            for width in (360, 1366):
                context = await browser.new_context(viewport={"width": width, "height": 740 if width == 360 else 768})
                page = await context.new_page()
                await page.goto(base + path)
                await page.screenshot(path=str(out / f"public-{path.strip('/')}-{width}.png"), full_page=True)
                await context.close()
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=Path("var"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    asyncio.run(shoot(args.home, args.out))


if __name__ == "__main__":
    main()

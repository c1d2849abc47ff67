"""Headless Chromium (Debian's package) driven by Playwright, with the flags a WebRTC softphone
needs on a machine without a screen, microphone or internet."""

from __future__ import annotations

import tempfile

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
         "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
         "--autoplay-policy=no-user-gesture-required"]


async def launch(playwright, ignore_https_errors: bool = False):
    """A fresh persistent context (own profile folder) in headless Chromium. `ignore_https_errors`
    for a server with a self-signed certificate (the container stack's proxy under test)."""
    profile = tempfile.mkdtemp(prefix="chromium-")
    args = FLAGS + (["--ignore-certificate-errors"] if ignore_https_errors else [])  # also for wss://
    return await playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=args, permissions=["microphone"],
        ignore_https_errors=ignore_https_errors,
        bypass_csp=True)  # lets the test driver evaluate expressions; the pages keep their CSP


async def log_in(context, base_url: str, username: str, password: str):
    page = await context.new_page()
    await page.goto(f"{base_url}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-button")
    await page.wait_for_url(lambda url: not url.endswith("/login"))
    return page


async def launch_browser(playwright):
    """One shared headless Chromium, for many light contexts (benchmarks)."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


async def new_context(browser):
    return await browser.new_context(bypass_csp=True, permissions=["microphone"])

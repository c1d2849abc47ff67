"""Headless Chromium (Debian's package) driven by Playwright, with the flags a WebRTC softphone
needs on a machine without a screen, microphone or internet."""

from __future__ import annotations

from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
         "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
         "--autoplay-policy=no-user-gesture-required"]


_browsers: dict = {}  # (playwright, ignore_https_errors) → this process's Chromium for them


async def launch(playwright, ignore_https_errors: bool = False):
    """A fresh context (its own cookies, storage and pages) in this process's headless Chromium,
    started on first use and shared by the contexts after it (a browser start is about a second
    of CPU; a context is a few milliseconds). `ignore_https_errors` for a server with a
    self-signed certificate (the container stack's proxy under test): a browser of its own."""
    key = (id(playwright), ignore_https_errors)
    browser = _browsers.get(key)
    if browser is None or not browser.is_connected():
        args = FLAGS + (["--ignore-certificate-errors"] if ignore_https_errors else [])  # also for wss://
        browser = _browsers[key] = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                    args=args)
    return await new_context(browser, ignore_https_errors)


def open_contexts() -> list:
    """Every context open in this process's shared browsers."""
    return [context for browser in _browsers.values() if browser.is_connected() for context in browser.contexts]


def on_start_page(url: str) -> bool:
    """Past the log-in: the log-in page goes to "/", which the server sends on to the role's page."""
    return urlsplit(url).path not in ("/login", "/")


async def log_in(context, base_url: str, username: str, password: str):
    page = await context.new_page()
    await page.goto(f"{base_url}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-button")
    await page.wait_for_url(on_start_page)
    return page


async def launch_browser(playwright):
    """One shared headless Chromium, for many light contexts (benchmarks)."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


async def new_context(browser, ignore_https_errors: bool = False):
    return await browser.new_context(
        permissions=["microphone"], ignore_https_errors=ignore_https_errors,
        bypass_csp=True)  # lets the test driver evaluate expressions; the pages keep their CSP

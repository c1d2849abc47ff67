"""The one-stop system's HTTP API (contract in docs/interfaces.md, "Application status"):

    GET {url}/applications/{code}      Authorization: Bearer <token>, Accept: application/json
    200 {"code": "...", "status": "in_progress", "procedure": "...", "agency": "...",
         "received_on": "2026-11-20", "due_on": "2026-12-04"}
    404 no such application
    400, 410, 414, 422: the system refuses this code (the caller's own input): no such application

`code` is the receipt number as printed, or only its digits (a caller's keypad). Anything else
(another status code: 401 or 403 for a wrong token, 429, 5xx, a body we cannot read, a status outside the list, no answer within the
timeout) is a failure: tried again `retries` times, then `Unavailable`; the circuit breaker
answers `Unavailable` at once while the system is known to be down."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from urllib.parse import quote

import aiohttp

from hotline.applications.breaker import CircuitBreaker
from hotline.applications.status import Application, Unavailable
from hotline.config.menu import APPLICATION_STATUSES
from hotline.credentials import secret
from hotline.settings import Applications

log = logging.getLogger(__name__)

# Answers about the code asked (the caller's keypad), not about the system: the caller hears that
# there is no such application, and the system counts as up (the breaker is not moved towards open).
NOT_THIS_CODE = frozenset({400, 404, 410, 414, 422})


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def parse(body: dict) -> Application:
    """An application from the system's answer; ValueError when the answer is not the contract's."""
    if not isinstance(body, dict) or body.get("status") not in APPLICATION_STATUSES:
        raise ValueError(f"unexpected answer: status {body.get('status') if isinstance(body, dict) else body!r}")
    text = {k: str(body.get(k) or "")[:500] for k in ("code", "procedure", "agency")}
    return Application(text["code"], body["status"], text["procedure"], text["agency"],
                       _date(body.get("received_on")), _date(body.get("due_on")))


class HttpSource:
    def __init__(self, settings: Applications):
        self.settings = settings
        self.url = (settings.url or "").rstrip("/")
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _headers(self) -> dict:
        headers = {"Accept": "application/json"}
        token = secret(self.settings.token_env) or None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def find(self, code: str) -> Application | None:
        if self.breaker.is_open:
            raise Unavailable("the one-stop system failed just now; not asked again yet")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds))
        error = ""
        for attempt in range(1 + self.settings.retries):
            try:
                async with self._session.get(f"{self.url}/applications/{quote(code, safe='')}",
                                             headers=self._headers()) as r:
                    if r.status in NOT_THIS_CODE:
                        self.breaker.succeeded()
                        return None
                    if r.status != 200:
                        raise ValueError(f"HTTP {r.status}")
                    app = parse(await r.json(content_type=None))
                self.breaker.succeeded()
                return app
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("application look-up, try %d: %s", attempt + 1, error)
        self.breaker.failed()
        raise Unavailable(error)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

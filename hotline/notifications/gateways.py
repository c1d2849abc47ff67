"""SMS gateways: where the outbox hands messages over. A gateway either accepts a message
(returns normally) or raises `GatewayError` with the reason, and the outbox retries later."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from hotline.credentials import secret
from hotline.security.masking import mask_phone, mask_text
from hotline.settings import Sms

log = logging.getLogger(__name__)


class GatewayError(Exception):
    pass


class LogGateway:
    """The default: nothing leaves the machine; each message is written to the log, the number and
    whatever the text quotes of phones, addresses and ids masked (and stays in the outbox table,
    marked sent)."""

    name = "log"

    async def send(self, message_id: int, to: str, text: str) -> None:
        log.info("SMS #%d to %s: %s", message_id, mask_phone(to), mask_text(text))

    async def close(self) -> None:
        pass


class HttpGateway:
    """A generic HTTP gateway: POST {"id", "to", "text"} as JSON; any 2xx is accepted. The
    message id lets the gateway drop a duplicate if a retry follows a lost response."""

    name = "http"

    def __init__(self, url: str, token: str | None, timeout: float = 10):
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    async def send(self, message_id: int, to: str, text: str) -> None:
        try:
            async with self.session.post(self.url, json={"id": message_id, "to": to, "text": text},
                                         headers=self.headers) as resp:
                if resp.status // 100 != 2:
                    raise GatewayError(f"HTTP {resp.status}: {(await resp.text())[:200]}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        await self.session.close()


def make_gateway(settings: Sms):
    if settings.gateway == "http":
        token = secret(settings.token_env) or None
        return HttpGateway(settings.url, token)
    return LogGateway()

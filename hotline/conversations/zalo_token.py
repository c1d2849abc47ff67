"""The Zalo OA's access token, renewed before it expires (it lasts about a day). The renewal is
Zalo's OAuth v4 refresh as documented: a form POST of the app id, the refresh token and
`grant_type=refresh_token`, with the app's secret key in the `secret_key` header; the answer
holds the new access token, the next refresh token (each one is used once) and `expires_in`
seconds. The pair is kept in the database (every node sends with the same token; a restart keeps
the chain); one node renews at a time (a lease), and of two renewals at once only the one that
used the stored refresh token is kept. A failed renewal keeps the current token, records the
reason and is tried again at the next check."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.credentials import secret
from hotline.notifications.gateways import GatewayError
from hotline.settings import Zalo
from hotline.store.base import aware
from hotline.store.platform_tokens import PlatformToken

log = logging.getLogger(__name__)
PLATFORM = "zalo"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ZaloToken:
    """Made only when the settings give the secret key and the refresh token (`Zalo.renews`)."""

    def __init__(self, sessions: async_sessionmaker, config: Zalo, lease: Lease | None = None,
                 check_seconds: float = 300, timeout: float = 15):
        self.sessions = sessions
        self.config = config
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._loop = Periodic("zalo token", self.renew_if_due, check_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop
        self._refused = False

    def refused(self) -> None:
        """Zalo refused the token (revoked, or expired early): renew now, whatever its expiry."""
        self._refused = True
        self._loop.wake()

    def _seed(self) -> str:
        return secret(self.config.refresh_token_env)

    async def _row(self) -> PlatformToken | None:
        async with self.sessions() as s:
            row = await s.get(PlatformToken, PLATFORM)
        # A new refresh token in the environment (the chain broke and was set up again) wins.
        return row if row is not None and row.seed_hash == _sha(self._seed()) else None

    async def current(self) -> str:
        """The access token to send with: the renewed one, else the environment's."""
        row = await self._row()
        return row.access_token if row is not None else secret(self.config.access_token_env)

    async def renew_if_due(self, now: datetime | None = None) -> bool:
        """Renew when none was renewed yet (the environment's token has an unknown age) or the
        renewed one expires within `renew_before_minutes`; returns whether it renewed."""
        now = now or datetime.now(timezone.utc)
        seed = self._seed()
        if not seed:
            return False
        row = await self._row()
        refused, self._refused = self._refused, False
        if row is not None and not refused and \
                aware(row.expires_at) - now > timedelta(minutes=self.config.renew_before_minutes):
            return False
        used = row.refresh_token if row is not None else seed
        try:
            access, refresh, expires_in = await self._refresh(used)
        except GatewayError as exc:
            if row is not None:
                async with self.sessions() as s, s.begin():
                    await s.execute(update(PlatformToken).where(PlatformToken.platform == PLATFORM)
                                    .values(last_error=str(exc)[:500]))
            raise
        values = {"access_token": access, "refresh_token": refresh, "expires_at": now + timedelta(seconds=expires_in),
                  "renewed_at": now, "seed_hash": _sha(seed), "last_error": None}
        try:
            async with self.sessions() as s, s.begin():
                if row is None:  # the chain begins (again): whatever was kept goes
                    old = await s.get(PlatformToken, PLATFORM)
                    if old is None:
                        s.add(PlatformToken(platform=PLATFORM, **values))
                    else:
                        for name, value in values.items():
                            setattr(old, name, value)
                else:  # only over the pair this renewal started from
                    done = await s.execute(update(PlatformToken).where(
                        PlatformToken.platform == PLATFORM, PlatformToken.refresh_token == used).values(**values))
                    if done.rowcount != 1:
                        log.warning("Zalo token: another renewal was kept first")
                        return False
        except IntegrityError:
            log.warning("Zalo token: another node kept its renewal first")
            return False
        log.info("Zalo access token renewed; expires %s", values["expires_at"].isoformat())
        return True

    async def _refresh(self, refresh_token: str) -> tuple[str, str, int]:
        headers = {"secret_key": secret(self.config.app_secret_env)}
        form = {"refresh_token": refresh_token, "app_id": self.config.app_id, "grant_type": "refresh_token"}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                async with http.post(self.config.token_url, data=form, headers=headers) as r:
                    body = await r.json(content_type=None) if r.status < 500 else None
                    status = r.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise GatewayError(f"zalo token: {type(exc).__name__}: {exc}") from exc
        if status != 200 or not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            # Errors come back as {"error": <negative code>, "error_name": ..., "error_description": ...}
            detail = {k: body.get(k) for k in ("error", "error_name", "error_description")} if isinstance(body, dict) \
                else None
            raise GatewayError(f"zalo token: HTTP {status} {detail}")
        try:
            expires_in = int(body.get("expires_in", 0))
        except (TypeError, ValueError):
            expires_in = 0
        return str(body["access_token"]), str(body["refresh_token"]), max(expires_in, 60) if expires_in else 3600

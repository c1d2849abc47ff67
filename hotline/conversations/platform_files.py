"""Fetching the files citizens send on Zalo and Messenger: the webhook event only says where the
platform keeps each one. A file is fetched only from the platforms' own hosts (`file_hosts`: a
domain and its subdomains over HTTPS, or an exact origin such as `http://127.0.0.1:8080`), following
at most three redirects that stay there, within a size limit and a time limit; what comes back is
then checked like an upload by the caller."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import aiohttp

from hotline.errors import Refused
from hotline.notifications.gateways import GatewayError

MAX_REDIRECTS = 3


def allowed(url: str, hosts: list[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for entry in hosts:
        entry = entry.lower().rstrip("/")
        if "://" in entry:
            if origin == entry:
                return True
        elif parts.scheme == "https" and (host == entry or host.endswith("." + entry)):
            return True
    return False


class PlatformFiles:
    def __init__(self, hosts: list[str], max_bytes: int, timeout: float = 30):
        self.hosts = hosts
        self.max_bytes = max_bytes
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self, url: str) -> bytes:
        """The file's bytes. Refused: not to be fetched at all (a host that is not the platform's,
        too large); GatewayError: the platform did not give it now (worth another try)."""
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                for _ in range(MAX_REDIRECTS + 1):
                    if not allowed(url, self.hosts):
                        raise Refused(422, f"Tệp ở địa chỉ không thuộc nền tảng ({urlsplit(url).hostname})")
                    async with http.get(url, allow_redirects=False) as r:
                        if r.status in (301, 302, 303, 307, 308) and "Location" in r.headers:
                            url = urljoin(url, r.headers["Location"])
                            continue
                        if r.status != 200:
                            raise GatewayError(f"HTTP {r.status}")
                        if (r.content_length or 0) > self.max_bytes:
                            raise Refused(413, f"Tệp vượt quá {self.max_bytes // (1024 * 1024)} MB")
                        data = await r.content.read(self.max_bytes + 1)
                        if len(data) > self.max_bytes:
                            raise Refused(413, f"Tệp vượt quá {self.max_bytes // (1024 * 1024)} MB")
                        return data
                raise Refused(422, "Quá nhiều lần chuyển hướng")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc

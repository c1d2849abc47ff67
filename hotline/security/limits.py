"""Rate limits: how many times a key (an address, an account, a phone number) may do something in
a sliding window. In memory: they slow an attacker down; what must last (lock-outs, the daily SMS
cap) is counted in the database. An IPv6 client is counted by its /64: one subscriber line gets a
whole /64 and could otherwise pick a new address for each try."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque

IPV6_PREFIX = 64


def address_key(key: str) -> str:
    """What a limit counts for `key`: an IPv6 address becomes its /64 network (an IPv4 address
    mapped into IPv6 becomes that IPv4 address); anything else (IPv4, a user name, a phone
    number) stays as it is."""
    if ":" not in key:
        return key
    try:
        ip = ipaddress.ip_address(key.split("%", 1)[0])
    except ValueError:
        return key
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return key


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000, clock=time.monotonic):
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._prune(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]
        while len(self._hits) >= self.max_keys:  # still full: forget the oldest keys
            del self._hits[next(iter(self._hits))]

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may act again, or None when it may act now."""
        now = self.clock()
        hits = self._recent(address_key(key), now)
        if len(hits) < self.limit:
            return None
        return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        now = self.clock()
        self._recent(address_key(key), now).append(now)

    def take(self, key: str) -> int | None:
        """Count one use of `key` if allowed; else the seconds to wait (nothing counted)."""
        wait = self.retry_after(key)
        if wait is None:
            self.hit(key)
        return wait

    def clear(self, key: str) -> None:
        self._hits.pop(address_key(key), None)

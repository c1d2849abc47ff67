"""The client's address: the TCP peer, or behind a trusted reverse proxy, the address that proxy
reports in its header. A header from anyone else is ignored (it could say anything). Limits per
address count an IPv6 client by its /64 (`limits.address_key`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class ProxyTrust:
    proxies: tuple = ()  # networks of the reverse proxies in front of the hotline
    header: str = "X-Forwarded-For"

    @classmethod
    def of(cls, proxies: list[str], header: str) -> "ProxyTrust":
        return cls(tuple(ipaddress.ip_network(p, strict=False) for p in proxies), header)

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)


TRUST_KEY = web.AppKey("proxy_trust", ProxyTrust)


def client_address(request: web.Request) -> str:
    trust = request.app.get(TRUST_KEY) or ProxyTrust()
    peer = request.remote or ""
    if not trust.proxies or not trust.trusted(peer):
        return peer
    # X-Forwarded-For: client, proxy1, proxy2 — the right-most address not one of ours.
    hops = [h.strip() for h in request.headers.get(trust.header, "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trust.trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer

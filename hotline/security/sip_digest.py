"""SIP digest credentials: what Asterisk and the edge keep instead of a softphone's password.

HA1 = MD5(user:realm:password) (RFC 2617/3261), in one realm shared by every node and the edge,
so that the same row serves Asterisk's `md5_cred` and Kamailio's auth_db (`calculate_ha1 = no`).
A stolen row lets one answer that realm's challenges for that phone until the password is
replaced (each desktop session issues a new one), never learn the password itself."""

from __future__ import annotations

import hashlib

SIP_REALM = "hotline"


def ha1(user: str, password: str, realm: str = SIP_REALM) -> str:
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()

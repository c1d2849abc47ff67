"""Ports for the processes tests and benchmarks start (hotlines, SIPp phones, PostgreSQL).

They are taken below the kernel's ephemeral range (32768-60999 by default): outgoing connections,
the application's own AMI and database clients among them, take their local ports from that range
at random, so a port found free there may be taken before the process meant to bind it starts."""

from __future__ import annotations

import socket

HOTLINES = 21060  # hotline instances: base..base+6 each (see settings.Ports), 20 apart
BENCH_HOTLINES = 22060
PHONES = range(23000, 29000, 20)  # SIPp callers: SIP on the port, media 10 above
SERVERS = 29000  # helper servers (PostgreSQL, SMTP) up to the RTP windows at 30000


def ports_free(base: int, count: int = 7) -> bool:
    """Nothing bound on base..base+count: IPv4 loopback, and the IPv6 loopback where the
    softphones' WebSocket binds (base+2) by default."""
    for port in range(base, base + count):
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                try:
                    with socket.socket(family, kind) as s:
                        s.bind((host, port))
                except OSError as exc:
                    if family == socket.AF_INET6 and exc.errno in (97, 99):  # no IPv6 (loopback) here
                        break
                    return False
    return True


def free_port_base(start: int, step: int = 10, count: int = 7) -> int:
    base = start
    while not ports_free(base, count):
        base += step
    return base


_next_server = SERVERS


def free_server_port() -> int:
    """One free port for a helper server, a different one at each call in this process."""
    global _next_server
    port = free_port_base(_next_server, 1, 1)
    _next_server = port + 1 if port + 1 < 30000 else SERVERS
    return port

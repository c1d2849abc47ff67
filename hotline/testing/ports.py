"""Ports for the processes tests and benchmarks start (hotlines, SIPp phones, PostgreSQL).

They are taken below the kernel's ephemeral range (32768-60999 by default): outgoing connections,
the application's own AMI and database clients among them, take their local ports from that range
at random, so a port found free there may be taken before the process meant to bind it starts.

The tests run in parallel (pytest-xdist workers gw0, gw1, ...): each worker takes its own share of
every range, so that two workers never race to bind the same port. Outside pytest-xdist (and in
the benchmarks) the one process has the whole of each range."""

from __future__ import annotations

import os
import socket

# hotline instances: base..base+6 each (see settings.Ports), 10 apart; an agency's phone (SIPp,
# hotline/testing/agency_phone.py) answers on base+6 with its media on base+1006, below PHONES.
HOTLINE_RANGE = (21060, 22060)
BENCH_HOTLINES = 22060
PHONE_RANGE = (23100, 29000)  # SIPp callers, 20 apart: SIP on the port, media 10 above
SERVER_RANGE = (29000, 30000)  # helper servers (PostgreSQL, SMTP, IMAP, edges, proxies)
RTP_RANGE = (30000, 32768)  # the Asterisk instances' RTP windows


def worker() -> tuple[int, int]:
    """(index, count) of this pytest-xdist worker; (0, 1) outside pytest-xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not name.startswith("gw"):
        return 0, 1
    index = int(name[2:])
    return index, max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), index + 1)


def share(bounds: tuple[int, int], step: int = 1) -> range:
    """This worker's slice of `bounds` (start, stop), a multiple of `step` long and aligned on it."""
    index, count = worker()
    size = (bounds[1] - bounds[0]) // count // step * step
    if size < step:
        raise RuntimeError(f"{count} test workers are too many for the ports {bounds[0]}-{bounds[1]}")
    begin = bounds[0] + index * size
    return range(begin, begin + size, step)


HOTLINES = share(HOTLINE_RANGE, 20).start
PHONES = share(PHONE_RANGE, 20)
SERVERS = share(SERVER_RANGE).start


def rtp_window() -> tuple[int, int] | None:
    """The RTP ports of this worker's Asterisk instances (first, last); None outside pytest-xdist,
    where the instances keep their default window (settings.Ports)."""
    if worker()[1] == 1:
        return None
    ports = share(RTP_RANGE, 2)
    return ports.start, ports.stop - 1


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


class _Rotation:
    """Hands out the free slots of one range in turn, wrapping around at its end: slots released
    by stopped processes are used again, and a slot is never looked for outside the range."""

    def __init__(self, slots: range, count: int):
        self.slots, self.count, self.next = slots, count, 0

    def take(self) -> int:
        for i in range(len(self.slots)):
            slot = self.slots[(self.next + i) % len(self.slots)]
            if ports_free(slot, self.count):
                self.next = (self.next + i + 1) % len(self.slots)
                return slot
        raise RuntimeError(f"no free ports left in {self.slots.start}-{self.slots.stop - 1}")


_hotlines: _Rotation | None = None
_servers: _Rotation | None = None


def free_hotline_base() -> int:
    """The base of a hotline instance's ports, in this worker's share, a different one at each
    call while free ones remain."""
    global _hotlines
    _hotlines = _hotlines or _Rotation(share(HOTLINE_RANGE, 10), 7)
    return _hotlines.take()


def free_server_port() -> int:
    """One free port for a helper server, in this worker's share, a different one at each call."""
    global _servers
    _servers = _servers or _Rotation(share(SERVER_RANGE), 1)
    return _servers.take()

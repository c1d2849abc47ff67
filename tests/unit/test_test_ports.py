"""The parallel test workers' ports (hotline/testing/ports.py): each worker's share of every range
is its own, whatever the number of workers, so two workers never race to bind one port."""

from __future__ import annotations

import pytest

from hotline.testing import ports


def used_by(monkeypatch, index: int, count: int) -> dict[str, set[int]]:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
    hotlines = {p for base in ports.share(ports.HOTLINE_RANGE, 10) for p in range(base, base + 7)}
    agency_media = {base + 1006 for base in ports.share(ports.HOTLINE_RANGE, 10)}  # an agency phone's media
    phones = {p for sip in ports.share(ports.PHONE_RANGE, 20) for p in (sip, sip + 1, sip + 10, sip + 11)}
    first, last = ports.rtp_window() or (30000, 31999)
    return {"hotlines": hotlines | agency_media, "phones": phones,
            "servers": set(ports.share(ports.SERVER_RANGE)), "rtp": set(range(first, last + 1))}


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6, 8])
def test_every_worker_has_ports_of_its_own(monkeypatch, count):
    shares = [used_by(monkeypatch, i, count) for i in range(count)]
    for i, mine in enumerate(shares):
        everything = set().union(*mine.values())
        assert sum(map(len, mine.values())) == len(everything), "the kinds of ports of one worker overlap"
        assert max(everything) < 32768, "below the kernel's ephemeral ports"
        for other in shares[i + 1:]:
            assert not everything & set().union(*other.values())
        assert len(mine["hotlines"]) >= 7 * 10, "room for ten hotlines at once"


def test_outside_pytest_xdist_one_process_has_every_range(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    assert ports.share(ports.PHONE_RANGE, 20) == range(*ports.PHONE_RANGE, 20)
    assert ports.rtp_window() is None  # the instances keep their default window


def test_too_many_workers_are_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2000")
    with pytest.raises(RuntimeError, match="too many"):
        ports.share(ports.HOTLINE_RANGE, 10)

"""The loop-lag histogram's arithmetic (hotline/loop_lag.py), and the ticker on a real loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from hotline.loop_lag import EDGES_MS, LagHistogram, LoopLag


def test_quantiles_are_read_to_half_a_millisecond_below_50_ms():
    h = LagHistogram()
    for _ in range(98):
        h.add(0.2)
    h.add(7.3)
    h.add(40.0)
    assert h.samples == 100
    assert h.quantile(0.5) <= 0.5
    assert 6.5 <= h.quantile(0.99) <= 7.5  # the 99th sample, in the (7.0, 7.5] bucket
    assert h.quantile(1.0) == pytest.approx(40.0)
    assert LagHistogram().quantile(0.99) == 0.0


def test_beyond_the_last_edge_the_largest_lag_stands_for_the_bucket():
    h = LagHistogram()
    h.add(12_000.0)
    assert h.counts[-1] == 1 and 5000 < h.quantile(0.99) <= 12_000.0 and h.quantile(1.0) == 12_000.0


def test_two_readings_give_the_interval_between_them():
    h = LagHistogram()
    for _ in range(100):
        h.add(0.3)
    before = LagHistogram.of(h.as_dict())
    for _ in range(100):
        h.add(9.2)
    interval = h.since(before)
    assert interval.samples == 100 and 9.0 <= interval.quantile(0.5) <= 9.5
    assert interval.max_ms == pytest.approx(9.2)
    with pytest.raises(ValueError):
        LagHistogram.of({"edges_ms": [1.0], "counts": [0, 0], "max_ms": 0})
    assert len(before.counts) == len(EDGES_MS) + 1


async def test_a_blocked_loop_shows_as_lag():
    lag = LoopLag(period=0.01)
    lag.start()
    try:
        while lag.total.samples < 3:
            await asyncio.sleep(0.01)
        time.sleep(0.2)  # the loop is blocked: the ticker wakes at least 150 ms late

        async def recorded() -> None:
            while lag.total.max_ms < 150:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(recorded(), 5)  # fails (not hangs) if the late wake is not recorded
        view = lag.view()
        assert view["last_minute"]["max_ms"] >= 150 and view["last_minute"]["samples"] >= 4
    finally:
        await lag.stop()

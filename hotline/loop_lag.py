"""How late the event loop wakes: the wait every IVR step, CTI event and desktop request has
behind the work before it on the loop. A task asks to wake every `period` and records how late it
woke in a cumulative histogram (read twice, the difference is the lag over that interval, as a
Prometheus histogram is read) and keeps the last minute's samples for a figure at a glance.

`LagHistogram` is plain data and arithmetic (unit-tested without a loop); `LoopLag` is the task."""

from __future__ import annotations

import asyncio
import bisect
import collections
from dataclasses import dataclass, field
from datetime import datetime, timezone

# Upper edges of the buckets, in milliseconds: half a millisecond apart up to 50 ms (a p99 is
# read to that resolution where it matters), coarser above. A last bucket holds the rest.
EDGES_MS: tuple[float, ...] = (*(n * 0.5 for n in range(1, 101)), 75.0, 100.0, 150.0, 200.0, 300.0, 500.0,
                               1000.0, 2000.0, 5000.0)


@dataclass
class LagHistogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(EDGES_MS) + 1))
    max_ms: float = 0.0

    def add(self, ms: float) -> None:
        self.counts[bisect.bisect_left(EDGES_MS, ms)] += 1
        self.max_ms = max(self.max_ms, ms)

    @property
    def samples(self) -> int:
        return sum(self.counts)

    def quantile(self, q: float) -> float:
        """The q-quantile (0 < q ≤ 1) in ms, interpolated linearly inside its bucket (the last
        bucket's upper end is the largest lag seen)."""
        total = self.samples
        if not total:
            return 0.0
        rank = q * total
        seen = 0
        for i, count in enumerate(self.counts):
            if count and seen + count >= rank:
                low = EDGES_MS[i - 1] if i else 0.0
                high = EDGES_MS[i] if i < len(EDGES_MS) else max(self.max_ms, low)
                return min(low + (high - low) * (rank - seen) / count, self.max_ms or high)
            seen += count
        return self.max_ms

    def since(self, earlier: "LagHistogram") -> "LagHistogram":
        """The samples taken after `earlier` was read (its max is not known per interval: the
        largest bucket reached stands for it)."""
        counts = [a - b for a, b in zip(self.counts, earlier.counts)]
        top = max((i for i, c in enumerate(counts) if c), default=None)
        if top is None:
            return LagHistogram(counts, 0.0)
        return LagHistogram(counts, self.max_ms if top == len(EDGES_MS) else min(self.max_ms, EDGES_MS[top]))

    def as_dict(self) -> dict:
        return {"edges_ms": list(EDGES_MS), "counts": list(self.counts), "max_ms": round(self.max_ms, 3)}

    @classmethod
    def of(cls, data: dict) -> "LagHistogram":
        if list(data["edges_ms"]) != list(EDGES_MS):
            raise ValueError("histogram with other bucket edges")
        return cls(list(data["counts"]), float(data["max_ms"]))


class LoopLag:
    """Started and stopped with the process's other parts."""

    def __init__(self, period: float = 0.01, window: float = 60.0):
        self.period = period
        self.total = LagHistogram()
        self.recent: collections.deque[tuple[float, float]] = collections.deque()  # (monotonic, ms)
        self.window = window
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick(), name="loop lag")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.period
            await asyncio.sleep(self.period)
            now = loop.time()
            ms = max(0.0, now - due) * 1000
            self.total.add(ms)
            self.recent.append((now, ms))
            while self.recent and self.recent[0][0] < now - self.window:
                self.recent.popleft()

    def view(self) -> dict:
        last = LagHistogram()
        for _, ms in self.recent:
            last.add(ms)
        return {"period_ms": self.period * 1000, "since": self.started_at,
                "last_minute": {"samples": last.samples, "p50_ms": round(last.quantile(0.5), 2),
                                "p99_ms": round(last.quantile(0.99), 2), "max_ms": round(last.max_ms, 2)},
                "histogram": self.total.as_dict()}

"""A circuit breaker: after `failures` failed calls in a row it opens for `seconds`, answering
at once instead of waiting on a system known to be down; then one call tries again. Pure (the
clock is given)."""

from __future__ import annotations

import time
from typing import Callable


class CircuitBreaker:
    def __init__(self, failures: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.failures = failures
        self.seconds = seconds
        self.clock = clock
        self.in_a_row = 0
        self.open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """True while calls should not be tried. Once the time is up, one trial call may go."""
        return self.open_until is not None and self.clock() < self.open_until

    def succeeded(self) -> None:
        self.in_a_row = 0
        self.open_until = None

    def failed(self) -> None:
        self.in_a_row += 1
        if self.in_a_row >= self.failures:
            self.open_until = self.clock() + self.seconds

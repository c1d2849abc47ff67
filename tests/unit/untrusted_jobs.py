"""Jobs for tests/unit/test_untrusted.py's worker pool: a module of its own that imports nothing
heavy, since each new worker imports it before running the job."""

from __future__ import annotations

import time


def sleep_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def allocate(n: int) -> int:
    return len(bytearray(n))


def fail() -> None:
    raise ValueError("tệp hỏng")


def pid() -> int:
    import os

    return os.getpid()


def priority() -> int:
    import os

    return os.getpriority(os.PRIO_PROCESS, 0)

"""Password policy and hashing: argon2 in a bounded pool, so a flood of logins waits its turn
(or is turned away) instead of taking every core from the calls, and waits behind itself, not
before the logins of other addresses."""

from __future__ import annotations

import asyncio
import secrets
import time
import unicodedata
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common-passwords.txt")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in COMMON_FILE.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def policy_problem(username: str, password: str) -> str | None:
    """Why `password` is not acceptable for `username` (Vietnamese, for the user), or None."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự"
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài quá {MAX_LENGTH} ký tự"
    folded = unicodedata.normalize("NFC", password).lower()
    if username and username.lower() in folded:
        return "Mật khẩu không được chứa tên đăng nhập"
    if folded in _common() or len(set(folded)) < 4:
        return "Mật khẩu quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác"
    return None


def temporary_password() -> str:
    """A one-time password an administrator hands over; the user must change it at first login."""
    return secrets.token_urlsafe(12)


class Busy(Exception):
    """Too many password checks waiting: the caller should answer 429 / try again later."""


class Hasher:
    """argon2 hashing and verification on at most `workers` threads. Waiting checks are served
    in turn per key (the client's address for log-ins), and keys whose last password was wrong
    (within `suspect_seconds`) only after the others: a flood of wrong passwords from some
    addresses waits behind itself, and a log-in from another address waits for the checks already
    running, not for the flood. Each key may have `per_key_waiting` checks waiting, and all keys
    together `max_waiting`; past that the check is refused (`Busy`)."""

    def __init__(self, workers: int = 1, max_waiting: int = 64, per_key_waiting: int = 2,
                 suspect_seconds: float = 300, max_suspects: int = 100_000, clock=time.monotonic):
        self._hasher = PasswordHasher()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self.workers = workers
        self.max_waiting = max_waiting
        self.per_key_waiting = per_key_waiting
        self.suspect_seconds = suspect_seconds
        self.max_suspects = max_suspects
        self.clock = clock
        self._running = 0
        # Two lanes, each served in turn (first key first): keys in good standing, then suspects.
        self._lanes: tuple[OrderedDict[str, deque[asyncio.Future]], ...] = (OrderedDict(), OrderedDict())
        self._suspects: dict[str, float] = {}  # key → until when its checks wait behind the others
        self._dummy: str | None = None  # verified against for unknown users: the same answer time

    def _suspect(self, key: str) -> bool:
        until = self._suspects.get(key)
        if until is not None and until <= self.clock():
            del self._suspects[key]
            return False
        return until is not None

    def _mark(self, key: str, wrong: bool) -> None:
        if not key:
            return
        if not wrong:
            self._suspects.pop(key, None)
            return
        if len(self._suspects) >= self.max_suspects:
            now = self.clock()
            for k in [k for k, until in self._suspects.items() if until <= now] or list(self._suspects)[:1000]:
                del self._suspects[k]
        self._suspects[key] = self.clock() + self.suspect_seconds

    def _waiting_count(self) -> int:
        return sum(len(q) for lane in self._lanes for q in lane.values())

    def _grant(self) -> None:
        """Give free threads to the next waiting check of each key in turn, suspects last."""
        while self._running < self.workers:
            lane = next((lane for lane in self._lanes if lane), None)
            if lane is None:
                return
            key, queue = next(iter(lane.items()))
            fut = queue.popleft()
            if queue:
                lane.move_to_end(key)
            else:
                del lane[key]
            if not fut.done():
                self._running += 1
                fut.set_result(None)

    async def _slot(self, key: str) -> None:
        if self._running < self.workers and not any(self._lanes):
            self._running += 1
            return
        lane = self._lanes[1 if self._suspect(key) else 0]
        queue = lane.get(key)
        if (queue is not None and len(queue) >= self.per_key_waiting) or self._waiting_count() >= self.max_waiting:
            raise Busy()
        fut = asyncio.get_running_loop().create_future()
        lane.setdefault(key, deque()).append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted, but the caller went away
                self._release()
            else:
                queue = lane.get(key)
                if queue is not None and fut in queue:
                    queue.remove(fut)
                    if not queue:
                        del lane[key]
            raise

    def _release(self) -> None:
        self._running -= 1
        self._grant()

    async def _run(self, key: str, fn, *args):
        await self._slot(key)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        finally:
            self._release()

    async def hash(self, password: str, key: str = "") -> str:
        return await self._run(key, self._hasher.hash, password)

    async def verify(self, hashed: str | None, password: str, key: str = "") -> bool:
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self._run(key, self._hasher.hash, secrets.token_hex(8))
            hashed = self._dummy
        try:
            ok = await self._run(key, self._hasher.verify, hashed, password)
        except (VerificationError, InvalidHashError):
            ok = False
        self._mark(key, wrong=not ok)
        return ok

    def close(self) -> None:
        self._pool.shutdown(wait=False)

"""Password policy and hashing: argon2 in a bounded pool, so a flood of logins waits its turn
(or is turned away) instead of taking every core from the calls, and waits behind itself, not
before the logins of other addresses (`FairShare`: the pool's rule, pure logic)."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane):
# one check takes one core for tens of milliseconds, so log-ins never take every core from the
# calls and an honest log-in beside a flood waits for little. Hashes made with other parameters
# (argon2-cffi's default of earlier versions: 64 MiB, 3 passes, 4 lanes) still verify: each hash
# names its own.
ARGON2 = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
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


GOOD, SUSPECT = 0, 1  # the two lanes: keys in good standing, keys whose last password was wrong


class FairShare:
    """Which waiting password check gets a thread next. Pure logic: no threads, no clock, no I/O;
    a waiter is any object the caller wakes when it is granted.

    There are `workers` threads for any check and `reserved` more that a suspect key (a client
    whose last password was wrong) never takes: however many wrong passwords pour in, at most
    `workers` of them are hashed at once, and a log-in in good standing finds a thread as soon as
    one is not busy with another log-in in good standing, without waiting for a flood's hash to
    end. Waiting checks are served keys in good standing first, then suspects; within each, keys
    with no check running before keys with one running (an address with a hash in flight waits
    behind addresses with none), and in turn (a key served goes to the back of its lane). Each key may
    have `per_key_waiting` checks waiting, all keys together `max_waiting`; past that `Busy`."""

    def __init__(self, workers: int = 1, reserved: int = 1, max_waiting: int = 64, per_key_waiting: int = 2):
        self.workers = workers
        self.reserved = reserved
        self.max_waiting = max_waiting
        self.per_key_waiting = per_key_waiting
        self.lanes: tuple[OrderedDict[str, deque], ...] = (OrderedDict(), OrderedDict())
        self.running: dict[str, int] = {}  # key → its checks running
        self._granted: dict[object, tuple[str, int]] = {}  # running waiter → (key, lane)
        self.suspects_running = 0

    @property
    def busy(self) -> int:
        return len(self._granted)

    def suspect_run(self, waiter) -> bool:
        """Whether a granted waiter runs as a suspect's check."""
        return self._granted[waiter][1] == SUSPECT

    def waiting(self) -> int:
        return sum(len(q) for lane in self.lanes for q in lane.values())

    def ask(self, key: str, suspect: bool, waiter) -> list:
        """Queue `waiter` for `key`; returns the waiters granted a thread now (perhaps this one)."""
        lane = self.lanes[SUSPECT if suspect else GOOD]
        queue = lane.get(key)
        if (queue is not None and len(queue) >= self.per_key_waiting) or self.waiting() >= self.max_waiting:
            raise Busy()
        lane.setdefault(key, deque()).append(waiter)
        return self._grant()

    def standing(self, key: str, suspect: bool) -> list:
        """`key` became a suspect (or is in good standing again): its waiting checks move to that
        lane, behind the keys already there. Returns the waiters granted a thread now."""
        source, target = self.lanes[GOOD if suspect else SUSPECT], self.lanes[SUSPECT if suspect else GOOD]
        queue = source.pop(key, None)
        if queue:
            target.setdefault(key, deque()).extend(queue)
        return self._grant()

    def withdraw(self, waiter) -> list:
        """A waiter that went away: out of its queue, or, if it was running, its thread is free.
        Returns the waiters granted a thread now."""
        if waiter in self._granted:
            return self.finished(waiter)
        for lane in self.lanes:
            for key, queue in lane.items():
                if waiter in queue:
                    queue.remove(waiter)
                    if not queue:
                        del lane[key]
                    return []
        return []

    def finished(self, waiter) -> list:
        """A granted check ended; returns the waiters granted a thread now."""
        key, lane = self._granted.pop(waiter)
        self.running[key] -= 1
        if not self.running[key]:
            del self.running[key]
        if lane == SUSPECT:
            self.suspects_running -= 1
        return self._grant()

    def _next_key(self, lane: OrderedDict) -> str:
        return next((k for k in lane if k not in self.running), next(iter(lane)))

    def _grant(self) -> list:
        granted = []
        while self.busy < self.workers + self.reserved:
            for index, lane in enumerate(self.lanes):
                if lane and (index == GOOD or self.suspects_running < self.workers):
                    break
            else:
                return granted
            key = self._next_key(lane)
            queue = lane[key]
            waiter = queue.popleft()
            if queue:
                lane.move_to_end(key)
            else:
                del lane[key]
            self._granted[waiter] = (key, index)
            self.running[key] = self.running.get(key, 0) + 1
            if index == SUSPECT:
                self.suspects_running += 1
            granted.append(waiter)
        return granted


LOWEST_PRIORITY = 19  # nice value of the suspects' threads (argon2's own lane threads inherit it)


def _lowest_priority() -> None:
    """Run this thread (and the threads it starts) at the lowest CPU priority (Linux: nice is per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except (AttributeError, OSError):  # not Linux: the fair share alone
        pass


class Hasher:
    """argon2 hashing and verification in a bounded pool of threads, shared fairly (`FairShare`)
    per key (the client's address, an IPv6 client's /64, for log-ins): a key is a suspect for
    `suspect_seconds` after a wrong password, and suspects get at most `workers` threads while
    keys in good standing may also use `reserved` more. Suspects' checks run on threads of the
    lowest CPU priority: they take only CPU time that calls, the event loop and other log-ins leave
    (one argon2 check uses every core it can). A flood of wrong passwords from some addresses waits
    behind itself; a log-in from another address waits neither for the flood's queue nor for the
    flood's hashes in flight, and is not slowed by them."""

    def __init__(self, workers: int = 1, max_waiting: int = 64, per_key_waiting: int = 2,
                 suspect_seconds: float = 300, max_suspects: int = 100_000, clock=time.monotonic,
                 reserved: int = 1, lower_suspects: bool = True):
        self._hasher = PasswordHasher(**ARGON2)
        self._pool = ThreadPoolExecutor(max_workers=workers + reserved, thread_name_prefix="argon2")
        self._suspects_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2-suspect",
                                                 initializer=_lowest_priority if lower_suspects else None)
        self.share = FairShare(workers, reserved, max_waiting, per_key_waiting)
        self.suspect_seconds = suspect_seconds
        self.max_suspects = max_suspects
        self.clock = clock
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
            if self._suspects.pop(key, None) is not None:
                self._wake(self.share.standing(key, suspect=False))
            return
        if len(self._suspects) >= self.max_suspects:
            now = self.clock()
            for k in [k for k, until in self._suspects.items() if until <= now] or list(self._suspects)[:1000]:
                del self._suspects[k]
        self._suspects[key] = self.clock() + self.suspect_seconds
        self._wake(self.share.standing(key, suspect=True))  # its checks already waiting go behind the others

    @staticmethod
    def _wake(granted: list) -> None:
        for fut in granted:
            if not fut.done():  # one cancelled meanwhile gives its thread back when its task sees it
                fut.set_result(None)

    async def _slot(self, key: str) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self._wake(self.share.ask(key, self._suspect(key), fut))
        try:
            await fut
        except asyncio.CancelledError:
            self._wake(self.share.withdraw(fut))  # waiting: its place; granted: its thread
            raise
        return fut

    async def _run(self, key: str, fn, *args):
        slot = await self._slot(key)
        pool = self._suspects_pool if self.share.suspect_run(slot) else self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        finally:
            self._wake(self.share.finished(slot))

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

    def needs_rehash(self, hashed: str | None) -> bool:
        """A hash made with other parameters than today's (`ARGON2`): replaced at the next log-in."""
        try:
            return bool(hashed) and self._hasher.check_needs_rehash(hashed)
        except InvalidHashError:
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self._suspects_pool.shutdown(wait=False)

"""Password policy and hashing: argon2 in a bounded pool, so a flood of logins waits its turn
(or is turned away) instead of taking every core from the calls."""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
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
    """argon2 hashing and verification on at most `workers` threads, with at most `max_waiting`
    requests queued behind them."""

    def __init__(self, workers: int = 1, max_waiting: int = 16):
        self._hasher = PasswordHasher()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._slots = asyncio.Semaphore(workers + max_waiting)
        self._dummy: str | None = None  # verified against for unknown users: the same answer time

    async def _run(self, fn, *args):
        if self._slots.locked():
            raise Busy()
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, hashed: str | None, password: str) -> bool:
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self._run(self._hasher.hash, secrets.token_hex(8))
            hashed = self._dummy
        try:
            return await self._run(self._hasher.verify, hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False)

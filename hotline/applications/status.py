"""What a look-up returns, and the interface every source implements. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol


STATUS_NAMES = {
    "received": "Đã tiếp nhận",
    "in_progress": "Đang giải quyết",
    "supplement_required": "Cần bổ sung giấy tờ",
    "ready": "Đã có kết quả, chờ trả",
    "delivered": "Đã trả kết quả",
    "refused": "Không đủ điều kiện giải quyết",
    "withdrawn": "Đã rút hồ sơ",
}

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/]{2,39}$")


class Unavailable(Exception):
    """The one-stop system could not answer (down, slow, or an answer we cannot read)."""


@dataclass(frozen=True)
class Application:
    code: str
    status: str  # one of APPLICATION_STATUSES
    procedure: str = ""
    agency: str = ""
    received_on: date | None = None
    due_on: date | None = None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


class StatusSource(Protocol):
    async def find(self, code: str) -> Application | None:
        """The application with this receipt number (as printed, or only its digits), None when
        the system has no such application; raises `Unavailable` when it cannot say."""

    async def close(self) -> None: ...


def keypad(code: str) -> str:
    """The digits of a receipt number: what a caller can key on a phone."""
    return "".join(c for c in code if c.isdigit())


def clean_code(text: str) -> str | None:
    """A receipt number as typed (spaces dropped), or None when it cannot be one."""
    code = "".join(text.split())
    return code if CODE.match(code) else None


class NoSource:
    """A province without a connected one-stop system: every look-up is unavailable."""

    async def find(self, code: str) -> Application | None:
        raise Unavailable("no application status source is configured")

    async def close(self) -> None:
        pass

"""What the rest of the hotline may ask of the telephony: the AMI bridge (`ami.AmiBridge`) does it
on a real Asterisk; tests use a double with the same methods. Its `model` is read-only for callers
(change it through its own methods)."""

from __future__ import annotations

from typing import Protocol

from hotline.cti.model import CtiModel


class CtiActions(Protocol):
    model: CtiModel

    async def login(self, agent: str, queues: list[str], quiet: bool = False) -> None: ...

    async def logout(self, agent: str, queues: list[str]) -> None: ...

    async def pause(self, agent: str, reason: str) -> None: ...

    async def unpause(self, agent: str) -> None: ...

    async def hangup(self, channel: str) -> None: ...

    async def set_vars(self, channel: str, variables: dict[str, str]) -> None: ...

    async def attended_transfer(self, channel: str, context: str, exten: str) -> None: ...

    async def blind_transfer(self, channel: str, context: str, exten: str) -> None: ...

    async def spy(self, supervisor: str, channel: str, whisper: bool = False) -> None: ...

    async def originate(self, channel: str, context: str, exten: str, caller_id: str, variables: dict[str, str],
                        timeout_seconds: float) -> None: ...

"""In-process event bus: the CTI, the call tickets and the transfers publish domain events
(`events/types.py`); subscribers name the event types they handle. Subscribers are async callables;
one failing subscriber does not stop the others."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from hotline.events.types import Event

log = logging.getLogger(__name__)
Subscriber = Callable[[Event], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[Subscriber, tuple[type[Event], ...]]] = []

    def subscribe(self, subscriber: Subscriber, *types: type[Event]) -> None:
        """`subscriber` gets the events of `types` (and their subclasses); of every type if none."""
        self._subscribers.append((subscriber, types or (Event,)))

    async def publish(self, event: Event) -> None:
        for sub, types in list(self._subscribers):
            if not isinstance(event, types):
                continue
            try:
                await sub(event)
            except Exception:
                log.exception("subscriber %r failed on %s", sub, event.kind)

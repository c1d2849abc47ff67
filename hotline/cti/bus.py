"""In-process event bus: the CTI publishes domain events, the desktop (and later ticketing)
subscribe. Subscribers are async callables; one failing subscriber does not stop the others."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from hotline.cti.model import DomainEvent

log = logging.getLogger(__name__)
Subscriber = Callable[[DomainEvent], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, event: DomainEvent) -> None:
        for sub in list(self._subscribers):
            try:
                await sub(event)
            except Exception:
                log.exception("subscriber %r failed on %s", sub, event.kind)

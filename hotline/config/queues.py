"""Queues (one per topic plus the general operator queue) and the operator endpoints."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _ident(value: str) -> str:
    if not IDENT.match(value):
        raise ValueError(f"{value!r}: use lower-case letters, digits and _ (start with a letter)")
    return value


class Queue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str  # Vietnamese name shown to operators and supervisors
    topic: str  # the topic set on the call (HOTLINE_TOPIC) when it enters this queue
    topic_name: str | None = None  # the topic's name where it differs from the queue's
    members: list[str] = []  # operator ids (static members for now)
    strategy: str = "rrmemory"
    ring_seconds: int = Field(15, ge=5, le=120)  # per-operator ring time
    max_wait_seconds: int = Field(900, ge=30, le=7200)  # then the caller is offered a callback
    weight: int = Field(0, ge=0, le=100)
    service_level_seconds: int = Field(20, ge=5, le=600)  # answered within this counts for the service level
    # Where the profile announces the queue (virtual_hold.announce_position): a waiting caller hears
    # their place at once, then every this many seconds or when it changes (0: never in this queue).
    announce_seconds: int = Field(60, ge=0, le=3600)

    @field_validator("announce_seconds")
    @classmethod
    def _announce(cls, v: int) -> int:
        if 0 < v < 20:
            raise ValueError("announce the place at most every 20 seconds (or 0: never)")
        return v

    _id = field_validator("id", "topic")(_ident)

    @field_validator("strategy")
    @classmethod
    def _strategy(cls, v: str) -> str:
        allowed = {"ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom", "rrordered"}
        if v not in allowed:
            raise ValueError(f"strategy must be one of {sorted(allowed)}")
        return v


class Operator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # also the SIP endpoint name
    name: str

    _id = field_validator("id")(_ident)


class QueuesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operators: list[Operator]
    queues: list[Queue]
    # Supervisors' softphones: they listen to / whisper on calls from them (never queue members).
    supervisors: list[Operator] = []

    @model_validator(mode="after")
    def _refs(self) -> "QueuesFile":
        ops = {o.id for o in self.operators}
        if ops & {s.id for s in self.supervisors}:
            raise ValueError("supervisors: an id is also an operator's")
        seen: set[str] = set()
        for i, q in enumerate(self.queues):
            if q.id in seen:
                raise ValueError(f"queues.{i}.id: duplicate queue {q.id!r}")
            seen.add(q.id)
            for m in q.members:
                if m not in ops:
                    raise ValueError(f"queues.{i}.members: {m!r} is not in operators")
        return self

    def phones(self) -> list[Operator]:
        """Every softphone endpoint: operators and supervisors."""
        return self.operators + self.supervisors

    def by_id(self) -> dict[str, Queue]:
        return {q.id: q for q in self.queues}

    def out_of_scope(self, topics: list[str | None]) -> list[str]:
        """The given topics that are not this line's fields (none and empty count as in scope)."""
        known = self.topic_names()
        return [t for t in topics if t and t not in known]

    def topic_names(self) -> dict[str, str]:
        """Each topic's name (the first queue of the topic names it)."""
        names: dict[str, str] = {}
        for q in self.queues:
            names.setdefault(q.topic, q.topic_name or q.name)
        return names

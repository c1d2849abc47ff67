"""Queue membership as the database records it, applied to this node's Asterisk.

With several nodes behind the SIP edge, an operator logs in, pauses or leaves on whichever node
serves their desktop; the choice is recorded in `agent_logins`, and every node brings its own
queues to match within a few seconds, so that the node that takes the calls after a failover
already has the operator in its queues, in the same pause. `steps` is the pure comparison;
`MemberSync` runs it periodically against the live model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

from hotline.background import Periodic
from hotline.cti.ami import AmiBridge
from hotline.cti.model import Agent

Logins = dict[str, tuple[list[str], bool, str]]  # operator -> (queues, paused, pause reason)


@dataclass(frozen=True)
class Step:
    kind: Literal["login", "logout", "pause", "unpause"]
    agent: str
    queues: tuple[str, ...] = ()
    reason: str = ""


def steps(current: dict[str, Agent], wanted: Logins, managed: set[str]) -> list[Step]:
    """What to do so that the members of this Asterisk's queues are `wanted`. Only the operators
    in `managed` are touched (members put there otherwise, e.g. a benchmark's, are left alone)."""
    out: list[Step] = []
    for agent_id, (queues, paused, reason) in sorted(wanted.items()):
        if agent_id not in managed:
            continue
        have = current.get(agent_id)
        in_queues = have.queues if have is not None else set()
        missing = tuple(sorted(set(queues) - in_queues))
        extra = tuple(sorted(in_queues - set(queues)))
        if missing:
            out.append(Step("login", agent_id, missing))
        if extra:
            out.append(Step("logout", agent_id, extra))
        if not queues:
            continue
        if paused and (missing or have is None or not have.paused or have.pause_reason != reason):
            out.append(Step("pause", agent_id, reason=reason))
        elif not paused and have is not None and have.paused:
            out.append(Step("unpause", agent_id))
    for agent_id, have in sorted(current.items()):
        if agent_id in managed and agent_id not in wanted and have.queues:
            out.append(Step("logout", agent_id, tuple(sorted(have.queues))))
    return out


class MemberSync(Periodic):
    """Every `period` seconds, this node's queues are brought to what the database records."""

    def __init__(self, cti: AmiBridge, logins: Callable[[], Awaitable[Logins]], managed: set[str],
                 period: float = 2.0):
        super().__init__("queue members", self.sync, period)
        self.cti = cti
        self.logins = logins
        self.managed = set(managed)

    async def sync(self) -> None:
        if not self.cti.connected.is_set():
            return  # the resync after the connection comes back applies them
        async with self.cti.members_lock:
            todo = steps(self.cti.model.agents, await self.logins(), self.managed)
            for step in todo:
                if step.kind == "login":
                    await self.cti.login(step.agent, list(step.queues), quiet=True)
                elif step.kind == "logout":
                    await self.cti.logout(step.agent, list(step.queues))
                elif step.kind == "pause":
                    await self.cti.pause(step.agent, step.reason)
                else:
                    await self.cti.unpause(step.agent)

"""The AMI bridge: feeds Asterisk's events into the CTI model, resynchronises after every
(re)connect, and carries out actions (agent login/logout, pause, hang-up, originate, listen).

panoramisk reconnects by itself after a dropped connection or an Asterisk restart. Asterisk sends
`FullyBooted` to every new AMI session once all its modules are loaded (right away if they
already are): that is when the model is rebuilt from QueueStatus and CoreShowChannels, and when
the agents that are logged in according to the database are put back into their queues. (At
login alone, app_queue may not be loaded yet after a restart.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from panoramisk import Manager

from hotline.events.bus import EventBus
from hotline.events.types import AgentStateChanged, Event, QueueChanged
from hotline.cti.model import CtiModel

log = logging.getLogger(__name__)

EVENTS = ["Newchannel", "Hangup", "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
          "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus",
          "UserEvent", "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer",
          "DialBegin", "DialEnd", "AttendedTransfer"]
EVENT_CLASSES = "system,call,agent,user"


class ActionError(Exception):
    pass


class AmiBridge:
    def __init__(self, host: str, port: int, user: str, secret: str, bus: EventBus, model: CtiModel | None = None,
                 wrapup_seconds: float = 5.0,
                 logged_in_agents: Callable[[], Awaitable[dict[str, tuple[list[str], bool, str]]]] | None = None):
        self.model = model or CtiModel()
        self.bus = bus
        self.wrapup_seconds = wrapup_seconds
        self.logged_in_agents = logged_in_agents
        self.connected = asyncio.Event()
        # Held while queue membership is changed and recorded together (the desktop's actions,
        # the periodic sync with the database), so that neither sees the other half done.
        self.members_lock = asyncio.Lock()
        self.resyncs = 0
        # Only the event classes the model reads: not the dialplan's, AGI's or DTMF's (many per call).
        self.manager = Manager(host=host, port=port, username=user, secret=secret, events=EVENT_CLASSES, ping_delay=2,
                               ping_interval=2, reconnect_timeout=1, on_disconnect=self._on_disconnect)
        self.manager.register_event("FullyBooted", self._on_fully_booted)
        for name in EVENTS:
            self.manager.register_event(name, self._on_event)

    async def start(self) -> None:
        self._outbox: asyncio.Queue[Event] = asyncio.Queue()
        self._publish_task = asyncio.create_task(self._publisher())
        await self.manager.connect()

    def close(self) -> None:
        """Stop; also when `start` never ran (a start-up that failed earlier keeps its own error)."""
        self.manager.close()
        task = getattr(self, "_publish_task", None)
        if task is not None:
            task.cancel()

    def _on_disconnect(self, manager, exc) -> None:
        log.warning("AMI connection lost (%s); reconnecting", exc)
        self.connected.clear()

    def _on_fully_booted(self, manager, message) -> None:
        asyncio.ensure_future(self.resync())

    async def resync(self) -> None:
        """Rebuild the model from Asterisk's own lists."""
        try:
            if self.logged_in_agents:
                for agent, (queues, paused, reason) in (await self.logged_in_agents()).items():
                    await self.login(agent, queues, quiet=True)
                    if paused:
                        await self.pause(agent, reason)
            channels = await self._list({"Action": "CoreShowChannels"})
            status = await self._list({"Action": "QueueStatus"})
        except Exception:
            log.exception("CTI resync failed")
            return
        self.model.reset()
        events: list[Event] = []
        for msg in channels + status:
            events += self.model.apply(dict(msg))
        self.resyncs += 1
        self.connected.set()
        log.info("CTI resynchronised: %d calls, %d agents", len(self.model.calls), len(self.model.agents))
        for ev in events:
            self._outbox.put_nowait(ev)
        self._outbox.put_nowait(QueueChanged(data={"resync": True, **self.model.snapshot()}))

    async def _list(self, action: dict) -> list:
        res = await asyncio.wait_for(self.manager.send_action(action, as_list=True), 30)
        return res if isinstance(res, list) else [res]

    def _on_event(self, manager, message) -> None:
        # Applied synchronously, in AMI order; published in the same order by one task.
        for ev in self.model.apply(dict(message)):
            self._outbox.put_nowait(ev)
            if isinstance(ev, AgentStateChanged) and ev.data["state"] == "wrapup":
                asyncio.get_running_loop().call_later(self.wrapup_seconds, self._end_wrapup, ev.agent)

    def _end_wrapup(self, agent: str) -> None:
        for ev in self.model.end_wrapup(agent):
            self._outbox.put_nowait(ev)

    async def _publisher(self) -> None:
        while True:
            ev = await self._outbox.get()
            await self.bus.publish(ev)

    # -- actions -------------------------------------------------------------------------------
    async def action(self, action: dict, timeout: float = 10) -> dict:
        # as_list=False: panoramisk otherwise waits for a list after "Added interface to queue".
        res = await asyncio.wait_for(self.manager.send_action(action, as_list=False), timeout)
        msg = res[0] if isinstance(res, list) else res
        if msg.get("Response") == "Error":
            raise ActionError(msg.get("Message", "AMI action failed"))
        return dict(msg)

    async def login(self, agent: str, queues: list[str], quiet: bool = False) -> None:
        for q in queues:
            try:
                await self.action({"Action": "QueueAdd", "Queue": q, "Interface": f"PJSIP/{agent}",
                                   "MemberName": agent, "StateInterface": f"PJSIP/{agent}"})
            except ActionError as exc:
                if "Already" in str(exc):  # already a member: fine
                    continue
                if not quiet:
                    raise
                log.warning("could not put %s back in queue %s: %s", agent, q, exc)

    async def logout(self, agent: str, queues: list[str]) -> None:
        for q in queues:
            try:
                await self.action({"Action": "QueueRemove", "Queue": q, "Interface": f"PJSIP/{agent}"})
            except ActionError:
                pass

    async def pause(self, agent: str, reason: str) -> None:
        await self.action({"Action": "QueuePause", "Interface": f"PJSIP/{agent}", "Paused": "true",
                           "Reason": reason})

    async def unpause(self, agent: str) -> None:
        await self.action({"Action": "QueuePause", "Interface": f"PJSIP/{agent}", "Paused": "false"})

    async def hangup(self, channel: str) -> None:
        await self.action({"Action": "Hangup", "Channel": channel})

    async def originate(self, channel: str, context: str, exten: str, caller_id: str, variables: dict[str, str],
                        timeout_seconds: float) -> None:
        """Start a call from `channel` (e.g. a Local channel); once it answers, it runs
        `exten@context`. Asynchronous: the call's progress arrives as events."""
        await self.action({"Action": "Originate", "Channel": channel, "Context": context, "Exten": exten,
                           "Priority": "1", "CallerID": caller_id, "Async": "true",
                           "Timeout": str(int(timeout_seconds * 1000)),
                           "Variable": [f"{k}={v}" for k, v in variables.items()]})

    async def set_vars(self, channel: str, variables: dict[str, str]) -> None:
        for name, value in variables.items():
            await self.action({"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value})

    async def attended_transfer(self, channel: str, context: str, exten: str) -> None:
        """Start an attended transfer from `channel` (the operator's leg): its peer is put on
        hold and the operator is connected to `exten@context` (needs the `atxfer` feature)."""
        await self.action({"Action": "Atxfer", "Channel": channel, "Context": context, "Exten": exten})

    async def blind_transfer(self, channel: str, context: str, exten: str) -> None:
        """Send the peer of `channel` (the caller) to `exten@context`; `channel` is released."""
        await self.action({"Action": "BlindTransfer", "Channel": channel, "Context": context, "Exten": exten})

    async def spy(self, supervisor: str, channel: str, whisper: bool = False) -> None:
        """Supervisor listens to (or whispers to the operator on) a call, from their own phone."""
        opts = "qEw" if whisper else "qE"  # quiet, end with the spied call, whisper to the operator
        await self.action({"Action": "Originate", "Channel": f"PJSIP/{supervisor}", "Application": "ChanSpy",
                           "Data": f"{channel},{opts}", "CallerID": "Giam sat <spy>", "Async": "true",
                           "Timeout": "30000"})

"""FastAGI routes of virtual hold (the dialplan's `[hotline-vhold*]` contexts):

  vhold          the caller pressed the key in the queue (args: linkedid, queue, QUEUEPOSITION,
                 IVR path): keep their place and say so (HOTLINE_VHOLD=kept), or say it cannot
  vhold_place    a placeholder is about to join its queue (args: hold id, linkedid): its variables
  vhold_dialed   the citizen's phone was dialled (args: hold id, DIALSTATUS)
  vhold_left     the placeholder left its queue without an operator (args: hold id, QUEUESTATUS)
"""

from __future__ import annotations

import logging
from pathlib import Path

from panoramisk.fast_agi import Request

from hotline.callbacks.virtual_hold import VirtualHolds
from hotline.ivr.agi import AgiChannel
from hotline.ivr.session import CallerHungUp

log = logging.getLogger(__name__)


def _args(request: Request, count: int) -> list[str]:
    return [request.headers.get(f"agi_arg_{i}", "") for i in range(1, count + 1)]


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


class VirtualHoldAgi:
    def __init__(self, holds: VirtualHolds, prompts_dir: Path):
        self.holds = holds
        self.prompts_dir = prompts_dir

    def routes(self) -> dict:
        return {"vhold": self.keep, "vhold_place": self.place, "vhold_dialed": self.dialed, "vhold_left": self.left}

    def _channel(self, request: Request) -> AgiChannel:
        return AgiChannel(request, self.prompts_dir, report_wait=0)

    async def keep(self, request: Request) -> None:
        ch = self._channel(request)
        linkedid, queue, position, path = _args(request, 4)
        vh = await self.holds.keep(ch.caller, queue, _int(position) or 1, linkedid or ch.uniqueid, path)
        try:
            if vh is None:
                await ch.play(["vhold_refused"], escape="")
                return
            await ch.set_var("HOTLINE_VHOLD", "kept")
            await ch.play(["vhold_kept"], escape="")
        except CallerHungUp:
            pass  # the place is kept all the same

    async def place(self, request: Request) -> None:
        ch = self._channel(request)
        vh_id, linkedid = _args(request, 2)
        variables = await self.holds.placeholder(_int(vh_id) or 0, linkedid or ch.uniqueid)
        for name, value in (variables or {}).items():
            await ch.set_var(name, value)

    async def dialed(self, request: Request) -> None:
        vh_id, status = _args(request, 2)
        if _int(vh_id):
            await self.holds.dialed(int(vh_id), status)

    async def left(self, request: Request) -> None:
        vh_id, status = _args(request, 2)
        if _int(vh_id):
            await self.holds.left_queue(int(vh_id), status)

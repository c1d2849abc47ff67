"""The FastAGI route `outbound`: the dialplan asks whether the call a softphone just started
(`out-<token>`) was asked for by that operator, and learns where to send it.

Dialplan arguments: token, the calling endpoint, the call's linkedid. Variables left for the
dialplan (docs/interfaces.md): HOTLINE_OUT_NUMBER, HOTLINE_OUT_ROUTE, HOTLINE_OUT_CLI; also
HOTLINE_DIRECTION=outbound, HOTLINE_AGENT, HOTLINE_CITIZEN and HOTLINE_TICKET_CODE, which the CTI
reads. Nothing is set for a refused call, and the dialplan hangs it up."""

from __future__ import annotations

import logging
from pathlib import Path

from panoramisk.fast_agi import Request

from hotline.ivr.agi import AgiChannel
from hotline.ivr.session import CallerHungUp
from hotline.outbound.service import OutboundCalls

log = logging.getLogger(__name__)


class OutboundAgi:
    def __init__(self, calls: OutboundCalls, prompts_dir: Path):
        self.calls = calls
        self.prompts_dir = prompts_dir

    async def handle(self, request: Request) -> None:
        ch = AgiChannel(request, self.prompts_dir, report_wait=0)
        h = request.headers
        token, endpoint = h.get("agi_arg_1", ""), h.get("agi_arg_2", "")
        linkedid = h.get("agi_arg_3") or ch.uniqueid
        dial = await self.calls.claim(token, endpoint, linkedid)
        if dial is None:
            return
        variables = {"HOTLINE_OUT_ROUTE": dial.route, "HOTLINE_OUT_CLI": dial.caller_id,
                     "HOTLINE_DIRECTION": "outbound", "HOTLINE_AGENT": endpoint, "HOTLINE_CITIZEN": dial.number,
                     **({"HOTLINE_TICKET_CODE": dial.ticket_code} if dial.ticket_code else {}),
                     "HOTLINE_OUT_NUMBER": dial.number}  # last: the dialplan goes on only when it is set
        try:
            for name, value in variables.items():
                await ch.set_var(name, value)
        except CallerHungUp:
            log.info("outbound call %d: the operator hung up before it was placed", dial.call_id)

"""FastAGI routes of calls to citizens.

`outbound`: the dialplan asks whether the call a softphone just started
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
from hotline.outbound.surveys import SurveyCalls

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


class SurveyAgi:
    """`survey` (arg: survey id): the citizen answered a survey call: say the result, ask for a
    rating 1-5; `survey_end` (args: survey id, DIALSTATUS): the call is over."""

    RATING_KEYS = "12345"

    def __init__(self, surveys: SurveyCalls, prompts_dir: Path):
        self.surveys = surveys
        self.prompts_dir = prompts_dir

    def routes(self) -> dict:
        return {"survey": self.survey, "survey_end": self.end}

    async def survey(self, request: Request) -> None:
        ch = AgiChannel(request, self.prompts_dir, report_wait=0)
        arg = request.headers.get("agi_arg_1", "")
        audio = await self.surveys.script(int(arg)) if arg.isdigit() and len(arg) < 10 else None
        if audio is None:
            return
        keys = self.RATING_KEYS
        try:
            key = await ch.play(["survey_intro", "survey_result_intro", str(audio), "survey_ask"], escape=keys)
            for _ in range(self.surveys.policy.max_tries):
                key = key or await ch.wait_key(8)
                if key and key in keys:
                    await self.surveys.rate(int(arg), int(key))
                    await ch.play(["survey_thanks"], escape="")
                    return
                key = await ch.play(["survey_invalid", "survey_ask"], escape=keys)
        except CallerHungUp:
            log.info("survey call %s: the citizen hung up", arg)

    async def end(self, request: Request) -> None:
        arg = request.headers.get("agi_arg_1", "")
        if arg.isdigit() and len(arg) < 10:
            await self.surveys.ended(int(arg), request.headers.get("agi_arg_2", ""))

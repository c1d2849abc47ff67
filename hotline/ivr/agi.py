"""FastAGI adapter: a `Channel` over one live call, speaking AGI through panoramisk.

panoramisk's request handler loops forever if Asterisk closes the socket before the headers end
and fails to parse an empty line at EOF; `FastAgiApplication` reads headers with a bound and a
timeout, and `AgiChannel` turns EOF, `511` (dead channel) and `result=-1` into `CallerHungUp`.

Keys: `AgiChannel` reads the caller's keys from its `KeyBuffer` (fed by the AMI, see `keys.py`)
before it listens through AGI, so a key pressed between two commands or before the IVR connected
still counts; it collects digits itself, key by key, for the same reason (GET DATA would drop keys
pressed before it started).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Awaitable, Callable

from panoramisk.fast_agi import Application, Request

from hotline.ivr.keys import KeyBuffer
from hotline.ivr.session import ALL_KEYS, CallerHungUp

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16384
REPORT_WAIT = 0.5  # seconds to wait for the AMI's report of a key AGI returned (see keys.py)
INTER_DIGIT_SECONDS = 5.0  # between the digits of a code, as Asterisk's default TIMEOUT(digit)
STOP_GRACE = 0.5  # a key reported while a prompt plays that AGI has not returned by then was dropped


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


class AgiChannel:
    def __init__(self, request: Request, prompts_dir: Path, keys: KeyBuffer | None = None,
                 report_wait: float = REPORT_WAIT,
                 stop_playback: Callable[[str], Awaitable[None]] | None = None):
        self.request = request
        self.prompts_dir = prompts_dir
        h = request.headers
        self.caller = h.get("agi_callerid", "unknown")
        self.uniqueid = h.get("agi_uniqueid", "")
        self.linkedid = h.get("agi_arg_1") or self.uniqueid
        self.played: list[str] = []
        self.keys = keys if keys is not None else KeyBuffer()
        self.report_wait = report_wait  # 0 when no AMI reports keys
        self.channel = h.get("agi_channel", "")
        self.stop_playback = stop_playback  # stops this channel's prompt (AMI ControlPlayback)

    async def command(self, line: str) -> dict:
        try:
            res = await self.request.send_command(line)
        except (ValueError, ConnectionError, asyncio.IncompleteReadError) as exc:
            raise CallerHungUp(str(exc)) from exc
        if "error" in res:
            if res["error"] in ("AGIResultHangup", "AGIAppError") or res.get("status_code") == 511:
                raise CallerHungUp(res.get("msg", ""))
            if res.get("status_code") == 0:  # empty line: the socket closed
                raise CallerHungUp("connection closed")
            raise RuntimeError(f"AGI {line!r} failed: {res}")
        return res

    @staticmethod
    def _key(res: dict) -> str | None:
        """The key a command returned; None also for a stopped prompt (Asterisk reports the stop
        as a code above the keys' range)."""
        code = int(res.get("result", ("0", ""))[0] or 0)
        return chr(code) if 0 < code < 128 and chr(code) in ALL_KEYS else None

    def _path(self, prompt: str) -> str:
        return str(self.prompts_dir / prompt)

    async def _listen(self, line: str, allowed: str) -> str | None:
        """Run a command that listens for keys; the key it returns, or one the AMI reported
        meanwhile (the prompt is stopped for it), or None."""
        command = asyncio.ensure_future(self.command(line))
        if self.stop_playback is not None:
            reported = asyncio.ensure_future(self.keys.reported())
            await asyncio.wait({command, reported}, return_when=asyncio.FIRST_COMPLETED)
            reported.cancel()
            if not command.done():
                try:  # a key was reported: does the command return with it?
                    await asyncio.wait_for(asyncio.shield(command), STOP_GRACE)
                except asyncio.TimeoutError:  # no: it was dropped before the command listened
                    await self.stop_playback(self.channel)
        key = self._key(await command)
        if key:
            return await self.keys.confirm(key, allowed, self.report_wait)
        return self.keys.take(allowed)

    async def play(self, prompts: list[str], escape: str = ALL_KEYS) -> str | None:
        for p in prompts:
            if escape and (key := self.keys.take(escape)):
                return key  # pressed ahead: the caller knows the menu
            self.played.append(p)
            if not escape:  # nothing may interrupt it
                await self.command(f"STREAM FILE {self._path(p)} \"\"")
                continue
            key = await self._listen(f"STREAM FILE {self._path(p)} {_quote(escape)}", escape)
            if key:
                return key
        return None

    async def wait_key(self, seconds: float) -> str | None:
        if key := self.keys.take(ALL_KEYS):
            return key
        return await self._listen(f"WAIT FOR DIGIT {int(seconds * 1000)}", ALL_KEYS)

    async def read_digits(self, prompt: str, max_digits: int, seconds: float) -> str:
        """As GET DATA: the prompt, then keys until '#', `max_digits`, or a silence (`seconds` before
        the first key, INTER_DIGIT_SECONDS between keys)."""
        digits = ""
        key = await self.play([prompt])
        while True:
            key = key or await self.wait_key(min(seconds, INTER_DIGIT_SECONDS) if digits else seconds)
            if key is None or key == "#":
                break
            digits += key
            if len(digits) >= max_digits:
                break
            key = None
        return digits if digits.isdigit() else ""

    async def set_var(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {_quote(value)}")


class FastAgiApplication(Application):
    """panoramisk's FastAGI application with a header reader that cannot hang or spin."""

    header_timeout = 5.0

    async def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\n\n"), self.header_timeout)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ConnectionError) as exc:
            log.warning("FastAGI connection without complete headers: %r", exc)
            writer.close()
            return
        if len(raw) > MAX_HEADER_BYTES:
            writer.close()
            return
        lines = raw.decode(self.default_encoding, "replace").strip().split("\n")
        headers = OrderedDict(line.split(": ", 1) for line in lines if ": " in line)
        script = headers.get("agi_network_script", "")
        route = self._route.get(script)
        if route is None:
            log.error("no FastAGI route for %r", script)
        else:
            request = Request(app=self, headers=headers, reader=reader, writer=writer,
                              encoding=self.default_encoding)
            try:
                await route(request)
            except CallerHungUp:
                pass
            except Exception:
                log.exception("FastAGI route %r failed", script)
        writer.close()

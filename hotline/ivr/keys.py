"""Keys the caller pressed, kept until the IVR reads them: no key is lost between two AGI commands.

Asterisk gives a key to an AGI script only while a command listens (STREAM FILE, WAIT FOR DIGIT);
a key that arrives between two commands, or before the first one (the IVR is not connected yet),
is read by Asterisk's AGI loop and dropped. Every key Asterisk reads is also reported on the AMI
(`DTMFEnd`). The AMI tap (`dtmf_tap.py`) feeds those reports here, one `KeyBuffer` per channel;
the FastAGI channel reads its keys from the buffer first and listens through AGI only when the
buffer is empty.

A key that AGI returns is also reported on the AMI, usually first, sometimes a little later: the
buffer matches the two so that each key counts once, and in the order it was pressed. A key that
Asterisk dropped just before a prompt started (the AGI command was still on its way) is reported
while the prompt plays: the channel then stops the prompt (AMI ControlPlayback) and reads the key
from the buffer, so the caller does not wait for the prompt's end. Without the AMI (connection
down), keys come from AGI alone, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque

MAX_KEYS = 64  # per call: a caller typing far ahead of the menu gets the first 64
MAX_CHANNELS = 5000  # channels with keys nobody claimed (operators', agencies') are forgotten first
KEEP_SECONDS = 3600.0


class KeyBuffer:
    """One call's keys, in the order pressed."""

    def __init__(self) -> None:
        self._keys: deque[str] = deque(maxlen=MAX_KEYS)
        self._ahead: deque[str] = deque(maxlen=MAX_KEYS)  # returned by AGI before the AMI reported them
        self._arrived = asyncio.Event()
        self.touched = time.monotonic()

    def pressed(self, key: str) -> None:
        """The AMI reports a key."""
        self.touched = time.monotonic()
        if self._ahead and self._ahead[0] == key:
            self._ahead.popleft()  # already given to the IVR through AGI
            return
        self._keys.append(key)
        self._arrived.set()

    def take(self, allowed: str) -> str | None:
        """The earliest key not yet read that `allowed` accepts (earlier ones it does not are
        dropped, as Asterisk drops keys that are not escape digits), or None."""
        while self._keys:
            key = self._keys.popleft()
            if key in allowed:
                return key
        self._arrived.clear()
        return None

    async def confirm(self, key: str, allowed: str, wait: float) -> str:
        """AGI returned `key`. Give back the earliest key pressed: `key` itself, or a key pressed
        before it in a gap (then `key` stays buffered for the next read). Waits up to `wait` s for
        the AMI report; without it, `key` counts and its late report will be ignored."""
        found = self.take(allowed)
        if found is None and wait > 0:
            try:
                await asyncio.wait_for(self._arrived.wait(), wait)
            except asyncio.TimeoutError:
                pass
            found = self.take(allowed)
        if found is None:
            self._ahead.append(key)
            return key
        return found

    async def reported(self) -> None:
        """Until a key not yet read is reported."""
        await self._arrived.wait()


class KeyTaps:
    """Every live channel's buffer, by Asterisk's unique id. Fed by the AMI; read by the IVR."""

    def __init__(self, max_channels: int = MAX_CHANNELS, keep_seconds: float = KEEP_SECONDS):
        self._buffers: OrderedDict[str, KeyBuffer] = OrderedDict()
        self.max_channels = max_channels
        self.keep_seconds = keep_seconds
        self.listening = False  # the AMI tap is connected: keys are reported

    def buffer(self, uniqueid: str) -> KeyBuffer:
        buf = self._buffers.get(uniqueid)
        if buf is None:
            buf = self._buffers[uniqueid] = KeyBuffer()
            self._forget_old()
        return buf

    def pressed(self, uniqueid: str, key: str) -> None:
        if key and uniqueid:
            self.buffer(uniqueid).pressed(key)

    def release(self, uniqueid: str) -> None:
        self._buffers.pop(uniqueid, None)

    def _forget_old(self) -> None:
        limit = time.monotonic() - self.keep_seconds
        while self._buffers:
            uid, oldest = next(iter(self._buffers.items()))
            if len(self._buffers) <= self.max_channels and oldest.touched >= limit:
                break
            del self._buffers[uid]

    def __len__(self) -> int:
        return len(self._buffers)

"""The AMI side of `keys.py`: a connection of its own that receives only DTMF events (event mask
`dtmf` at login) and records every key a caller sends, by channel. panoramisk reconnects by
itself; while the connection is down the IVR reads keys through AGI alone."""

from __future__ import annotations

import asyncio
import logging

from panoramisk import Manager

from hotline.ivr.keys import KeyTaps

log = logging.getLogger(__name__)


class DtmfTap:
    def __init__(self, host: str, port: int, user: str, secret: str, taps: KeyTaps):
        self.taps = taps
        self.logged_in = asyncio.Event()
        self._closing = False
        self.manager = Manager(host=host, port=port, username=user, secret=secret, events="dtmf",
                               ping_delay=2, ping_interval=2, reconnect_timeout=1,
                               on_login=self._on_login, on_disconnect=self._on_disconnect)
        self.manager.register_event("DTMFEnd", self._on_key)

    def start(self) -> None:
        """Connect now or as soon as Asterisk listens (panoramisk retries every second)."""
        self.manager.connect()

    def close(self) -> None:
        self._closing = True
        self.taps.listening = False
        self.manager.close()

    def _on_login(self, manager) -> None:
        self.taps.listening = True
        self.logged_in.set()

    def _on_disconnect(self, manager, exc) -> None:
        self.taps.listening = False
        self.logged_in.clear()
        if self._closing:
            return
        log.warning("AMI key tap lost (%s); keys come from AGI alone until it reconnects", exc)

    async def stop_playback(self, channel: str) -> None:
        """Stop the prompt a channel is playing (a key the IVR must read now is in its buffer)."""
        try:
            await asyncio.wait_for(self.manager.send_action({"Action": "ControlPlayback", "Channel": channel,
                                                             "Control": "stop"}), 5)
        except Exception as exc:  # the call may have ended meanwhile
            log.info("could not stop the prompt on %s: %r", channel, exc)

    def _on_key(self, manager, message) -> None:
        if message.get("Direction") == "Received":
            self.taps.pressed(message.get("Uniqueid", ""), message.get("Digit", ""))

"""Live captions in a worker process (never in the event loop's process): the growing audio of
each side of a call arrives in chunks, the voice-activity detector cuts it into phrases, the
engine's streaming recogniser takes each phrase's audio as it arrives, and the phrase's text is
taken as soon as its speaker pauses (only the last fraction of a second is left to recognise). One process keeps the state of the sides it
serves (the parent sends a side always to the same process)."""

from __future__ import annotations

import os
import unicodedata

from hotline.recordings import engines
from hotline.recordings.vad import FRAME_MS, RATES

END_MS = 450  # this much silence after speech ends a phrase
MAX_PHRASE_S = 12.0  # a longer stretch is recognised in pieces, so captions keep coming
PAD_MS = 240  # silence kept before the first voiced frame (the detector reacts a little late)


class PhraseCutter:
    """Cuts one side's audio (16-bit mono PCM at `rate`) into phrases as it arrives."""

    def __init__(self, rate: int, aggressiveness: int = 2):
        import webrtcvad

        self.rate = rate
        self.vad = webrtcvad.Vad(aggressiveness) if rate in RATES else None
        self.frame = 2 * rate * FRAME_MS // 1000  # bytes per frame
        self.pending = b""  # not yet a whole frame
        self.in_phrase = False
        self.lead = bytearray()  # recent silence before a phrase
        self.silent_ms = 0
        self.at = 0  # bytes read so far
        self.phrase_start = 0
        self.phrase = b""  # feed(): the phrase under way

    def steps(self, pcm: bytes, final: bool = False) -> list[tuple]:
        """What `pcm` adds: ("audio", bytes) of the phrase under way (its lead-in included), and
        ("end", start second, end second) when a phrase ends (all that is left when `final`)."""
        out: list[tuple] = []
        audio = bytearray()
        data = self.pending + pcm
        whole = len(data) - len(data) % self.frame
        self.pending = data[whole:]
        for at in range(0, whole, self.frame):
            frame = data[at:at + self.frame]
            voiced = self.vad.is_speech(frame, self.rate) if self.vad else True
            self.at += self.frame
            if self.in_phrase:
                audio += frame
                self.silent_ms = 0 if voiced else self.silent_ms + FRAME_MS
                if self.silent_ms >= END_MS or self.at - self.phrase_start >= MAX_PHRASE_S * 2 * self.rate:
                    out += [("audio", bytes(audio)), self._end()]
                    audio = bytearray()
            elif voiced:
                self.in_phrase, self.silent_ms = True, 0
                self.phrase_start = self.at - self.frame - len(self.lead)
                audio += self.lead + frame
                self.lead = bytearray()
            else:
                self.lead = (self.lead + frame)[-2 * self.rate * PAD_MS // 1000:]
        if audio:
            out.append(("audio", bytes(audio)))
        if final and self.in_phrase:
            out.append(self._end())
        return out

    def _end(self) -> tuple:
        self.in_phrase, self.silent_ms = False, 0
        return ("end", self.phrase_start / 2 / self.rate, self.at / 2 / self.rate)

    def feed(self, pcm: bytes, final: bool = False) -> list[tuple[float, bytes]]:
        """The phrases completed by `pcm`: (start second, PCM) (for tests and tools; the live path
        streams the steps)."""
        out = []
        for step in self.steps(pcm, final):
            if step[0] == "audio":
                self.phrase += step[1]
            else:
                out.append((step[1], self.phrase))
                self.phrase = b""
        return out


class Side:
    """One side of a live call: its phrase cutter and its engine's streaming recogniser."""

    def __init__(self, engine, rate: int, vad: int):
        self.cutter = PhraseCutter(rate, vad)
        self.stream = engine.stream(rate)

    def feed(self, pcm: bytes, final: bool) -> list[dict]:
        found = []
        for step in self.cutter.steps(pcm, final):
            if step[0] == "audio":
                self.stream.accept(step[1])  # recognised as it arrives
            else:
                said = self.stream.final().strip()
                if said:
                    found.append({"text": unicodedata.normalize("NFC", said), "s": round(step[1], 2),
                                  "e": round(step[2], 2)})
        return found


_sides: dict[str, Side] = {}


def hello() -> int:
    """This worker's process id (the parent logs it: a live worker can be told from the others)."""
    return os.getpid()


def feed(engine: str, model: str, key: str, pcm: bytes, rate: int, vad: int, final: bool = False) -> list[dict]:
    """What the side `key` said in the phrases `pcm` completes: [{"text", "s", "e"}], times in
    seconds from where the live path began reading that side."""
    side = _sides.get(key)
    if side is None:
        side = _sides[key] = Side(engines.load(engine, model), rate, vad)
    try:
        return side.feed(pcm, final)
    finally:
        if final:
            _sides.pop(key, None)


def forget(key: str) -> None:
    _sides.pop(key, None)

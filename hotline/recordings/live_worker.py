"""Live captions in a worker process (never in the event loop's process): the growing audio of
each side of a call arrives in chunks, the voice-activity detector cuts it into phrases, and each
phrase is recognised as soon as its speaker pauses. One process keeps the state of the sides it
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
        self.phrase = bytearray()
        self.lead = bytearray()  # recent silence before a phrase
        self.silent_ms = 0
        self.at = 0  # bytes read so far
        self.phrase_start = 0

    def feed(self, pcm: bytes, final: bool = False) -> list[tuple[float, bytes]]:
        """The phrases completed by `pcm` (all that is left when `final`): (start second, PCM)."""
        out: list[tuple[float, bytes]] = []
        data = self.pending + pcm
        whole = len(data) - len(data) % self.frame
        self.pending = data[whole:]
        for at in range(0, whole, self.frame):
            frame = data[at:at + self.frame]
            voiced = self.vad.is_speech(frame, self.rate) if self.vad else True
            if self.phrase:
                self.phrase += frame
                self.silent_ms = 0 if voiced else self.silent_ms + FRAME_MS
                if self.silent_ms >= END_MS or len(self.phrase) >= MAX_PHRASE_S * 2 * self.rate:
                    out.append(self._cut())
            elif voiced:
                self.phrase_start = self.at - len(self.lead)
                self.phrase = self.lead + frame
                self.lead = bytearray()
                self.silent_ms = 0
            else:
                self.lead = (self.lead + frame)[-2 * self.rate * PAD_MS // 1000:]
            self.at += self.frame
        if final and self.phrase:
            out.append(self._cut())
        return out

    def _cut(self) -> tuple[float, bytes]:
        phrase, start = bytes(self.phrase), self.phrase_start / 2 / self.rate
        self.phrase, self.silent_ms = bytearray(), 0
        return start, phrase


_sides: dict[str, PhraseCutter] = {}


def hello() -> int:
    """This worker's process id (the parent logs it: a live worker can be told from the others)."""
    return os.getpid()


def feed(engine: str, model: str, key: str, pcm: bytes, rate: int, vad: int, final: bool = False) -> list[dict]:
    """What the side `key` said in the phrases `pcm` completes: [{"text", "s", "e"}], times in
    seconds from where the live path began reading that side."""
    cutter = _sides.get(key)
    if cutter is None:
        cutter = _sides[key] = PhraseCutter(rate, vad)
    found = []
    try:
        phrases = cutter.feed(pcm, final)
        if phrases:
            eng = engines.load(engine, model)
        for start, phrase in phrases:
            said = " ".join(p["w"] for p in eng.recognise(phrase, rate)).strip()
            if said:
                found.append({"text": unicodedata.normalize("NFC", said), "s": round(start, 2),
                              "e": round(start + len(phrase) / 2 / rate, 2)})
    finally:
        if final:
            _sides.pop(key, None)
    return found


def forget(key: str) -> None:
    _sides.pop(key, None)

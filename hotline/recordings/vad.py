"""Where the speech is in one side of a call: WebRTC's voice-activity detector over 30 ms frames,
so that Vosk reads only the stretches with a voice (most of each side of a call is the other side
talking, or music on hold). Pure function over PCM; no I/O."""

from __future__ import annotations

RATES = (8000, 16000, 32000, 48000)  # what the detector accepts
FRAME_MS = 30


def speech_spans(pcm: bytes, rate: int, aggressiveness: int = 2, pad_ms: int = 300,
                 merge_ms: int = 600) -> list[tuple[int, int]]:
    """Spans of 16-bit mono `pcm` with speech, as (first sample, end sample), each widened by
    `pad_ms` on both sides (the detector reacts a little late and the recogniser needs context)
    and merged when less than `merge_ms` apart. Audio the detector cannot read is one span."""
    samples = len(pcm) // 2
    if rate not in RATES:
        return [(0, samples)] if samples else []
    import webrtcvad

    vad = webrtcvad.Vad(aggressiveness)
    step = rate * FRAME_MS // 1000
    spans: list[tuple[int, int]] = []
    pad, merge = rate * pad_ms // 1000, rate * merge_ms // 1000
    for first in range(0, samples - step + 1, step):
        if vad.is_speech(pcm[2 * first:2 * (first + step)], rate):
            start, end = max(0, first - pad), min(samples, first + step + pad)
            if spans and start - spans[-1][1] < merge:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans

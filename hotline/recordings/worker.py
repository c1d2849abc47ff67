"""Speech to text in a worker process (never in the event loop's process), with the engine of
`[transcription] engine` (hotline/recordings/engines.py) loaded once per process and serving
every job that process runs."""

from __future__ import annotations

import unicodedata
import wave

from hotline.recordings import engines
from hotline.recordings.vad import speech_spans


def read_wav(wav_path: str) -> tuple[bytes, int]:
    with wave.open(wav_path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{wav_path}: cần WAV đơn kênh 16 bit, tệp có {w.getnchannels()} kênh, "
                             f"{8 * w.getsampwidth()} bit")
        return w.readframes(w.getnframes()), w.getframerate()


def recognise(engine: str, model: str, wav_path: str, speaker: str, vad: int | None = 2) -> tuple[list[dict], float]:
    """Pieces of one mono 16-bit WAV as [{"ch", "w", "s", "e", "c"}] (words with Vosk, one segment
    per stretch of speech with viet-asr), and its seconds of audio. With `vad` (the detector's
    aggressiveness, 0-3), only the spans with speech are recognised, each on its own, and times
    are given from the start of the file; None reads it all as one span."""
    eng = engines.load(engine, model)
    pcm, rate = read_wav(wav_path)
    spans = speech_spans(pcm, rate, vad) if vad is not None else [(0, len(pcm) // 2)]
    pieces: list[dict] = []
    for first, end in spans:
        offset = first / rate
        for p in eng.recognise(pcm[2 * first:2 * end], rate):
            pieces.append({"ch": speaker, "w": unicodedata.normalize("NFC", p["w"]),
                           "s": round(p["s"] + offset, 2), "e": round(p["e"] + offset, 2), "c": p["c"]})
    return pieces, len(pcm) / 2 / rate


def transcribe(engine: str, model: str, channels: list[tuple[str, str]], vad: int | None = 2) -> dict:
    """All channels of one call: {"words": [...] by start time, "text": one line per speaker,
    "audio_seconds": seconds of audio recognised (all channels), "model": the engine's name}."""
    words, seconds = [], 0.0
    for speaker, path in channels:
        found, length = recognise(engine, model, path, speaker, vad)
        words += found
        seconds += length
    words.sort(key=lambda x: (x["s"], x["ch"]))
    text = "\n".join(" ".join(x["w"] for x in words if x["ch"] == speaker) for speaker, _ in channels)
    return {"words": words, "text": text.strip(), "audio_seconds": round(seconds, 2),
            "model": engines.load(engine, model).name}

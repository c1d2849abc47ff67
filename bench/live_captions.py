"""Benchmark: live captions' capacity and caption delay, against the bare engine in the same run.

Calls are conversations (espeak-ng Vietnamese, 8 kHz): the caller and the operator take turns, a
sentence each, with pauses. Each side is written into its own WAV in a spool folder at the pace
of a real call (a tenth of a second every tenth of a second, as MixMonitor writes), and the real
live path (hotline/recordings/live.py: the growing files read, phrases cut at pauses and
recognised in worker processes, captions published on the event bus) follows every call. For 1,
2, 3, ... concurrent calls per live worker (one core each): the caption delay, from the end of a
spoken sentence in the audio to its caption on the bus (p50, p95, max), and the share of sentences
captioned. The goal: at least 3 calls per core with p95 under 2 s. Then the bare engine in the
same run: the same sentences recognised one after another in this process, as the speech
seconds it recognises per wall second (its ceiling of concurrent talking sides per core).

    .venv/bin/python bench/live_captions.py [--calls 1,2,3,4] [--workers 1] [--turns 4] [--engine viet-asr]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import struct
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.events.bus import EventBus  # noqa: E402
from hotline.events.types import CallAnswered, CallEnded, CaptionHeard  # noqa: E402
from hotline.recordings import engines  # noqa: E402
from hotline.recordings.live import LiveCaptions  # noqa: E402
from hotline.settings import Transcription  # noqa: E402
from hotline.testing.speech import VIETNAMESE, speech_wav  # noqa: E402

RATE = 8000
SENTENCES = [VIETNAMESE, "Tôi muốn hỏi thủ tục cấp giấy phép xây dựng nhà ở",
             "Dạ, anh vui lòng cho biết địa chỉ và số điện thoại", "Đường ở xã Tân Thuận bị ngập sau cơn mưa",
             "Tổng đài đã ghi nhận phản ánh và chuyển cho cơ quan", "Cảm ơn chị, tôi sẽ chờ kết quả"]
PAUSE = 1.5  # seconds between turns
STEP = 0.1  # seconds written at a time, like MixMonitor


def pcm_of(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())


def conversation(speech: list[bytes], turns: int, shift: int) -> tuple[bytes, bytes, dict[str, list[float]]]:
    """Both sides of a call of `turns` turns, and the seconds at which each side's sentences end."""
    sides = {"caller": bytearray(), "operator": bytearray()}
    ends: dict[str, list[float]] = {"caller": [], "operator": []}
    pause = b"\0" * int(2 * RATE * PAUSE)
    for t in range(turns):
        who, other = ("caller", "operator") if t % 2 == 0 else ("operator", "caller")
        said = speech[(t + shift) % len(speech)]
        sides[who] += said
        ends[who].append(len(sides[who]) / 2 / RATE)
        sides[other] += b"\0" * len(said)
        sides["caller"] += pause
        sides["operator"] += pause
    return bytes(sides["caller"]), bytes(sides["operator"]), ends


def header() -> bytes:
    """A WAV header as Asterisk writes it before it knows the length (sizes 0)."""
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, 2 * RATE, 2, 16)
    return b"RIFF" + struct.pack("<I", 0) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)


async def run(n: int, workers: int, speech: list[bytes], turns: int, engine: str) -> dict:
    spool = Path(tempfile.mkdtemp(prefix="live-bench-")) / "spool"
    (spool / "20261207").mkdir(parents=True)
    bus = EventBus()
    heard: list[tuple[str, str, float, float]] = []  # linkedid, side, end in the audio, wall time

    async def on_caption(e: CaptionHeard) -> None:
        heard.append((e.data["linkedid"], e.data["side"], e.data["end"], time.monotonic()))

    bus.subscribe(on_caption, CaptionHeard)
    live = LiveCaptions(None, Transcription(engine=engine, live=True, live_calls=n, live_workers=workers), None,
                        spool, bus, [])
    await live.start()
    calls = {f"bench-{n}-{i}": conversation(speech, turns, i) for i in range(n)}
    files = {}
    for lid in calls:
        for side in ("caller", "operator"):
            f = open(spool / "20261207" / f"{lid}.{side}.wav", "wb")
            f.write(header())
            f.flush()
            files[lid, side] = f
        await bus.publish(CallAnswered(agent="op1", data={"linkedid": lid, "caller": "0912000000"}))
    await asyncio.sleep(1.0)  # the live path opens the files
    t0 = time.monotonic()
    length = max(len(c[0]) for c in calls.values())
    step = int(2 * RATE * STEP)
    for at in range(0, length, step):
        for lid, (caller, operator, _ends) in calls.items():
            for side, audio in (("caller", caller), ("operator", operator)):
                files[lid, side].write(audio[at:at + step])
                files[lid, side].flush()
        await asyncio.sleep(max(0.0, t0 + (at + step) / 2 / RATE - time.monotonic()))
    for lid in calls:
        await bus.publish(CallEnded(data={"linkedid": lid}))
    while live.calls:
        await asyncio.sleep(0.1)
    await live.stop()
    for f in files.values():
        f.close()
    delays, captioned, sentences = [], 0, 0
    for lid, (_c, _o, ends) in calls.items():
        for side, side_ends in ends.items():
            sentences += len(side_ends)
            mine = sorted((e, wall) for l, s, e, wall in heard if l == lid and s == side)
            for end in side_ends:
                # The caption of this sentence: the first whose phrase ends after it (within a pause).
                match = next((wall for e, wall in mine if end <= e <= end + PAUSE + 0.5), None)
                if match is not None:
                    captioned += 1
                    delays.append(match - (t0 + end))
    delays.sort()
    return {"calls": n, "sentences": sentences, "captioned": captioned,
            "p50": statistics.median(delays) if delays else None,
            "p95": delays[min(len(delays) - 1, int(0.95 * len(delays)))] if delays else None,
            "max": delays[-1] if delays else None}


def bare(engine: str, speech: list[bytes]) -> tuple[float, float]:
    """The same sentences through the engine's streaming recogniser as the live path feeds it (a
    quarter of a second at a time, then the phrase's end), one after another in this process, the
    model load not counted: speech seconds per wall second, and per CPU second."""
    eng = engines.load(engine)
    seconds = sum(len(s) for s in speech) / 2 / RATE
    stream = eng.stream(RATE)
    stream.accept(speech[0])  # warm
    stream.final()
    wall, cpu = time.monotonic(), time.process_time()
    for s in speech:
        s += b"\0" * int(2 * RATE * 0.45)  # with the pause that ends a phrase
        for at in range(0, len(s), 2 * RATE // 4):
            stream.accept(s[at:at + 2 * RATE // 4])
        stream.final()
    return seconds / (time.monotonic() - wall), seconds / (time.process_time() - cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", default="1,2,3,4", help="numbers of concurrent calls to try")
    ap.add_argument("--workers", type=int, default=1, help="live worker processes (one core each)")
    ap.add_argument("--turns", type=int, default=6, help="sentences per call (the sides take turns)")
    ap.add_argument("--engine", default="viet-asr", choices=engines.ENGINES[:1])
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="live-speech-"))
    speech = [pcm_of(speech_wav(s, folder / f"s{i}.wav", voice="vi")) for i, s in enumerate(SENTENCES)]
    print(f"engine {args.engine}, {args.workers} live worker(s), calls of {args.turns} turns "
          f"(a sentence of {min(len(s) for s in speech) / 16000:.1f}-{max(len(s) for s in speech) / 16000:.1f} s "
          f"each, {PAUSE} s pauses)")
    print(f"{'calls':>5} {'sentences':>9} {'captioned':>9} {'delay p50':>9} {'p95':>6} {'max':>6}  (seconds)")
    for n in [int(x) for x in args.calls.split(",") if x]:
        r = asyncio.run(run(n, args.workers, speech, args.turns, args.engine))
        fmt = (lambda v: f"{v:6.2f}" if v is not None else "     –")
        print(f"{r['calls']:>5} {r['sentences']:>9} {r['captioned']:>9} {fmt(r['p50']):>9} {fmt(r['p95'])} "
              f"{fmt(r['max'])}", flush=True)
    per_wall, per_cpu = bare(args.engine, speech)
    print(f"bare engine, same sentences streamed in this process: {per_wall:.1f} s of speech per wall second "
          f"({per_cpu:.1f} per CPU second, the engine's own threads included); in calls where one side talks at "
          f"a time, about {per_cpu:.1f} calls per core at most")

if __name__ == "__main__":
    main()

"""Checks and conversions of recording files: is a WAV complete, how long is it, its SHA-256, and
the compressed (Opus) copy, verified by decoding it. Plain functions, run in threads."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment


@dataclass
class WavCheck:
    duration: float  # seconds of audio the file holds
    problem: str | None  # None: complete and readable; else why not (shown to supervisors)
    rate: int = 0
    channels: int = 0


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_wav(path: Path) -> WavCheck:
    """Whether a WAV file is complete: a RIFF/WAVE header whose data size matches the bytes that
    follow it. Asterisk writes the sizes when it closes the file, so a file it did not finish (a
    crash mid-call) or one cut short after the fact is flagged, never taken as complete."""
    size = path.stat().st_size
    if size == 0:
        return WavCheck(0, "Tệp ghi âm rỗng (0 byte)")
    with open(path, "rb") as f:
        head = f.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return WavCheck(0, "Không phải tệp WAV (thiếu phần đầu RIFF/WAVE)")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(head):
        cid, clen = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if cid == b"fmt " and pos + 8 + 16 <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, pos + 8)
        elif cid == b"data":
            data = (pos + 8, clen)
            break
        pos += 8 + clen + (clen & 1)
    if fmt is None or data is None:
        return WavCheck(0, "Phần đầu tệp WAV không đủ (thiếu fmt hoặc data)")
    _tag, channels, rate, byte_rate, _align, _bits = fmt
    offset, declared = data
    actual = size - offset
    seconds = (actual / byte_rate) if byte_rate else 0
    if declared == 0 and actual > 0:
        return WavCheck(seconds, f"Ghi âm chưa hoàn tất: phần đầu tệp chưa ghi độ dài ({actual} byte âm thanh)",
                        rate, channels)
    if actual < declared:
        return WavCheck(seconds, f"Tệp bị cắt cụt: phần đầu ghi {declared} byte, tệp chỉ có {actual} byte",
                        rate, channels)
    if actual > declared + 4096:  # more audio than the header says: not closed by the recorder
        return WavCheck(seconds, f"Ghi âm chưa hoàn tất: phần đầu ghi {declared} byte, tệp có {actual} byte",
                        rate, channels)
    return WavCheck(declared / byte_rate if byte_rate else 0, None, rate, channels)


def _padded(seg: AudioSegment, frames: int) -> AudioSegment:
    """`seg` with silence appended up to `frames` frames."""
    missing = frames - int(seg.frame_count())
    return seg._spawn(seg.raw_data + b"\0" * (missing * seg.frame_width)) if missing > 0 else seg


def compress(out: Path, bitrate: str, mix: Path, caller: Path | None = None, operator: Path | None = None) -> float:
    """Write the compressed copy (Ogg Opus) to `out` and return its decoded duration. With both
    legs, a stereo file: caller on the left, operator (and what the caller heard) on the right;
    else the mix in mono. The copy is decoded again to check it before anything relies on it."""
    if caller and operator:
        left = AudioSegment.from_wav(caller).set_channels(1)
        right = AudioSegment.from_wav(operator).set_channels(1).set_frame_rate(left.frame_rate) \
            .set_sample_width(left.sample_width)
        # MixMonitor's S option keeps the legs in step; a leg a few frames short (the last frame
        # still in flight at hang-up) is padded so that the copy lasts as long as the mix.
        mixed = AudioSegment.from_wav(mix).set_frame_rate(left.frame_rate)
        frames = max(int(left.frame_count()), int(right.frame_count()), int(mixed.frame_count()))
        audio = AudioSegment.from_mono_audiosegments(_padded(left, frames), _padded(right, frames))
    else:
        audio = AudioSegment.from_wav(mix)
    tmp = out.with_name(out.name + ".part")
    audio.export(tmp, format="ogg", codec="libopus", bitrate=bitrate)
    decoded = AudioSegment.from_file(tmp, format="ogg")
    tmp.replace(out)
    return decoded.duration_seconds

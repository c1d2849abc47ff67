"""Spoken test audio from espeak-ng (and sox): what test callers say."""

from __future__ import annotations

import subprocess
from pathlib import Path

KOREAN = "안녕하세요 전화 주셔서 감사합니다 도로가 고장 났어요 빨리 고쳐 주세요"
# espeak-ng's Vietnamese (voice "vi") is robotic: viet-asr hears about half of its words. Of this
# sentence it reliably hears some of VIETNAMESE_HEARD (at 8 kHz, through Asterisk too).
VIETNAMESE = "Xin chào tổng đài, đèn đường ở phường Mỹ Phú bị hỏng, nhờ báo điện lực sửa giúp"
VIETNAMESE_HEARD = {"chào", "mỹ", "nhờ", "điện"}


def speech_wav(text: str, out: Path, voice: str = "ko", encoding: str = "signed-integer") -> Path:
    """`text` spoken by espeak-ng as an 8 kHz mono WAV: 16-bit linear (the default), or
    `encoding="a-law"` for SIPp's rtp_stream (payload 8)."""
    raw = out.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(raw), text], check=True)
    bits = ["-b", "16"] if encoding == "signed-integer" else []
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-e", encoding, *bits, str(out)], check=True)
    raw.unlink()
    return out

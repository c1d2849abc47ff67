"""Sound files in the formats Asterisk plays without transcoding (8 kHz mono A-law, u-law and
16-bit WAV), made with sox."""

from __future__ import annotations

import subprocess
from pathlib import Path

FORMATS = {"alaw": ["-t", "al"], "ulaw": ["-t", "ul"], "wav": ["-t", "wav", "-b", "16", "-e", "signed-integer"]}


def to_asterisk_formats(source: Path, dest_base: Path) -> list[Path]:
    """Convert `source` (any sox-readable file) to `<dest_base>.{alaw,ulaw,wav}` at 8 kHz mono."""
    dest_base.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext, fmt in FORMATS.items():
        target = dest_base.with_name(dest_base.name + "." + ext)
        tmp = target.with_name(target.name + ".tmp")
        subprocess.run(["sox", str(source), "-r", "8000", "-c", "1", *fmt, str(tmp)], check=True,
                       capture_output=True)
        tmp.replace(target)
        out.append(target)
    return out

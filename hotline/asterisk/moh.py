"""Music on hold: a soft chime sequence synthesised with sox at set-up (no third-party audio in
the repository). Replace the files in `<home>/sounds/moh/` with licensed music for production."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from hotline.audio import to_asterisk_formats

NOTES = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46, 523.25, 659.25, 783.99, 1046.5]


def build_moh(moh_dir: Path) -> bool:
    if (moh_dir / "hotline-hold.wav").exists():
        return False
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, freq in enumerate(NOTES):
            p = Path(tmp) / f"n{i:02d}.wav"
            subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(p), "synth", "0.6", "sine", str(freq),
                            "fade", "0.02", "0.6", "0.3", "vol", "0.25"], check=True, capture_output=True)
            parts.append(str(p))
        tune = Path(tmp) / "tune.wav"
        subprocess.run(["sox", *parts, str(tune), "repeat", "2"], check=True, capture_output=True)
        to_asterisk_formats(tune, moh_dir / "hotline-hold")
    return True

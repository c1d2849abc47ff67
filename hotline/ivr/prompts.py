"""Build the IVR's prompt files: espeak-ng speaks each text of the prompts file in Vietnamese, or a
professionally recorded file from the custom-prompts folder replaces it. A stamp per prompt makes
a second run skip everything that has not changed. The number files Asterisk's queues say a
caller's position and wait with (`digits/<n>`, Asterisk's Vietnamese syntax) are made the same way
from the number prompts' words; a recording `custom-prompts/digits/<n>.wav` replaces one."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import tempfile
from pathlib import Path

from hotline.audio import to_asterisk_formats
from hotline.config.prompts import PromptsFile
from hotline.ivr.say import asterisk_number_texts

log = logging.getLogger(__name__)
CUSTOM_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg")


def _custom_source(custom_dir: Path, name: str) -> Path | None:
    for ext in CUSTOM_EXTENSIONS:
        p = custom_dir / f"{name}{ext}"
        if p.exists():
            return p
    return None


def speak(text: str, voice: str, speed: int, dest_base: Path) -> None:
    """Say `text` with espeak-ng into Asterisk's formats at `dest_base` (no extension)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True,
                       capture_output=True, timeout=120)
        to_asterisk_formats(wav, dest_base)


def build_prompts(prompts: PromptsFile, out_dir: Path, custom_dir: Path) -> int:
    """Make every prompt; return how many files were (re)built."""
    out_dir.mkdir(parents=True, exist_ok=True)
    custom_dir.mkdir(parents=True, exist_ok=True)
    stamps_file = out_dir / ".stamps.json"
    stamps = json.loads(stamps_file.read_text()) if stamps_file.exists() else {}
    built = 0
    texts = {**prompts.prompts, **asterisk_number_texts(prompts.prompts)}
    for name, text in sorted(texts.items()):
        custom = _custom_source(custom_dir, name)
        if custom:
            st = custom.stat()
            key = f"custom:{custom.name}:{st.st_size}:{st.st_mtime_ns}"
        else:
            key = "espeak:" + hashlib.sha256(f"{prompts.voice}|{prompts.speed}|{text}".encode()).hexdigest()
        if stamps.get(name) == key and (out_dir / f"{name}.wav").exists():
            continue
        if custom:
            to_asterisk_formats(custom, out_dir / name)
        else:
            speak(text, prompts.voice, prompts.speed, out_dir / name)
        stamps[name] = key
        built += 1
    stamps_file.write_text(json.dumps(stamps, indent=1, sort_keys=True))
    if built:
        log.info("built %d prompts in %s", built, out_dir)
    return built

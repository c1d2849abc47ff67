"""Installing a Vosk model: from a URL or a local archive (zip or tar), checked against its
SHA-256 before anything is unpacked, into `<home>/models/<name>`. Production uses
`vosk-model-small-vn-0.4` (or `vosk-model-vn-0.4`) from alphacephei.com."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from hotline.recordings.audio import sha256_of
from hotline.safe_tar import UnsafeMember, extract


class ModelError(Exception):
    pass


def check_model(path: Path) -> str | None:
    """Why `path` is not a usable Vosk model folder, or None."""
    if not path.is_dir():
        return f"{path} không phải thư mục (chưa cài mô hình? dùng `hotline model install`)"
    if not ((path / "am").is_dir() or (path / "final.mdl").exists()) or not (path / "conf").is_dir():
        return f"{path} không phải mô hình Vosk (thiếu am/ hoặc conf/)"
    return None


def _safe_members(names: list[str]) -> None:
    for name in names:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ModelError(f"archive member {name!r} would land outside the target folder")


def install_model(source: str, sha256: str, models_dir: Path) -> Path:
    """Fetch (http/https URL) or copy the archive, verify its SHA-256, unpack it, check it is a
    model and move it into place. Returns the model folder."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir) as tmp:
        archive = Path(tmp) / "model.archive"
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=60) as resp, open(archive, "wb") as out:
                shutil.copyfileobj(resp, out)
        else:
            if not Path(source).is_file():
                raise ModelError(f"{source}: no such file")
            shutil.copyfile(source, archive)
        actual = sha256_of(archive)
        if actual.lower() != sha256.lower():
            raise ModelError(f"checksum mismatch: expected {sha256}, got {actual}; nothing installed")
        unpacked = Path(tmp) / "unpacked"
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                _safe_members(z.namelist())
                z.extractall(unpacked)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                try:
                    extract(t, t.getmembers(), unpacked)
                except UnsafeMember as exc:
                    raise ModelError(f"archive member {exc}") from exc
        else:
            raise ModelError(f"{source}: neither a zip nor a tar archive")
        entries = list(unpacked.iterdir())
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else unpacked
        problem = check_model(root)
        if problem:
            raise ModelError(problem)
        target = models_dir / (root.name if root != unpacked else Path(source).name.split(".")[0])
        if target.exists():
            shutil.rmtree(target)
        root.replace(target)
        return target

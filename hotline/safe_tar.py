"""Unpacking tar archives that come from outside (backups, speech models) without letting a member
land outside the target folder. Python's own `filter="data"` arrived in 3.11.4; Debian 12's Python
is 3.11.2, so the check is done here: regular files and folders only (no links, devices or
FIFOs), relative names without `..`, modes without set-id bits."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path, PurePosixPath


class UnsafeMember(ValueError):
    """A member that would land outside the target folder, or is not a plain file or folder."""


def check_members(members: list[tarfile.TarInfo]) -> None:
    """Raise UnsafeMember for the first member that may not be unpacked: checked all before
    anything is written."""
    for m in members:
        path = PurePosixPath(m.name)
        if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in m.name or "\0" in m.name:
            raise UnsafeMember(f"{m.name[:200]!r} would land outside the target folder")
        if not (m.isfile() or m.isdir()):
            raise UnsafeMember(f"{m.name[:200]!r} is a link or a special file")


def extract(tar: tarfile.TarFile, members: list[tarfile.TarInfo], target: Path) -> None:
    """Unpack `members` (checked first) below `target`: folders 0755, files 0644 or 0755."""
    check_members(members)
    target = target.resolve()
    for m in members:
        dest = (target / m.name).resolve()
        if dest != target and target not in dest.parents:  # e.g. through a folder already a link
            raise UnsafeMember(f"{m.name[:200]!r} would land outside the target folder")
        if m.isdir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(m) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
        dest.chmod(0o755 if m.mode & 0o111 else 0o644)

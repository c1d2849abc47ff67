"""Archives from outside (backups, speech models) unpack only plain files and folders, below the
target, on every Python the project supports (Debian 12's 3.11.2 has no tarfile filters)."""

from __future__ import annotations

import io
import tarfile

import pytest

from hotline.safe_tar import UnsafeMember, extract


def archive(tmp_path, *members: tarfile.TarInfo, data: bytes = b"abc") -> tarfile.TarFile:
    path = tmp_path / "a.tar"
    with tarfile.open(path, "w") as t:
        for m in members:
            t.addfile(m, io.BytesIO(data) if m.isfile() else None)
    return tarfile.open(path)


def file(name: str, mode: int = 0o644, size: int = 3) -> tarfile.TarInfo:
    m = tarfile.TarInfo(name)
    m.size, m.mode = size, mode
    return m


def special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    m = tarfile.TarInfo(name)
    m.type, m.linkname = kind, link
    return m


def test_plain_files_and_folders_are_unpacked_with_plain_modes(tmp_path):
    d = tarfile.TarInfo("rec")
    d.type = tarfile.DIRTYPE
    with archive(tmp_path, d, file("rec/a.wav", 0o4755), file("rec/b/c.txt", 0o600)) as t:
        extract(t, t.getmembers(), tmp_path / "out")
    assert (tmp_path / "out" / "rec" / "a.wav").read_bytes() == b"abc"
    assert (tmp_path / "out" / "rec" / "a.wav").stat().st_mode & 0o7777 == 0o755  # no set-uid
    assert (tmp_path / "out" / "rec" / "b" / "c.txt").stat().st_mode & 0o7777 == 0o644


@pytest.mark.parametrize("member", [
    file("/etc/evil"), file("../evil"), file("rec/../../evil"), file("rec\\..\\evil"),
    special("rec/link", tarfile.SYMTYPE, "/etc/passwd"), special("rec/hard", tarfile.LNKTYPE, "/etc/passwd"),
    special("rec/dev", tarfile.CHRTYPE), special("rec/fifo", tarfile.FIFOTYPE),
], ids=["absolute", "parent", "nested-parent", "backslash", "symlink", "hardlink", "device", "fifo"])
def test_a_hostile_member_is_refused_before_anything_is_written(tmp_path, member):
    with archive(tmp_path, file("rec/first.wav"), member) as t:
        with pytest.raises(UnsafeMember):
            extract(t, t.getmembers(), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil").exists()


def test_a_folder_that_is_already_a_link_out_is_not_followed(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "rec").symlink_to(tmp_path / "elsewhere")
    with archive(tmp_path, file("rec/a.wav")) as t:
        with pytest.raises(UnsafeMember):
            extract(t, t.getmembers(), tmp_path / "out")
    assert not (tmp_path / "elsewhere" / "a.wav").exists()

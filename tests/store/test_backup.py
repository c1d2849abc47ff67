"""Backup, wipe, restore, on both engines, through the `hotline` command as an operator types it:
a ticket, a catalogued recording (compressed copy and originals) and an attachment are back in a
fresh home; a second restore over them is refused; an archive that is not a backup, or that tries
to write outside the home, is refused with nothing written."""

from __future__ import annotations

import io
import itertools
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from pydub import AudioSegment
from pydub.generators import Sine
from sqlalchemy import select

from hotline.recordings.audio import sha256_of
from hotline.recordings.catalogue import Catalogue
from hotline.settings import Recordings
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.store.recordings import Recording

ROOT = Path(__file__).resolve().parents[2]
LINKEDID = "1795000000.77"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the broken street light"
_names = itertools.count(1)


def hotline(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline.cli", "--home", str(home), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine_kind(request):
    return request.param


async def new_home(tmp_path: Path, kind: str, request, name: str) -> Path:
    home = tmp_path / name
    home.mkdir()
    if kind == "postgresql":
        url = await request.getfixturevalue("postgres").create_database(f"b{next(_names)}")
        (home / "hotline.toml").write_text(f'database_url = "{url}"\n')
    return home


def url_of(home: Path) -> str:
    toml = home / "hotline.toml"
    if toml.exists():
        return toml.read_text().split('"')[1]
    return f"sqlite+aiosqlite:///{home / 'hotline.db'}"


def spool_call(recordings: Path) -> None:
    day = recordings / "spool" / "20261202"
    day.mkdir(parents=True)
    voice = Sine(440).to_audio_segment(duration=3000, volume=-12).set_frame_rate(8000).set_channels(1) \
        .set_sample_width(2)
    voice.export(day / f"{LINKEDID}.caller.wav", format="wav")
    AudioSegment.silent(3000, 8000).set_sample_width(2).export(day / f"{LINKEDID}.operator.wav", format="wav")
    voice.export(day / f"{LINKEDID}.wav", format="wav")
    for p in day.iterdir():  # finished a minute ago
        os.utime(p, (p.stat().st_mtime - 60, p.stat().st_mtime - 60))


async def recording_of(home: Path) -> Recording | None:
    engine = make_engine(url_of(home))
    try:
        async with sessionmaker(engine)() as s:
            return await s.scalar(select(Recording).where(Recording.linkedid == LINKEDID))
    finally:
        await engine.dispose()


async def test_backup_wipe_restore(engine_kind, request, tmp_path):
    home = await new_home(tmp_path, engine_kind, request, "home")
    added = hotline(home, "ticket", "add", "--phone", "0912345678", "--topic", "administrative_procedures",
                    "--content", "Hỏi thủ tục cấp giấy phép xây dựng")
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip()

    # A call recorded and catalogued as the running hotline does it.
    engine = make_engine(url_of(home))
    await migrate(engine)
    spool_call(home / "recordings")
    catalogue = Catalogue(sessionmaker(engine), home / "recordings", Recordings(stable_seconds=1),
                          live_calls=lambda: set())
    assert await catalogue.scan() == [LINKEDID]
    await engine.dispose()
    before = await recording_of(home)
    assert before.compressed_path and before.status == "ok"
    photo = home / "attachments" / "2026" / "12" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)

    archive = tmp_path / "hotline-backup.tar"
    made = hotline(home, "backup", str(archive))
    assert made.returncode == 0 and archive.exists(), made.stderr
    assert "recordings 4" in made.stdout, made.stdout  # the compressed copy and the three originals

    shutil.rmtree(home)  # the server is gone
    fresh = await new_home(tmp_path, engine_kind, request, "fresh")
    restored = hotline(fresh, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr

    shown = hotline(fresh, "ticket", "show", code)  # also brings the schema up to date
    assert shown.returncode == 0 and shown.stdout.strip() == f"{code}: received", shown.stdout + shown.stderr
    after = await recording_of(fresh)
    assert (after.path, after.sha256, after.compressed_sha256) == (before.path, before.sha256, before.compressed_sha256)
    copy = fresh / "recordings" / after.compressed_path
    assert sha256_of(copy) == after.compressed_sha256
    assert abs(AudioSegment.from_file(copy, format="ogg").duration_seconds - 3.0) < 0.1  # it plays
    assert sha256_of(fresh / "recordings" / after.path) == after.sha256
    assert (fresh / "attachments" / "2026" / "12" / "photo.jpg").read_bytes() == PHOTO

    again = hotline(fresh, "restore", str(archive))
    assert again.returncode == 1 and "refused" in again.stderr, again.stderr


async def test_hostile_or_foreign_archives_are_refused_with_nothing_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all" * 100)
    res = hotline(home, "restore", str(junk))
    assert res.returncode == 1 and "cannot be read as a backup" in res.stderr, res.stderr

    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        for name, data in (("manifest.json", b'{"format": 1, "engine": "sqlite", "database": "database/hotline.db",'
                                             b' "made_at": "2026-12-02T00:00:00+00:00", "files": {}}'),
                           ("database/hotline.db", b""),
                           ("recordings/../../escaped.txt", b"outside the home")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    res = hotline(home, "restore", str(evil))
    assert res.returncode == 1 and "refused member" in res.stderr, res.stderr
    assert not (tmp_path / "escaped.txt").exists() and not (home / "hotline.db").exists()


def test_database_passwords_never_reach_a_command_line():
    from hotline.backups.archive import _libpq

    url, env = _libpq("postgresql+asyncpg://hotline:s3cret-pw@10.0.0.20:5432/hotline")
    assert url == "postgresql://hotline@10.0.0.20:5432/hotline" and env["PGPASSWORD"] == "s3cret-pw"


@pytest.mark.skipif(not shutil.which("age"), reason="age not installed (scripts/setup.sh installs it)")
async def test_an_encrypted_backup_says_what_it_holds_and_needs_the_key_to_restore(tmp_path):
    key = tmp_path / "backup-key.txt"
    made_key = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True)
    assert made_key.returncode == 0, made_key.stderr
    public = next(line.split(": ")[1] for line in key.read_text().splitlines() if "public key" in line)
    home = tmp_path / "home"
    home.mkdir()
    (home / "hotline.toml").write_text(f'[backups]\nage_recipients = ["{public}"]\n')
    added = hotline(home, "ticket", "add", "--phone", "0912345678", "--topic", "administrative_procedures",
                    "--content", "Đèn đường hỏng ở phường 1")
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip()
    photo = home / "attachments" / "2026" / "12" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)

    archive = tmp_path / "hotline-backup.tar.age"
    made = hotline(home, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "encrypted with age" in made.stdout and "password_hash" in made.stdout and "sip_passwords" in made.stdout
    sealed = archive.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1")
    for clear in (b"0912345678", "Đèn đường".encode(), PHOTO, b"manifest.json"):
        assert clear not in sealed

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    refused = hotline(fresh, "restore", str(archive))
    assert refused.returncode == 1 and "age_identity_file" in refused.stderr, refused.stderr
    assert not (fresh / "hotline.db").exists() and not (fresh / "attachments").exists()
    (fresh / "hotline.toml").write_text(f'[backups]\nage_identity_file = "{key}"\n')
    restored = hotline(fresh, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert (fresh / "attachments" / "2026" / "12" / "photo.jpg").read_bytes() == PHOTO
    shown = hotline(fresh, "ticket", "show", code)
    assert shown.returncode == 0 and shown.stdout.strip() == f"{code}: received", shown.stdout + shown.stderr
    assert not list(fresh.glob("hotline-decrypt-*"))  # the clear archive is gone

    wrong_key = tmp_path / "other-key.txt"
    subprocess.run(["age-keygen", "-o", str(wrong_key)], capture_output=True, check=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "hotline.toml").write_text(f'[backups]\nage_identity_file = "{wrong_key}"\n')
    refused = hotline(other, "restore", str(archive))
    assert refused.returncode == 1 and "age" in refused.stderr, refused.stderr

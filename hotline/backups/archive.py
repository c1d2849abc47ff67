"""A backup of a hotline in one tar file, and its restore into a fresh home: the database (an
online snapshot of SQLite through its backup API, or `pg_dump`'s custom format), then the files
the database points at (recordings, attachments, the statutory reports). The database is taken
first: files only appear after their rows, so everything the dumped rows point at is in the
archive. The installation's secret files and the configuration are not in it (they live with the
deployment: a restored home makes new secrets, and users sign in again); what the database itself
holds that is secret is named in the manifest (`secrets`). With `[backups] age_recipients` the
whole archive is encrypted with age; restoring it needs `age_identity_file`. pg_dump and
pg_restore get the database password from the environment (PGPASSWORD), never on their command
line (where `ps` shows it).

    hotline backup FILE        # while the hotline runs
    hotline restore FILE       # into a home whose database is empty, then `hotline run`
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import make_url

from hotline.safe_tar import UnsafeMember, check_members, extract
from hotline.settings import Settings

FORMAT = 1
FOLDERS = ("recordings", "attachments", "reports")  # below the home, as in the archive
SQLITE_MEMBER = "database/hotline.db"
PG_MEMBER = "database/hotline.pgdump"
AGE_MAGIC = b"age-encryption.org/v1"
# What the archive holds that an attacker would want, said in its manifest (the database's tables
# that keep secrets or their digests; citizens' personal data is the rest of it).
SECRETS_HELD = [
    "users.password_hash: staff passwords as argon2 hashes",
    "users' two-factor secrets and recovery codes (TOTP secrets encrypted with the installation's key, "
    "which is not in the archive; recovery codes hashed)",
    "sip_passwords.ha1: softphones' SIP password digests (MD5; replaced at each desktop login)",
    "web_sessions.token_hash: SHA-256 of session cookies (sessions in the archive cannot be resumed "
    "without the cookie)",
    "platform_tokens: Zalo access and refresh tokens as renewed by the hotline (clear; revoke them at "
    "Zalo if an archive is lost)",
    "data_requests: keyed hashes of erased identifiers (the key is not in the archive)",
    "personal data of citizens: tickets, conversations, recordings, attachments",
]
NOT_HELD = ["secrets.toml (AMI secret)", "two-factor key", "privacy key", "the settings file and its "
            "environment (database, SMTP, IMAP and platform credentials)", "TLS keys"]


class BackupError(Exception):
    """What stopped a backup or a restore, said for the operator."""


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The database URL as pg_dump/pg_restore/psql read it (no SQLAlchemy driver name, no password)
    and the environment that carries the password (PGPASSWORD): nothing secret on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return parsed.set(drivername="postgresql")._replace(password=None).render_as_string(hide_password=False), env


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise BackupError(f"{what} failed: {res.stderr.strip()[-1500:]}")


def _is_sqlite(settings: Settings) -> bool:
    return make_url(settings.db_url).get_backend_name() == "sqlite"


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.db_url).database)


def backup(settings: Settings, out: Path) -> dict:
    """Write the archive to `out` (through a temporary file: a failed backup leaves no archive
    that looks whole). Returns its manifest."""
    out = out.resolve()
    home = settings.home
    with tempfile.TemporaryDirectory(prefix="hotline-backup-", dir=out.parent) as tmp:
        if _is_sqlite(settings):
            source = _sqlite_path(settings)
            if not source.exists():
                raise BackupError(f"no database at {source}")
            dump, member = Path(tmp) / "hotline.db", SQLITE_MEMBER
            src, dst = sqlite3.connect(source), sqlite3.connect(dump)
            try:
                src.backup(dst)  # a consistent snapshot while the hotline writes
            finally:
                src.close()
                dst.close()
            engine = "sqlite"
        else:
            dump, member = Path(tmp) / "hotline.pgdump", PG_MEMBER
            url, env = _libpq(settings.db_url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", url], "pg_dump", env)
            engine = "postgresql"
        files = {folder: sum(1 for p in (home / folder).rglob("*") if p.is_file()) if (home / folder).is_dir() else 0
                 for folder in FOLDERS}
        recipients = settings.backups.age_recipients
        manifest = {"format": FORMAT, "engine": engine, "profile": settings.profile, "database": member,
                    "made_at": datetime.now(timezone.utc).isoformat(), "files": files,
                    "encrypted": "age" if recipients else None, "secrets": SECRETS_HELD, "not_included": NOT_HELD}
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = Path(tmp) / "archive.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(Path(tmp) / "manifest.json", "manifest.json")
            tar.add(dump, member)
            for folder in FOLDERS:
                if (home / folder).is_dir():
                    tar.add(home / folder, folder)
        if recipients:
            _encrypt(partial, recipients)
        os.replace(partial, out)
    return manifest


def _encrypt(path: Path, recipients: list[str]) -> None:
    """Encrypt `path` in place (through a sibling file) to the age recipients."""
    args = ["age", "--encrypt"]
    for r in recipients:
        args += ["-R", r] if r.startswith("/") else ["-r", r]
    sealed = path.with_name(path.name + ".age")
    _run([*args, "-o", str(sealed), str(path)], "age (encrypting the backup)")
    os.replace(sealed, path)


def _decrypted(settings: Settings, source: Path, tmp: Path) -> Path:
    """The tar to read: `source` itself, or its age decryption into `tmp`."""
    try:
        with open(source, "rb") as f:
            encrypted = f.read(len(AGE_MAGIC)) == AGE_MAGIC
    except OSError as exc:
        raise BackupError(f"{source}: cannot be read as a backup: {exc}") from exc
    if not encrypted:
        return source
    identity = settings.backups.age_identity_file
    if identity is None:
        raise BackupError(f"{source}: encrypted with age; set [backups] age_identity_file to its private key")
    plain = tmp / "archive.tar"
    _run(["age", "--decrypt", "-i", str(identity), "-o", str(plain), str(source)], "age (decrypting the backup)")
    return plain


def _manifest(tar: tarfile.TarFile, source: Path) -> dict:
    try:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError(f"{source}: not a hotline backup (no readable manifest.json)") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: backup format {manifest.get('format')!r}, this hotline reads {FORMAT}")
    return manifest


def _empty_postgres(url: str) -> bool:
    libpq, env = _libpq(url)
    res = subprocess.run(["psql", "-tAc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", libpq],
                         capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise BackupError(f"the database cannot be reached: {res.stderr.strip()[-500:]}")
    return res.stdout.strip() == "0"


def restore(settings: Settings, source: Path) -> dict:
    """Put the archive's database and files into this home. Refuses a home whose database is
    not empty or whose file folders hold files (nothing is overwritten); migrations run at the
    next start (a backup from an older version is brought up to date)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hotline-decrypt-", dir=settings.home) as clear:  # mode 0700
        return _restore(settings, source, _decrypted(settings, source, Path(clear)))


def _restore(settings: Settings, source: Path, plain: Path) -> dict:
    home = settings.home
    try:
        tar = tarfile.open(plain, "r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source}: cannot be read as a backup: {exc}") from exc
    with tar:
        manifest = _manifest(tar, source)
        target_sqlite = _is_sqlite(settings)
        if (manifest["engine"] == "sqlite") != target_sqlite:
            raise BackupError(f"{source}: a {manifest['engine']} backup; this home's database is "
                              f"{'SQLite' if target_sqlite else 'PostgreSQL'} (set database_url to match)")
        busy = [f for f in FOLDERS if (home / f).is_dir() and any(p.is_file() for p in (home / f).rglob("*"))]
        if busy:
            raise BackupError(f"{home}: {', '.join(busy)} already hold files; restore into a fresh home")
        if target_sqlite:
            db = _sqlite_path(settings)
            if db.exists() and db.stat().st_size > 0:
                raise BackupError(f"{db} exists; restore into a fresh home (or move it away)")
        elif not _empty_postgres(settings.db_url):
            raise BackupError("the PostgreSQL database is not empty; restore into a new database")
        home.mkdir(parents=True, exist_ok=True)
        members = [m for m in tar.getmembers() if m.name.split("/")[0] in FOLDERS]
        try:  # all checked before anything is written: no half-restored home
            check_members(members)
        except UnsafeMember as exc:
            raise BackupError(f"{source}: refused member {exc}") from exc
        with tempfile.TemporaryDirectory(prefix="hotline-restore-", dir=home) as tmp:
            try:
                extract(tar, [tar.getmember(manifest["database"])], Path(tmp))
            except (KeyError, UnsafeMember) as exc:
                raise BackupError(f"{source}: no usable database member: {exc}") from exc
            dump = Path(tmp) / manifest["database"]
            if target_sqlite:
                shutil.move(dump, _sqlite_path(settings))
            else:
                url, env = _libpq(settings.db_url)
                _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}", str(dump)],
                     "pg_restore", env)
            extract(tar, members, home)
    return manifest


def run_command(settings: Settings, command: str, path: Path) -> int:
    """`hotline backup FILE` / `hotline restore FILE`: prints what was done, or why not (exit 1)."""
    try:
        if command == "backup":
            m = backup(settings, path)
            print(f"backup written: {path} ({m['engine']}{', encrypted with age' if m['encrypted'] else ''}; files: " +
                  ", ".join(f"{k} {v}" for k, v in m["files"].items()) + ")")
            print("it holds: " + "; ".join(m["secrets"]))
        else:
            m = restore(settings, path)
            print(f"restored from {path} (made {m['made_at']}); start the hotline to bring the database up to date")
    except BackupError as exc:
        print(f"{command} refused: {exc}", file=sys.stderr)
        return 1
    return 0

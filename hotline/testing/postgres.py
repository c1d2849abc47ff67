"""A throwaway PostgreSQL cluster from Debian's packages, for running the store's tests (and the
benchmark) on PostgreSQL: initdb into a temporary folder, a server on a free loopback port with
durability off (test data only), one fresh database per test, everything removed at the end.

PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` system user that
the Debian package creates, and the server is started through `runuser`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hotline.testing.ports import free_server_port


def pg_bin() -> Path | None:
    """The newest installed server binaries (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    ctl = shutil.which("pg_ctl")
    return Path(ctl).resolve().parent if ctl else None


class TempPostgres:
    USER = "hotline"

    def __init__(self, base: Path | None = None):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found: run scripts/setup.sh (package postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="hlt-pg-", dir=base or "/tmp"))
        self.data = self.dir / "data"
        self.port = free_server_port()
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {res.stdout[-2000:]} {res.stderr[-2000:]}")

    def start(self) -> "TempPostgres":
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "server.log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{self.USER}@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a database nobody is connected to)."""
        import asyncpg  # only where PostgreSQL is used

        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=self.USER, database="postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        finally:
            await conn.close()
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

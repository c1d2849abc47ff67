"""Start, watch and stop the managed Asterisk as a child process.

Asterisk runs in the foreground (`-f`) with our rendered asterisk.conf (`-C`), so it never reads
/etc/asterisk. It dies with its parent (PR_SET_PDEATHSIG), and a stale instance left on the same
run directory by a crash is stopped before a new one starts.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger(__name__)


class AsteriskError(RuntimeError):
    pass


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 0)  # not the control plane's raised priority
    except OSError:
        pass
    os.setpgrp()  # Ctrl-C on the parent's terminal is for the parent; it stops Asterisk cleanly


class ManagedAsterisk:
    def __init__(self, conf: Path, run_dir: Path, log_dir: Path, binary: str = "asterisk"):
        self.conf = conf
        self.run_dir = run_dir
        self.log_dir = log_dir
        self.binary = binary
        self.proc: asyncio.subprocess.Process | None = None

    async def cli(self, command: str, timeout: float = 10) -> str:
        """Run one CLI command on the running instance (asterisk -rx) and return its output."""
        proc = await asyncio.create_subprocess_exec(
            self.binary, "-C", str(self.conf), "-rx", command,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except asyncio.TimeoutError:
            proc.kill()
            raise AsteriskError(f"CLI {command!r} timed out")
        if proc.returncode != 0:
            raise AsteriskError(f"CLI {command!r} failed: {out.decode(errors='replace').strip()}")
        return out.decode(errors="replace")

    def _stale_pid(self) -> int | None:
        pid_file = self.run_dir / "asterisk.pid"
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        return pid if str(self.conf).encode() in cmdline else None

    async def _kill_stale(self) -> None:
        pid = self._stale_pid()
        if pid is None:
            return
        log.warning("stopping a stale Asterisk (pid %d) left on %s", pid, self.run_dir)
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            await asyncio.sleep(0.1)
            if self._stale_pid() is None:
                return
        os.kill(pid, signal.SIGKILL)

    async def start(self, timeout: float = 30) -> None:
        await self._kill_stale()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_dir / "asterisk.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            self.binary, "-C", str(self.conf), "-f", "-n", "-q",
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, preexec_fn=_die_with_parent)
        out.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.proc.returncode is not None:
                raise AsteriskError(f"Asterisk exited with {self.proc.returncode}; see {self.log_dir}")
            try:
                await self.cli("core waitfullybooted", timeout=max(1.0, deadline - loop.time()))
                log.info("Asterisk fully booted (pid %d)", self.proc.pid)
                return
            except AsteriskError:
                if loop.time() > deadline:
                    await self.stop()
                    raise AsteriskError(f"Asterisk did not boot within {timeout}s; see {self.log_dir}")
                await asyncio.sleep(0.2)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, timeout: float = 10) -> None:
        if not self.running:
            return
        try:
            await self.cli("core stop now", timeout=3)
        except AsteriskError:
            pass
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 3)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        log.info("Asterisk stopped")

"""Start, watch and stop the managed Asterisk.

Asterisk runs in the foreground (`-f`) with our rendered asterisk.conf (`-C`), so it never reads
/etc/asterisk. It outlives the application: when the application dies (a crash, an out-of-memory
kill) or is restarted (an upgrade), calls waiting in queues and calls being talked keep going, and
new calls reach the operators through the dialplan's fallback. The next start adopts the running
instance (reloading the configuration it rendered) instead of starting another. A clean stop
stops Asterisk only when no call is in progress.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger(__name__)


class AsteriskError(RuntimeError):
    pass


def _own_group() -> None:  # runs in the child between fork and exec
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
        self.adopted: int | None = None  # the pid of an instance a previous run left running

    @classmethod
    def of(cls, settings) -> "ManagedAsterisk":
        """The instance of an installation (its rendered configuration below the home folder)."""
        d = settings.asterisk_dir
        return cls(d / "etc" / "asterisk.conf", d / "run", d / "log", settings.asterisk_binary)

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

    # What a reload applies of the rendered configuration without touching calls in progress.
    RELOADS = ("dialplan reload", "module reload res_pjsip.so", "module reload app_queue.so",
               "module reload res_musiconhold.so")

    async def _adopt(self, pid: int) -> None:
        log.warning("adopting the Asterisk left running (pid %d): its calls go on; reloading the configuration", pid)
        self.adopted = pid
        for command in self.RELOADS:
            try:
                await self.cli(command)
            except AsteriskError as exc:
                log.warning("Asterisk %r: %s", command, exc)

    async def start(self, timeout: float = 30) -> None:
        self.adopted = None
        pid = self._stale_pid()
        if pid is not None:
            try:
                await self.cli("core waitfullybooted", timeout=timeout)
                await self._adopt(pid)
                return
            except AsteriskError:
                log.warning("the Asterisk left running (pid %d) does not answer; stopping it", pid)
                await self._kill(pid)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_dir / "asterisk.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            self.binary, "-C", str(self.conf), "-f", "-n", "-q",
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, preexec_fn=_own_group)
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
                    await self.stop(keep_calls=False)
                    raise AsteriskError(f"Asterisk did not boot within {timeout}s; see {self.log_dir}")
                await asyncio.sleep(0.2)

    async def _kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            await asyncio.sleep(0.1)
            if self._stale_pid() is None:
                return
        os.kill(pid, signal.SIGKILL)

    @property
    def pid(self) -> int | None:
        return self.adopted if self.adopted is not None else (self.proc.pid if self.proc else None)

    @property
    def running(self) -> bool:
        if self.adopted is not None:
            return self._stale_pid() == self.adopted
        return self.proc is not None and self.proc.returncode is None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc is not None and self.adopted is None else None

    async def wait(self) -> None:
        """Until the instance exits (a child, or the adopted one: polled)."""
        if self.adopted is None:
            await self.proc.wait()
            return
        while self.running:
            await asyncio.sleep(1)

    async def calls_in_progress(self) -> int:
        out = await self.cli("core show channels count", timeout=5)
        for line in out.splitlines():
            if "active call" in line:
                return int(line.split()[0])
        return 0

    async def stop(self, timeout: float = 10, keep_calls: bool = True) -> None:
        """Stop Asterisk, unless calls are in progress and `keep_calls` (the application's own
        stop: a restart or an upgrade must not drop them; the next start adopts the instance)."""
        if not self.running:
            return
        if keep_calls:
            try:
                calls = await self.calls_in_progress()
            except (AsteriskError, ValueError):
                calls = 0
            if calls:
                log.warning("Asterisk keeps running (pid %s) for %d call(s) in progress; the next start adopts it",
                            self.pid, calls)
                return
        try:
            await self.cli("core stop now", timeout=3)
        except AsteriskError:
            pass
        try:
            await asyncio.wait_for(self.wait(), timeout)
        except asyncio.TimeoutError:
            if self.adopted is None:
                self.proc.terminate()
                try:
                    await asyncio.wait_for(self.proc.wait(), 3)
                except asyncio.TimeoutError:
                    self.proc.kill()
                    await self.proc.wait()
            else:
                await self._kill(self.adopted)
        log.info("Asterisk stopped")

"""A complete hotline (`hotline run` in a child process) on its own home folder and ports, and an
AMI observer recording every event: what tests and benchmarks drive and watch."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

from panoramisk import Manager

from hotline.testing.ports import rtp_window


class HotlineInstance:
    def __init__(self, home: Path, port_base: int, profile: str, config_dir: Path | None = None,
                 ivr: bool = True, extra_settings: str = ""):
        self.home = home
        self.port_base = port_base
        self.profile = profile
        self.ivr = ivr
        self.proc: asyncio.subprocess.Process | None = None
        home.mkdir(parents=True, exist_ok=True)
        lines = [f'profile = "{profile}"', "demo = true"]  # the repository's profiles hold placeholders
        if config_dir:
            lines.append(f'config_dir = "{config_dir}"')
        if "two_factor_roles" not in extra_settings:
            # Suites other than the second factor's log in as administrators with a password alone.
            off = "[security]\ntwo_factor_roles = []"
            extra_settings = (extra_settings.replace("[security]", off, 1) if "[security]" in extra_settings
                              else extra_settings + "\n" + off)
        if "[transcription]" not in extra_settings:
            # Calls are transcribed only where a test reads transcripts (it has its own section):
            # elsewhere the jobs wait, as with no model, and no recogniser takes a core.
            extra_settings += '\n[transcription]\nengine = "vosk"'
        lines.append(extra_settings)
        lines += ["[ports]", f"base = {port_base}"]
        if window := rtp_window():  # tests in parallel: this worker's own RTP ports
            lines += [f"rtp_start = {window[0]}", f"rtp_end = {window[1]}"]
        (home / "hotline.toml").write_text("\n".join(lines) + "\n")

    @property
    def sip_target(self) -> str:
        return f"127.0.0.1:{self.port_base}"

    @property
    def ami_port(self) -> int:
        return self.port_base + 1

    def credentials(self) -> dict:
        return tomllib.loads((self.home / "secrets.toml").read_text())

    def _seed_sounds(self) -> Path:
        """A new home starts with the prompts an earlier instance in the same folder spoke (the
        set-up keeps each one whose text is unchanged, by its stamp, and speaks the others):
        espeak-ng and the conversions are half of a start's work. Returns the shared copy."""
        shared = self.home.parent / ".sounds"
        if shared.exists() and not (self.home / "sounds").exists():
            shutil.copytree(shared, self.home / "sounds")
        return shared

    def _share_sounds(self, shared: Path) -> None:
        if not shared.exists() and (self.home / "sounds" / "vi" / ".stamps.json").exists():
            partial = shared.with_name(f".sounds-{os.getpid()}")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(self.home / "sounds", partial)
            with contextlib.suppress(OSError):  # another instance shared its own first
                partial.rename(shared)
            shutil.rmtree(partial, ignore_errors=True)

    async def _seed_database(self) -> None:
        """A new home on SQLite starts from a copy of an empty database already migrated (made
        once per folder of homes): the start then finds the schema at its head instead of
        running every revision (a second of CPU for each hotline a test starts)."""
        own = self.home / "hotline.db"
        if own.exists() or "database_url" in (self.home / "hotline.toml").read_text():
            return
        template = self.home.parent / ".migrated.db"
        if not template.exists():
            from hotline.store.db import make_engine, migrate

            partial = template.with_name(f".migrated-{os.getpid()}.db")
            partial.unlink(missing_ok=True)
            engine = make_engine(f"sqlite+aiosqlite:///{partial}")
            try:
                await migrate(engine)
            finally:
                await engine.dispose()
            assert not partial.with_name(partial.name + "-wal").exists(), "the template's log was not folded in"
            partial.rename(template)
        shutil.copyfile(template, own)

    async def start(self, timeout: float = 90) -> None:
        shared = self._seed_sounds()
        await self._seed_database()
        ready = self.home / "ready"
        ready.unlink(missing_ok=True)
        args = [sys.executable, "-m", "hotline.cli", "--home", str(self.home), "run"]
        if not self.ivr:
            args.append("--no-ivr")
        log = open(self.home / "run.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(*args, stdout=log, stderr=log,
                                                         stdin=asyncio.subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.proc.returncode is not None:
                raise RuntimeError(f"hotline exited {self.proc.returncode}: {(self.home / 'run.out').read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"hotline not ready in {timeout}s: {(self.home / 'run.out').read_text()[-3000:]}")
            await asyncio.sleep(0.2)
        self._share_sounds(shared)

    async def stop(self) -> None:
        """Stop the application, then its Asterisk (which the application leaves running while
        calls are in progress, and which outlives a killed application)."""
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self.cli("core stop now")
        pid_file = self.home / "asterisk" / "run" / "asterisk.pid"
        for _ in range(100):
            if not pid_file.exists() or not Path(f"/proc/{pid_file.read_text().strip()}").exists():
                break
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        """kill -9 of the application alone (a crash, an out-of-memory kill)."""
        self.proc.kill()

    def kill_node(self) -> None:
        """kill -9 of the application and its Asterisk: the node is gone, as when its server dies."""
        self.proc.kill()
        pid_file = self.home / "asterisk" / "run" / "asterisk.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)

    async def cli(self, command: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "asterisk", "-C", str(self.home / "asterisk" / "etc" / "asterisk.conf"), "-rx", command,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        return out.decode(errors="replace")


class AmiObserver:
    """Connects to an instance's AMI and keeps every event, indexed by linkedid. `events`: the
    event classes to receive (a benchmark asks only for what it counts, to load Asterisk less)."""

    def __init__(self, instance: HotlineInstance, events: str = "on"):
        creds = instance.credentials()["ami"]
        self.manager = Manager(host="127.0.0.1", port=instance.ami_port, username=creds["user"],
                               secret=creds["secret"], ping_delay=10, ping_interval=10, events=events)
        self.events: list[dict] = []
        self.by_linkedid: dict[str, list[dict]] = defaultdict(list)
        self.changed = asyncio.Event()
        self.manager.register_event("*", self._on_event)

    def _on_event(self, _manager, message) -> None:
        event = dict(message)
        self.events.append(event)
        if event.get("Linkedid"):
            self.by_linkedid[event["Linkedid"]].append(event)
        self.changed.set()

    async def connect(self) -> None:
        await self.manager.connect()
        await self.manager.send_action({"Action": "Ping"})

    def close(self) -> None:
        self.manager.close()

    async def wait_for(self, predicate, timeout: float = 10) -> dict | None:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if predicate(ev):
                    return ev
            seen = len(self.events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def linkedids_of(self, caller: str) -> list[str]:
        ids = []
        for ev in self.events:
            if ev.get("Event") == "Newchannel" and ev.get("CallerIDNum") == caller and ev.get("Linkedid"):
                ids.append(ev["Linkedid"])
        return list(dict.fromkeys(ids))

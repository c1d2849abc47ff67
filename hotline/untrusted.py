"""What strangers send (e-mails, office files) is parsed here, in worker processes away from the
event loop that answers the IVR, the CTI and every desktop: the loop only awaits the result.

Each worker runs with an address-space limit (RLIMIT_AS), each job with a wall-time limit: a job
that overruns has its pool's processes killed and replaced, and is refused with its reason. A
worker that dies (out of memory, a crash) refuses its job the same way. Jobs of other callers that
were in the killed pool are run once more in the new one.

The functions given to `Sandbox.run` must be importable module-level functions (they are run by
name in a fresh interpreter: the workers are spawned, not forked from a process with threads)."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)

MIB = 1024 * 1024


class Refusal(Exception):
    """Input refused by a limit; `reason` (Vietnamese) says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Overrun(Refusal):
    """The job overran its time or its worker died (memory, a crash): perhaps the input, perhaps a
    busy machine; callers that can try again later may count it as a failed try."""


class NotAnArchive(Refusal):
    """Not a ZIP file at all (rather than one that breaks a limit)."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0  # wall time of one job
    memory_bytes: int = 768 * MIB  # address space of one worker
    workers: int = 2


def watch_parent(parent: int) -> None:
    """Ends this worker process when the process that made it (`parent`, its pid) is gone: killed
    with -9, it cannot shut its pool down, and a worker would wait for jobs for ever. Any process
    pool's initializer (the transcription workers use it too)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def at_priority(nice: int) -> None:
    """This worker's CPU priority no higher than `nice`: a worker is spawned with the priority of
    the hotline's control plane (raised above Asterisk's media threads, Settings.control_nice),
    which is not for the work it does. Lowering one's own priority needs no privilege."""
    if os.getpriority(os.PRIO_PROCESS, 0) < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)


def worker_start(parent: int, nice: int) -> None:
    """A process pool's initializer: the watch on the parent, and the worker's priority."""
    watch_parent(parent)
    at_priority(nice)


UNTRUSTED_NICE = 10  # strangers' input is parsed after everything the line and the desktops need


def _worker_start(memory_bytes: int, parent: int) -> None:
    """Runs in each worker as it starts: its memory limit, its priority and the watch on its parent."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    worker_start(parent, UNTRUSTED_NICE)


class Sandbox:
    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.limits.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_worker_start,
                                                 initargs=(self.limits.memory_bytes, os.getpid()))
            return self._pool, self._generation

    def _replace(self, generation: int) -> None:
        """Kill the workers of the pool `generation` (unless another caller already did)."""
        with self._lock:
            if generation != self._generation or self._pool is None:
                return
            pool, self._pool = self._pool, None
            self._generation += 1
        # The executor offers no way to stop one busy worker: its processes are killed directly.
        for process in list(getattr(pool, "_processes", {}).values()):
            try:
                process.kill()
            except Exception:
                pass
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn: Callable[..., Any], *args: Any, seconds: float | None = None) -> Any:
        """`fn(*args)` in a worker; its exceptions are raised here. Refusal when it overruns its
        time or its worker dies."""
        seconds = seconds or self.limits.seconds
        for attempt in (1, 2):
            pool, generation = self._current()
            try:
                future = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):  # shut down meanwhile by another caller's overrun
                self._replace(generation)
                continue
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), seconds)
            except asyncio.TimeoutError:
                log.warning("untrusted input: %s overran %s s; its worker is replaced", fn.__name__, seconds)
                self._replace(generation)
                raise Overrun(f"xử lý quá {seconds:g} giây") from None
            except MemoryError:
                raise Overrun(f"vượt giới hạn bộ nhớ ({self.limits.memory_bytes // MIB} MiB)") from None
            except BrokenProcessPool:
                if generation != self._generation and attempt == 1:
                    continue  # another job's overrun killed this one's worker: once more
                self._replace(generation)
                raise Overrun("tiến trình xử lý dừng bất thường (vượt giới hạn bộ nhớ?)") from None
        raise Overrun("tiến trình xử lý dừng bất thường")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_shared: Sandbox | None = None


def shared() -> Sandbox:
    """The process's sandbox (created on first use), for the parts that were not given one."""
    global _shared
    if _shared is None:
        _shared = Sandbox()
    return _shared


# -- archives (DOCX and XLSX are ZIP files) ----------------------------------------------------------
@dataclass(frozen=True)
class ZipLimits:
    members: int = 2000
    total_bytes: int = 200 * MIB  # uncompressed, all members
    ratio: int = 500  # uncompressed / compressed, one member (zip bombs reach thousands)


def check_zip(data: bytes | Any, limits: ZipLimits = ZipLimits()) -> None:
    """Refusal unless the archive's members, as declared and as actually inflated, stay within
    `limits`. Members are inflated in chunks and never kept: a bomb is stopped at the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotAnArchive(type(exc).__name__) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.members:
            raise Refusal(f"quá nhiều thành phần trong tệp ({len(members)} > {limits.members})")
        declared = sum(m.file_size for m in members)
        if declared > limits.total_bytes:
            raise Refusal(f"dung lượng giải nén quá lớn ({declared // MIB} MiB > {limits.total_bytes // MIB} MiB)")
        total = 0
        for m in members:
            if m.file_size > max(m.compress_size, 1) * limits.ratio and m.file_size > MIB:
                raise Refusal(f"tỉ lệ nén bất thường ở {m.filename[:100]} (tệp bom nén?)")
            actual = 0
            try:
                with archive.open(m) as f:
                    while chunk := f.read(MIB):
                        actual += len(chunk)
                        total += len(chunk)
                        if actual > m.file_size or total > limits.total_bytes:
                            raise Refusal("dung lượng giải nén thực tế vượt khai báo hoặc giới hạn")
            except Refusal:
                raise
            except Exception as exc:  # a corrupt member, an unknown compression, a wrong CRC
                raise Refusal(f"thành phần hỏng {m.filename[:100]} ({type(exc).__name__})") from None


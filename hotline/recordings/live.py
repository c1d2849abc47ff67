"""Live captions and alerts: while an operator talks with a caller, both sides are recognised as
they speak, and the captions go to the operator's desktop and the supervisors'.

The audio path is MixMonitor's own per-side files (`<linkedid>.caller.wav` and `.operator.wav` in
the recordings spool, which the dialplan writes for every call anyway): the live path reads them
as they grow, a fraction of a second behind Asterisk, and never writes to Asterisk or to the
files. So the live path can fail in any way (its worker killed, the engine stuck) and the call
and its recording go on, and the after-call transcript is made from the same files as before
(docs/operations.md, "Live captions", says why this and not ARI's snoop and external media).

Recognition runs in `live_workers` processes of their own (hotline/recordings/live_worker.py),
never on the event loop; each side of a call goes always to the same process (it keeps the
side's phrase state). At most `live_calls` calls are captioned at once. An alert phrase of the
profile heard in a caption is kept in `call_alerts` and shown to the supervisors at once. What the
caller said is also kept in memory for the call and a while after it (`caller_said`), for the
knowledge base's suggestions (hotline/knowledge/assist.py) until the after-call transcript is made."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import struct
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.events.bus import EventBus
from hotline.events.types import AlertRaised, CallAnswered, CallEnded, CaptionHeard
from hotline.phones import national
from hotline.recordings import engines, live_worker
from hotline.recordings.alerts import AlertMatcher
from hotline.settings import Transcription
from hotline.store.recordings import CallAlert
from hotline.untrusted import worker_start

log = logging.getLogger(__name__)
SIDES = ("caller", "operator")
READ_SECONDS = 0.25  # how often the growing files are read
FIND_SECONDS = 10.0  # how long to wait for MixMonitor's files of an answered call
MAX_RESTARTS = 3  # a worker that dies more often than this during one call ends that call's captions
SAID_KEPT_SECONDS = 1800  # what a caller said stays this long after the call (the ticket is written after it)
SAID_MAX_CHARS = 20000  # of one call's caller side: the words that come after are not kept


def _start_worker(parent: int, engine: str, model: str) -> None:
    worker_start(parent, 0)  # below the control plane, beside Asterisk: a caption is late after 2 s
    engines.load(engine, model)  # loaded before the first phrase, not while a caller waits for it


def wav_data(head: bytes) -> tuple[int, int] | None:
    """(offset of the audio, sample rate) of a 16-bit mono WAV's header, None while it is not
    all written yet."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, rate = 12, None
    while pos + 8 <= len(head):
        cid, clen = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if cid == b"fmt " and pos + 24 <= len(head):
            _tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", head, pos + 8)
            if channels != 1 or bits != 16:
                raise ValueError(f"cần WAV đơn kênh 16 bit, tệp có {channels} kênh, {bits} bit")
        elif cid == b"data":
            return (pos + 8, rate) if rate else None
        pos += 8 + clen + (clen & 1)
    return None


class GrowingWav:
    """One side's WAV as MixMonitor writes it: what was added since the last read."""

    def __init__(self, path: Path):
        self.path = path
        self.file = open(path, "rb")
        head = self.file.read(4096)
        found = wav_data(head)
        if found is None:
            self.file.close()
            raise ValueError(f"{path}: no WAV header yet")
        offset, self.rate = found
        end = os.fstat(self.file.fileno()).st_size
        self.file.seek(max(offset, end - (end - offset) % 2))  # from now on: the talk, not the menu

    def read(self) -> bytes:
        data = self.file.read()
        if len(data) % 2:  # half a sample: read again next time
            self.file.seek(-1, os.SEEK_CUR)
            data = data[:-1]
        return data

    def close(self) -> None:
        self.file.close()


class LiveCaptions:
    def __init__(self, sessions: async_sessionmaker, settings: Transcription, model_path: Path | None,
                 spool: Path, bus: EventBus, alert_phrases: list[str]):
        self.sessions = sessions
        self.settings = settings
        self.model = str(model_path) if settings.engine == "vosk" and model_path else ""
        self.spool = spool
        self.bus = bus
        self.matcher = AlertMatcher(alert_phrases)
        self.calls: dict[str, asyncio.Task] = {}
        self._pools: list[ProcessPoolExecutor | None] = [None] * settings.live_workers
        self.worker_pids: list[int] = []
        self._ended: set[str] = set()
        self._said: dict[str, tuple[str, list[str]]] = {}  # linkedid → (operator, caller's phrases)
        self._said_ended: dict[str, float] = {}  # linkedid → when its call ended (monotonic)
        self._said_by: dict[str, str] = {}  # linkedid → the caller's number (national form), where known
        self._making = asyncio.Lock()
        self._usable = False

    async def start(self) -> None:
        if not self.settings.live:
            return
        if self.settings.engine == "viet-asr" and not engines.viet_asr_installed():
            log.error("live captions: viet-asr is not installed; no captions")
            return
        if self.settings.engine == "vosk" and not self.model:
            log.error("live captions: no Vosk model configured ([transcription] model); no captions")
            return
        self._usable = True
        self.bus.subscribe(self.on_call, CallAnswered, CallEnded)
        for i in range(len(self._pools)):
            await self._pool(i)

    async def stop(self) -> None:
        self._usable = False
        for task in list(self.calls.values()):
            task.cancel()
        await asyncio.gather(*self.calls.values(), return_exceptions=True)
        for pool in self._pools:
            if pool:
                pool.shutdown(wait=False, cancel_futures=True)

    async def _pool(self, i: int) -> ProcessPoolExecutor:
        """The i-th worker, made again if it died."""
        async with self._making:
            return await self._make(i)

    async def _make(self, i: int) -> ProcessPoolExecutor:
        pool = self._pools[i]
        if pool is None:
            pool = self._pools[i] = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                initargs=(os.getpid(), self.settings.engine, self.model))
            pid = await asyncio.get_running_loop().run_in_executor(pool, live_worker.hello)
            self.worker_pids.append(pid)
            log.info("live caption worker %d started: pid %d", i + 1, pid)
        return pool

    def caller_said(self, linkedid: str) -> tuple[str, str, bool] | None:
        """(the operator on the call, what its caller said so far, whether the call goes on), for
        a call captioned here that ended at most SAID_KEPT_SECONDS ago; else None."""
        said = self._said.get(linkedid)
        if said is None:
            return None
        return said[0], " ".join(said[1]), linkedid not in self._said_ended

    def _forget_said(self) -> None:
        old = asyncio.get_running_loop().time() - SAID_KEPT_SECONDS
        for linkedid in [k for k, at in self._said_ended.items() if at < old]:
            self._drop_said(linkedid)

    def _drop_said(self, linkedid: str) -> None:
        self._said.pop(linkedid, None)
        self._said_ended.pop(linkedid, None)
        self._said_by.pop(linkedid, None)

    def forget(self, phone: str | None, linkedids: set[str]) -> int:
        """An erasure: what the caller said in these calls, or in any call from `phone`, is
        dropped at once (the captions of a call in progress keep showing, its words are not kept);
        how many calls' words went."""
        number = national(phone) if phone else ""
        gone = [k for k in self._said if k in linkedids or (number and self._said_by.get(k) == number)]
        for linkedid in gone:
            self._drop_said(linkedid)
        return len(gone)

    async def on_call(self, event) -> None:
        linkedid = event.linkedid
        if isinstance(event, CallEnded):
            if linkedid in self._said:
                self._said_ended.setdefault(linkedid, asyncio.get_running_loop().time())
            task = self.calls.get(linkedid)
            if task:
                self._ended.add(linkedid)  # its reader reads what is left, then ends
            return
        if not self._usable or linkedid in self.calls or not event.agent:
            return
        if len(self.calls) >= self.settings.live_calls:
            log.info("live captions: %d calls already captioned; call %s gets its transcript after it ends",
                     len(self.calls), linkedid)
            return
        self._forget_said()
        self._said[linkedid] = (event.agent, [])
        if caller := national(event.data.get("caller")):
            self._said_by[linkedid] = caller
        task = asyncio.create_task(self._follow(linkedid, event.agent, event.data.get("caller") or None),
                                   name=f"live captions {linkedid}")
        self.calls[linkedid] = task
        task.add_done_callback(lambda _t: (self.calls.pop(linkedid, None), self._ended.discard(linkedid)))

    def _find(self, linkedid: str) -> dict[str, Path]:
        found = {}
        for side in SIDES:
            paths = sorted(self.spool.glob(f"*/{linkedid}.{side}.wav"))
            if paths:
                found[side] = paths[-1]
        return found

    async def _follow(self, linkedid: str, agent: str, caller: str | None) -> None:
        """Read the call's two sides until it ends; any failure ends the captions, nothing else."""
        loop = asyncio.get_running_loop()
        files: dict[str, GrowingWav] = {}
        try:
            deadline = loop.time() + FIND_SECONDS
            while len(files) < len(SIDES):
                for side, path in self._find(linkedid).items():
                    if side not in files:
                        try:
                            files[side] = GrowingWav(path)
                        except ValueError:
                            pass
                if len(files) < len(SIDES):
                    if loop.time() > deadline or linkedid in self._ended:
                        log.warning("live captions: no recording of both sides of call %s; no captions", linkedid)
                        return
                    await asyncio.sleep(READ_SECONDS)
            worker = zlib.crc32(linkedid.encode()) % len(self._pools)
            log.info("live captions of call %s (operator %s) in worker %d", linkedid, agent, worker + 1)
            restarts = 0
            while True:
                final = linkedid in self._ended
                chunks = {side: await asyncio.to_thread(f.read) for side, f in files.items()}
                pool = await self._pool(worker)
                try:
                    results = await asyncio.gather(*(
                        loop.run_in_executor(pool, live_worker.feed, self.settings.engine, self.model,
                                             f"{linkedid}:{side}", chunks[side], files[side].rate,
                                             self.settings.vad_aggressiveness, final)
                        for side in SIDES))
                except BrokenProcessPool:
                    restarts += 1
                    log.warning("live caption worker %d died (call %s): started again", worker + 1, linkedid)
                    self._drop(worker, pool)
                    if restarts > MAX_RESTARTS:
                        raise
                    continue
                for side, phrases in zip(SIDES, results):
                    for phrase in phrases:
                        await self._heard(linkedid, agent, caller, side, phrase)
                if final:
                    return
                await asyncio.sleep(READ_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("live captions of call %s stopped (the call and its recording go on): %s: %s",
                        linkedid, type(exc).__name__, exc)
        finally:
            for f in files.values():
                f.close()

    def _drop(self, i: int, pool: ProcessPoolExecutor) -> None:
        if self._pools[i] is pool:  # not one another call has made again meanwhile
            self._pools[i] = None  # made again on next use
            pool.shutdown(wait=False, cancel_futures=True)

    async def _heard(self, linkedid: str, agent: str, caller: str | None, side: str, phrase: dict) -> None:
        """`phrase`: {"text", "s", "e"}, its times in seconds from where the live path began reading."""
        now, text = datetime.now(timezone.utc), phrase["text"]
        said = self._said.get(linkedid)
        if side == "caller" and said is not None and sum(map(len, said[1])) + len(text) <= SAID_MAX_CHARS:
            said[1].append(text)
        await self.bus.publish(CaptionHeard(agent=agent, data={
            "linkedid": linkedid, "side": side, "text": text, "operator": agent, "at": now.isoformat(),
            "start": phrase["s"], "end": phrase["e"]}))
        for phrase in self.matcher.find(text):
            async with self.sessions() as s, s.begin():
                alert = CallAlert(linkedid=linkedid, phrase=phrase, heard=text[:500], side=side, operator=agent,
                                  caller_phone=caller, heard_at=now)
                s.add(alert)
                await s.flush()
                alert_id = alert.id
            log.warning("alert %r heard in call %s (%s side, operator %s)", phrase, linkedid, side, agent)
            await self.bus.publish(AlertRaised(agent=agent, data={
                "id": alert_id, "linkedid": linkedid, "phrase": phrase, "heard": text, "side": side,
                "operator": agent, "caller": caller, "at": now.isoformat()}))

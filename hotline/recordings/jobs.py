"""The durable job queue (in the store) and the transcription workers that drain it.

A job is claimed with a conditional UPDATE (one claimant wins, whatever the number of
processes), runs in a worker process, and ends `done` or, after `max_attempts`, `failed` with
the reason. A job left `running` by a process that died is queued again at start-up."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Periodic
from hotline.recordings import engines, worker
from hotline.folding import fold
from hotline.settings import Transcription
from hotline.store.recordings import Job, Recording, Transcript
from hotline.untrusted import worker_start

log = logging.getLogger(__name__)

BATCH_NICE = 10  # after-call transcripts wait behind the calls in progress (Asterisk's media included)


class JobQueue:
    def __init__(self, sessions: async_sessionmaker, max_attempts: int, retry_seconds: float):
        self.sessions = sessions
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds

    async def recover(self) -> int:
        """Jobs a dead process left running go back to the queue (the attempt stays counted)."""
        async with self.sessions() as s, s.begin():
            res = await s.execute(update(Job).where(Job.status == "running").values(status="queued", claimed_at=None))
            return res.rowcount

    async def claim(self, kind: str, now: datetime | None = None) -> Job | None:
        now = now or datetime.now(timezone.utc)
        for _ in range(5):
            async with self.sessions() as s, s.begin():
                job = await s.scalar(select(Job).where(Job.kind == kind, Job.status == "queued", Job.run_after <= now)
                                     .order_by(Job.id).limit(1))
                if job is None:
                    return None
                won = await s.execute(update(Job).where(Job.id == job.id, Job.status == "queued")
                                      .values(status="running", attempts=Job.attempts + 1, claimed_at=now)
                                      .execution_options(synchronize_session=False))
                if won.rowcount == 1:
                    job.status, job.attempts = "running", job.attempts + 1
                    return job
        return None

    async def failed(self, job: Job, reason: str) -> str:
        """Retry later, or give up after `max_attempts`: returns the job's new status."""
        now = datetime.now(timezone.utc)
        final = job.attempts >= self.max_attempts
        async with self.sessions() as s, s.begin():
            await s.execute(update(Job).where(Job.id == job.id).values(
                status="failed" if final else "queued", last_error=reason[:1000], claimed_at=None,
                finished_at=now if final else None,
                run_after=now + timedelta(seconds=self.retry_seconds * job.attempts)))
        return "failed" if final else "queued"


def _channels(root: Path, rec: Recording, wanted: list[str]) -> list[tuple[str, str]]:
    """The sides of the call to transcribe (`transcription.channels`), each from its own file;
    the mix when the recording has no separate sides."""
    legs = rec.legs
    if "caller" in legs and "operator" in legs:
        return [(leg, str(root / legs[leg]["path"])) for leg in dict.fromkeys(wanted)]
    return [("mixed", str(root / rec.path))]


async def save_transcript(s, recording_id: int, result: dict, model: str) -> None:
    """The transcript, and on SQLite its full-text index entry, without diacritics ("đường" is
    indexed as "duong": FTS5's remove_diacritics keeps "đ"); PostgreSQL folds at query time
    (hotline/recordings/library.py)."""
    s.add(Transcript(recording_id=recording_id, text=result["text"], words=result["words"], model=model,
                     audio_seconds=result["audio_seconds"]))
    if s.bind.dialect.name == "sqlite":
        await s.execute(text("INSERT OR REPLACE INTO transcript_fts(rowid, text) VALUES (:id, :t)"),
                        {"id": recording_id, "t": fold(result["text"])})


class Transcriber:
    """`workers` worker processes, each with the engine (`settings.engine`) loaded once, fed from
    the job queue. `model_path`: the Vosk model folder (engine "vosk" only)."""

    def __init__(self, sessions: async_sessionmaker, settings: Transcription, model_path: Path | None,
                 recordings_root: Path):
        self.sessions = sessions
        self.settings = settings
        self.model_path = model_path
        self.root = recordings_root
        self.queue = JobQueue(sessions, settings.max_attempts, settings.retry_seconds)
        self._workers = [Periodic(f"transcription worker {i + 1}", self._drain, settings.poll_seconds)
                         for i in range(settings.workers)]
        self._pool: ProcessPoolExecutor | None = None

    def wake(self) -> None:
        for w in self._workers:
            w.wake()

    async def start(self) -> None:
        await self.queue.recover()
        if self.settings.engine == "vosk" and self.model_path is None:
            log.warning("no Vosk model configured ([transcription] model): transcriptions wait in the queue")
            return
        if self.settings.engine == "viet-asr" and not engines.viet_asr_installed():
            log.error("viet-asr is not installed (`bash scripts/setup.sh` installs it on CPython 3.11 x86-64; "
                      "elsewhere set [transcription] engine = \"vosk\" and a model): transcriptions wait in the queue")
            return
        # The workers end with this process, even when it is killed and cannot shut them down.
        self._pool = ProcessPoolExecutor(self.settings.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=worker_start, initargs=(os.getpid(), BATCH_NICE))
        for w in self._workers:
            w.start()

    async def stop(self) -> None:
        for w in self._workers:
            await w.stop()
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _drain(self) -> None:
        while await self.run_one():
            pass

    async def run_one(self) -> bool:
        """Claim and run one job; False when there was none."""
        job = await self.queue.claim("transcribe")
        if job is None:
            return False
        async with self.sessions() as s:
            rec = await s.get(Recording, job.recording_id)
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self._pool, worker.transcribe, self.settings.engine,
                str(self.model_path) if self.settings.engine == "vosk" else "",
                _channels(self.root, rec, self.settings.channels),
                self.settings.vad_aggressiveness if self.settings.vad else None)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            state = await self.queue.failed(job, reason)
            log.warning("transcription of recording %d failed (attempt %d, now %s): %s", rec.id, job.attempts,
                        state, reason)
            return True
        async with self.sessions() as s, s.begin():
            await save_transcript(s, rec.id, result, result["model"])
            await s.execute(update(Job).where(Job.id == job.id).values(
                status="done", finished_at=datetime.now(timezone.utc), last_error=None))
        log.info("recording %d transcribed by %s: %d pieces, %.1f s of audio", rec.id, result["model"],
                 len(result["words"]), result["audio_seconds"])
        return True

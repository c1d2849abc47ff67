"""The recording catalogue: finished recordings move from Asterisk's spool into a dated archive
and into the store, with checksums, duration, the compressed copy and a transcription job.

One code path serves every case: the periodic reconciler looks at the spool, and a hang-up only
makes it look sooner. A spool file is taken when its call is over (not live in the CTI model) and
it has not changed for `stable_seconds`; so a recording left by a killed process or an Asterisk
restart is found at the next start, and nothing is dropped. A file that is empty, truncated or
never closed is catalogued as `damaged` with the reason (kept and listed, not compressed or
transcribed). The row is written before the files move, so a crash in between is finished by the
next scan."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Periodic
from hotline.recordings.audio import check_wav, compress, sha256_of
from hotline.settings import Recordings as RecordingSettings
from hotline.store.agencies import Transfer
from hotline.store.callbacks import CallbackRequest, OutboundCall
from hotline.store.calls import QueuedCallRow
from hotline.store.recordings import Job, Recording
from hotline.store.tickets import Ticket

log = logging.getLogger(__name__)

LEGS = ("caller", "operator")  # MixMonitor's receive (caller speaking) and transmit files
NAME = re.compile(r"^(?P<lid>[0-9A-Za-z_.\-]{1,64}?)(?:\.(?P<leg>caller|operator))?\.wav$")
# Without the CTI's list of live calls (AMI down), a file must be this old to be taken.
BLIND_AGE = 600


def spool_groups(spool: Path) -> dict[str, dict[str, Path]]:
    """Spool files by linkedid: {"mix": path, "caller": path, "operator": path} (those present)."""
    groups: dict[str, dict[str, Path]] = {}
    for path in spool.glob("*/*.wav"):
        m = NAME.match(path.name)
        if m:
            groups.setdefault(m["lid"], {})[m["leg"] or "mix"] = path
    return groups


def call_started(linkedid: str, fallback: float) -> datetime:
    """Asterisk's linkedid is the first channel's creation time (epoch.sequence)."""
    head = linkedid.split(".", 1)[0]
    epoch = float(head) if head.isdigit() and 9 <= len(head) <= 11 else fallback
    return datetime.fromtimestamp(epoch, timezone.utc)


class Catalogue:
    def __init__(self, sessions: async_sessionmaker, root: Path, settings: RecordingSettings,
                 live_calls: Callable[[], set[str] | None] = lambda: None,
                 on_job: Callable[[], None] = lambda: None):
        self.sessions = sessions
        self.root = root  # paths in the store are relative to it
        self.spool = root / "spool"  # where Asterisk writes
        self.archive = root / "archive"
        self.settings = settings
        self.live_calls = live_calls  # linkedids of calls in progress; None when not known
        self.on_job = on_job
        self._loop = Periodic("recording catalogue", self._pass, settings.scan_seconds)
        self.start, self.stop = self._loop.start, self._loop.stop

    def call_ended(self, _linkedid: str | None = None) -> None:
        """A call hung up: look at the spool once its file has settled."""
        asyncio.get_running_loop().call_later(self.settings.stable_seconds + 0.5, self._loop.wake)

    async def _pass(self) -> None:
        await self.scan()
        await self.fill_phones()
        await self.purge()

    # -- the reconciler --------------------------------------------------------------------------
    async def scan(self, now: float | None = None) -> list[str]:
        """Catalogue every finished recording in the spool; returns their linkedids."""
        now = now or time.time()
        live = self.live_calls()
        done = []
        for linkedid, files in sorted(spool_groups(self.spool).items()):
            if live is not None and linkedid in live:
                continue
            try:
                newest = max(p.stat().st_mtime for p in files.values())
            except FileNotFoundError:
                continue
            if now - newest < (self.settings.stable_seconds if live is not None else BLIND_AGE):
                continue
            try:
                await self._catalogue(linkedid, files)
                done.append(linkedid)
            except Exception:
                log.exception("could not catalogue the recording of %s; left in the spool", linkedid)
        return done

    def _archive_dir(self, started: datetime) -> Path:
        return self.archive / started.strftime("%Y/%m/%d")

    async def _catalogue(self, linkedid: str, files: dict[str, Path]) -> None:
        async with self.sessions() as s:
            row = await s.scalar(select(Recording).where(Recording.linkedid == linkedid))
        if row is not None:  # catalogued, but the move did not happen (crash in between)
            self._move(files, self.root / row.path, row.legs)
            return
        mix = files.get("mix") or files.get("caller") or files.get("operator")
        check = await asyncio.to_thread(check_wav, mix)
        legs = {leg: files[leg] for leg in LEGS if leg in files}
        leg_checks = {leg: await asyncio.to_thread(check_wav, p) for leg, p in legs.items()}
        problem = check.problem or next((f"{leg}: {c.problem}" for leg, c in leg_checks.items() if c.problem), None)
        if "mix" not in files:
            problem = problem or "Thiếu tệp ghi âm trộn (chỉ có tệp từng kênh)"
        started = call_started(linkedid, mix.stat().st_mtime - check.duration)
        folder = self._archive_dir(started)
        folder.mkdir(parents=True, exist_ok=True)
        root = self.root
        target = folder / mix.name
        leg_info = {leg: {"path": str((folder / p.name).relative_to(root)), "sha256": await asyncio.to_thread(sha256_of, p)}
                    for leg, p in legs.items()}
        rec = Recording(linkedid=linkedid, started_at=started, duration=round(check.duration, 3),
                        status="damaged" if problem else "ok", problem=problem,
                        path=str(target.relative_to(root)), size=mix.stat().st_size,
                        sha256=await asyncio.to_thread(sha256_of, mix), legs=leg_info)
        if not problem:
            out = folder / f"{linkedid}.opus"
            both = "caller" in legs and "operator" in legs
            try:
                decoded = await asyncio.to_thread(compress, out, self.settings.bitrate, mix,
                                                  legs.get("caller") if both else None,
                                                  legs.get("operator") if both else None)
                if abs(decoded - check.duration) > 0.5:
                    raise ValueError(f"bản nén dài {decoded:.2f} s, bản gốc {check.duration:.2f} s")
                rec.compressed_path = str(out.relative_to(root))
                rec.compressed_sha256 = await asyncio.to_thread(sha256_of, out)
                rec.compressed_duration = round(decoded, 3)
            except Exception as exc:  # the original stays; playback uses it
                log.warning("compressed copy of %s failed: %s", linkedid, exc)
                out.unlink(missing_ok=True)
                rec.problem = f"Chưa nén được: {exc}"[:500]
        async with self.sessions() as s, s.begin():
            rec.caller_phone, ops = await self._people(s, linkedid)
            rec.operators = "," + ",".join(sorted(ops)) + "," if ops else ""
            s.add(rec)
            await s.flush()
            if rec.status == "ok":
                s.add(Job(kind="transcribe", recording_id=rec.id))
            await s.execute(update(Ticket).where(Ticket.linkedid == linkedid, Ticket.recording_path.is_(None))
                            .values(recording_path=rec.path))
        self._move(files, target, leg_info)
        log.info("recording %s catalogued (%s, %.1f s%s)", linkedid, rec.status, rec.duration,
                 f": {rec.problem}" if rec.problem else "")
        if rec.status == "ok":
            self.on_job()

    async def _people(self, s, linkedid: str) -> tuple[str | None, set[str]]:
        """The caller's number and the operators who took part, from the call's tickets,
        transfers, outbound calls and callback requests."""
        tickets = list(await s.scalars(select(Ticket).where(Ticket.linkedid == linkedid)))
        ops = {t.operator_id for t in tickets if t.operator_id}
        ops |= set(await s.scalars(select(Transfer.operator_id).where(Transfer.linkedid == linkedid)))
        phone = next((t.caller_phone for t in tickets if t.caller_phone), None)
        out = await s.scalar(select(OutboundCall).where(OutboundCall.linkedid == linkedid))
        if out is not None:  # an operator's call to a citizen
            phone = phone or out.number
            ops |= {out.operator_id} if out.operator_id else set()
        if phone is None:
            phone = await s.scalar(select(CallbackRequest.caller_number).where(CallbackRequest.linkedid == linkedid))
        if phone is None:  # a call nobody answered (abandoned in the queue): the queue log's caller
            phone = await self._queue_caller(s, linkedid)
        return phone, ops

    @staticmethod
    async def _queue_caller(s, linkedid: str) -> str | None:
        callers = await s.scalars(select(QueuedCallRow.caller).where(QueuedCallRow.callid == linkedid))
        return next((d for d in (re.sub(r"\D", "", c or "")[:20] for c in callers) if d), None)

    async def fill_phones(self, now: datetime | None = None) -> int:
        """The caller's number for recent recordings catalogued without one: the queue log is
        read every few seconds (hotline/reports/call_log.py), so a call abandoned in the queue may
        be catalogued before its line is. Erased (expired) recordings are left alone."""
        since = (now or datetime.now(timezone.utc)) - timedelta(days=1)
        filled = 0
        async with self.sessions() as s, s.begin():
            rows = await s.scalars(select(Recording).where(
                Recording.caller_phone.is_(None), Recording.status.in_(("ok", "damaged")),
                Recording.catalogued_at >= since,
                Recording.linkedid.in_(select(QueuedCallRow.callid).where(QueuedCallRow.caller != ""))))
            for rec in rows:
                rec.caller_phone = await self._queue_caller(s, rec.linkedid)
                filled += rec.caller_phone is not None
        return filled

    def _move(self, files: dict[str, Path], target: Path, leg_info: dict) -> None:
        root = self.root
        moves = [(files["mix"], target)] if "mix" in files else []
        moves += [(files[leg], root / info["path"]) for leg, info in leg_info.items() if leg in files]
        for src, dst in moves:
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.replace(dst)  # same file system: atomic

    # -- retention -------------------------------------------------------------------------------
    async def purge(self, now: datetime | None = None) -> int:
        """Remove original WAVs `keep_originals_days` after cataloguing (only with a verified
        compressed copy and a finished transcription). The recordings' retention period is the
        profile's (`hotline.privacy.retention`)."""
        now = now or datetime.now(timezone.utc)
        root, removed = self.root, 0
        async with self.sessions() as s, s.begin():
            if self.settings.keep_originals_days:
                cutoff = now - timedelta(days=self.settings.keep_originals_days)
                finished = select(Job.recording_id).where(Job.status.in_(("done", "failed")))
                rows = await s.scalars(select(Recording).where(
                    Recording.originals_removed_at.is_(None), Recording.compressed_sha256.is_not(None),
                    Recording.catalogued_at < cutoff, Recording.id.in_(finished)))
                for r in rows:
                    for rel in [r.path] + [leg["path"] for leg in r.legs.values()]:
                        (root / rel).unlink(missing_ok=True)
                    r.originals_removed_at = now
                    removed += 1
        return removed

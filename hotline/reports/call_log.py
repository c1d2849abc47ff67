"""Importing Asterisk's queue_log into the store (`queue_calls`), a background pass like the
others: it reads whole lines from where the previous pass stopped and commits the records and the
new position together, so a crash or restart neither loses nor counts a call twice. A rotated or
truncated log (new inode, or shorter than the position) is read again from its start."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Periodic
from hotline.cti.queue_log import QueuedCall, apply, parse_line
from hotline.store.base import aware
from hotline.store.calls import LogCursor, QueuedCallRow

log = logging.getLogger(__name__)

CURSOR = "queue_log"
FIELDS = ("caller", "outcome", "agent", "wait_seconds", "talk_seconds", "ended_at")


class _Overtaken(Exception):
    """Another importer moved the position first."""


def _record(row: QueuedCallRow) -> QueuedCall:
    return QueuedCall(row.callid, row.queue, aware(row.entered_at), row.caller, row.outcome, row.agent,
                      row.wait_seconds, row.talk_seconds, aware(row.ended_at))


class CallLog:
    def __init__(self, sessions: async_sessionmaker, path: Path, period: float = 10.0,
                 max_bytes: int = 4 * 1024 * 1024):
        self.sessions = sessions
        self.path = path
        self.max_bytes = max_bytes  # per pass, so a large backlog is imported in several commits
        self.loop = Periodic("call-log", self.import_new, period)
        self._lock = asyncio.Lock()  # the periodic pass and a report's own import never overlap

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    def _read(self, offset: int) -> tuple[int, bytes, int] | None:
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                if offset > st.st_size:
                    offset = 0
                f.seek(offset)
                return st.st_ino, f.read(self.max_bytes), offset
        except FileNotFoundError:
            return None

    async def import_new(self) -> int:
        """Import the complete lines written since the last pass; the number of lines read."""
        total = 0
        async with self._lock:
            while True:
                n, more = await self._pass()
                total += n
                if not more:
                    return total

    async def _pass(self) -> tuple[int, bool]:
        try:
            async with self.sessions() as s, s.begin():
                cursor = await s.get(LogCursor, CURSOR)
                if cursor is None:
                    s.add(LogCursor(name=CURSOR, inode=0, offset=0))
                    await s.flush()
                    known = (0, 0)
                else:
                    known = (cursor.inode, cursor.offset)
                got = self._read(known[1])
                if got is None:
                    return 0, False
                inode, chunk, offset = got
                if inode != known[0]:
                    if known[0]:
                        log.info("queue_log was rotated: reading the new file from its start")
                    inode, chunk, offset = self._read(0) or (inode, b"", 0)
                end = chunk.rfind(b"\n") + 1  # a line still being written waits for the next pass
                lines = chunk[:end].decode("utf-8", "replace").splitlines()
                await self._store(s, lines)
                # Conditional on the position read: another process importing the same log
                # (a second hotline process, a report) makes this pass roll back, not count twice.
                moved = await s.execute(update(LogCursor).where(LogCursor.name == CURSOR,
                                                                LogCursor.inode == known[0],
                                                                LogCursor.offset == known[1])
                                        .values(inode=inode, offset=offset + end))
                if moved.rowcount != 1:
                    raise _Overtaken
                return len(lines), end > 0 and len(chunk) == self.max_bytes
        except (_Overtaken, IntegrityError):
            return 0, False

    async def _store(self, s: AsyncSession, lines: list[str]) -> None:
        open_rows: dict[tuple[str, str], QueuedCallRow] = {}
        for line in lines:
            e = parse_line(line)
            if e is None:
                continue
            key = (e.callid, e.queue)
            row = open_rows.get(key)
            if row is None and e.event != "ENTERQUEUE":
                row = (await s.execute(select(QueuedCallRow).where(QueuedCallRow.callid == e.callid,
                                                                   QueuedCallRow.queue == e.queue)
                                       .order_by(QueuedCallRow.entered_at.desc()).limit(1))).scalar_one_or_none()
            record = apply(_record(row) if row is not None else None, e)
            if record is None:
                continue
            if e.event == "ENTERQUEUE":
                row = QueuedCallRow(callid=record.callid, queue=record.queue, entered_at=record.entered_at)
                s.add(row)
            for f in FIELDS:
                setattr(row, f, getattr(record, f))
            open_rows[key] = row

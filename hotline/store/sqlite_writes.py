"""One writing transaction at a time per process on SQLite, waiting in line instead of in SQLite's
busy handler.

SQLite has one writer at a time. A transaction that finds the file locked sleeps in its busy
handler (1, 2, 5 … 100 ms naps) and gives up with "database is locked" after `busy_timeout`. In an
asyncio process each transaction holds the lock across several turns of the event loop (every
statement is a trip to aiosqlite's thread), so under a steady flow of writes (web chats: about 100
write transactions a second for 200 chats) the naps leave the lock idle while writers queue, the
queue grows, and requests fail after five seconds (`bench/webchat.py` showed it). Here a
transaction waits for this process's writers on an asyncio lock, first come first served, before
its first write, and lets the next one in once it has committed or rolled back; SQLite's own lock
and busy handler then only arbitrate between processes (the transcription workers, the command
line).

The lock is taken where pysqlite begins its transaction (before the first INSERT, UPDATE, DELETE
or REPLACE), so reads never wait; a connection's flag says it holds it, and every way a
transaction ends (commit, rollback, the pool's reset of a returned connection, an invalidated
connection) releases it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import weakref

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
HELD = "hotline_write_lock"  # in a pooled connection's info: the lock it holds
WAIT_SECONDS = 30.0  # a writer that waits longer fails as SQLite would ("database is locked")


class ProcessWriters:
    """The lock of one engine's writers, one per event loop (an engine is used from one loop; the
    tests' loops come and go)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop not in self._locks:
            self._locks[loop] = asyncio.Lock()
        return self._locks[loop]

    async def acquire(self) -> asyncio.Lock:
        lock = self.lock()
        try:
            await asyncio.wait_for(lock.acquire(), WAIT_SECONDS)
        except TimeoutError:
            raise sqlite3.OperationalError(f"database is locked (waited {WAIT_SECONDS:g} s for this process's "
                                           "other writers)") from None
        return lock


def serialise_writes(engine: AsyncEngine) -> ProcessWriters:
    writers = ProcessWriters()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        info = conn.connection.info
        if HELD in info or not WRITES.match(statement):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a synchronous use (no event loop): SQLite's own lock only
            return
        try:
            info[HELD] = await_(writers.acquire())
        except sqlite3.OperationalError as e:  # as SQLite's own "database is locked" reaches callers
            raise exc.OperationalError(statement, parameters, e) from None

    def _info(pooled) -> dict:
        try:
            return pooled.info
        except (AttributeError, NotImplementedError):  # the dialect's first look at a new connection
            return {}

    def _release(info) -> None:
        lock = info.pop(HELD, None)
        if lock is not None and lock.locked():
            lock.release()

    # Released once SQLite's COMMIT or ROLLBACK is done (the Connection's commit and rollback
    # events come before it: the next writer would meet SQLite's lock still held). The pool's
    # reset of a returned connection rolls back through the same method.
    dialect = engine.sync_engine.dialect
    for name in ("do_commit", "do_rollback"):
        def ended(pooled, _end=getattr(dialect, name)) -> None:
            try:
                _end(pooled)
            finally:
                _release(_info(pooled))

        setattr(dialect, name, ended)

    def _returned(dbapi_connection, connection_record) -> None:  # whatever happened before
        _release(connection_record.info)

    def _invalidated(dbapi_connection, connection_record, exception) -> None:  # closed, its transaction gone
        _release(connection_record.info)

    event.listen(engine.sync_engine.pool, "checkin", _returned)
    event.listen(engine.sync_engine.pool, "invalidate", _invalidated)
    return writers

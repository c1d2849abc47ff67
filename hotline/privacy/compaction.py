"""After an erasure, what was overwritten must not linger where the database keeps old versions.

SQLite (its connections run with `secure_delete`, `hotline.store.db`: freed cells and pages are
zeroed) keeps the previous and new page images in its write-ahead log until a checkpoint: a
TRUNCATE checkpoint copies them into the database and empties the log file. PostgreSQL keeps the
old row versions as dead tuples until VACUUM (run here on the tables an erasure touches, outside a
transaction); VACUUM makes their space reusable but does not rewrite the files, and the server's
own WAL and backups hold them longer: see docs/operations.md ("Personal data")."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

log = logging.getLogger(__name__)

# Every table an erasure writes to (hotline.privacy.erasure, hotline.privacy.requests).
ERASED_TABLES = ["tickets", "ticket_events", "attachments", "coordination_requests", "recordings", "transcripts",
                 "jobs", "sms_outbox", "email_outbox", "chat_outbox", "conversations", "conversation_messages",
                 "callback_requests", "virtual_holds", "outbound_calls", "survey_calls", "queue_calls",
                 "data_requests", "erasure_holds", "scorecard_reviews"]
CHECKPOINT_TRIES = 50
# SQLite's search tables (migration 0040) of the tables an erasure writes: a deleted row of an
# FTS5 table leaves its words in the index's older segments until they are merged ('optimize').
SEARCH_TABLES = {"tickets": "ticket_fts"}


async def compact(sessions: async_sessionmaker, tables: list[str]) -> bool:
    """Wipe the old versions of `tables`' rows; False when the database was too busy to finish
    (SQLite: a reader kept the log; it is tried again at the next erasure), logged."""
    engine: AsyncEngine = sessions.kw["bind"]
    try:
        if engine.dialect.name == "sqlite":
            async with engine.begin() as conn:
                for fts in (SEARCH_TABLES[t] for t in tables if t in SEARCH_TABLES):
                    await conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
            return await _sqlite_checkpoint(engine)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("VACUUM " + ", ".join(tables))
            return True
    except Exception as exc:  # the erasure itself is committed: this only cleans up after it
        log.warning("after an erasure, the database's old row versions were not wiped: %s", exc)
    return False


async def _sqlite_checkpoint(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        for attempt in range(CHECKPOINT_TRIES):
            busy, _, _ = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            if not busy:
                return True
            await asyncio.sleep(0.05 * (attempt + 1))  # another connection is reading: let it finish
    log.warning("after an erasure, SQLite's write-ahead log could not be emptied (the database stayed busy)")
    return False

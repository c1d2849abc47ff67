"""Engine, sessions and schema migrations (alembic) for the store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from hotline.folding import search_form
from hotline.store.sqlite_writes import serialise_writes

MIGRATIONS = Path(__file__).parent / "migrations"


MIGRATION_LOCK = 1022  # the PostgreSQL advisory lock held while migrating
POOL_SIZE = 10  # connections kept open
POOL_OVERFLOW = 20  # opened in a burst beyond those, closed after use


def make_engine(url: str) -> AsyncEngine:
    # A server's connections can drop (a restart, a failover): test each one as it leaves the pool.
    # SQLite's are files opened in this process, for which the test is only a cost.
    # Pool: operators' searches come in bursts (a search per key typed); connections opened beyond
    # the pool are closed after each use, so a small pool reopens connections all through a burst.
    kw = {} if ":memory:" in url or url.endswith("://") else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"), **kw)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # several processes share the file: WAL + wait on locks
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # What is deleted or overwritten (an erasure) is zeroed in the file, not left in free
            # space (hotline.privacy.compaction empties the write-ahead log after an erasure).
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # The search indexes' triggers fold the text they index (migration 0040) with this.
            dbapi_conn.create_function("hotline_fold", 1, search_form, deterministic=True)

        serialise_writes(engine)  # this process's writers wait in line, not in SQLite's busy naps
    return engine


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent)."""

    def _upgrade(sync_conn) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Nodes starting together take turns: the second finds the schema at head. The lock
            # ends with the transaction.
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        await conn.run_sync(_upgrade)


@contextlib.asynccontextmanager
async def migrated(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the database at `url`, migrated to the head first and disposed at the end: the
    command-line tools' one way to reach the store."""
    engine = make_engine(url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()

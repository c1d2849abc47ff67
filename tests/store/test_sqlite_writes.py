"""SQLite writers of one process wait in line (hotline/store/sqlite_writes.py): many transactions
that hold their write across turns of the event loop all commit, one at a time, with SQLite's own
busy wait off (a writer let in before the previous COMMIT was done would fail at once); reads never
wait for a writer; a transaction that fails or is cancelled lets the next one in."""

import asyncio

import pytest
from sqlalchemy import event, text

from hotline.store.db import make_engine


@pytest.fixture
async def engine(tmp_path):
    e = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")

    @event.listens_for(e.sync_engine, "connect")
    def _no_wait(dbapi_conn, _record):  # SQLite alone gives up at once on a held lock
        dbapi_conn.cursor().execute("PRAGMA busy_timeout=0")

    async with e.begin() as c:
        await c.execute(text("CREATE TABLE t (n INTEGER)"))
    yield e
    await e.dispose()


async def test_writers_take_turns_and_all_commit(engine):
    holding, most = 0, 0

    async def writer(n: int) -> None:
        nonlocal holding, most
        async with engine.begin() as c:
            await c.execute(text("SELECT count(*) FROM t"))  # reads first, as the services do
            await c.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.01)  # the event loop serves others while the write is held
            await c.execute(text("UPDATE t SET n = n + 100 WHERE n = :n"), {"n": n})
            holding -= 1

    await asyncio.gather(*(writer(n) for n in range(40)))
    async with engine.connect() as c:
        assert sorted((await c.execute(text("SELECT n FROM t"))).scalars()) == [100 + n for n in range(40)]
    assert most == 1


async def test_reads_do_not_wait_for_a_writer(engine):
    written, read = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO t VALUES (1)"))
            written.set()
            await read.wait()  # commits only once the reader is done: a reader that waited would hang

    async def reader() -> int:
        await written.wait()
        async with engine.connect() as c:
            n = (await c.execute(text("SELECT count(*) FROM t"))).scalar()
        read.set()
        return n

    _, seen = await asyncio.wait_for(asyncio.gather(writer(), reader()), 10)
    assert seen == 0  # the writer's row is not committed yet


async def test_a_failed_transaction_lets_the_next_writer_in(engine):
    with pytest.raises(ZeroDivisionError):
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO t VALUES (1)"))
            1 / 0
    with pytest.raises(Exception):
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO missing VALUES (1)"))  # fails in SQLite itself
    async with engine.begin() as c:
        await asyncio.wait_for(c.execute(text("INSERT INTO t VALUES (2)")), 10)
    async with engine.connect() as c:
        assert list((await c.execute(text("SELECT n FROM t"))).scalars()) == [2]


async def test_a_cancelled_writer_lets_the_next_one_in(engine):
    writing = asyncio.Event()

    async def writer() -> None:
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO t VALUES (1)"))
            writing.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(writer())
    await writing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # the cancellation itself, nothing else
        await task
    async with engine.begin() as c:
        await asyncio.wait_for(c.execute(text("INSERT INTO t VALUES (2)")), 10)
    async with engine.connect() as c:
        assert list((await c.execute(text("SELECT n FROM t"))).scalars()) == [2]

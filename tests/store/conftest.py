"""The store's suite runs twice: on SQLite (the embedded default) and on PostgreSQL (a throwaway
cluster from Debian's packages, started once per test session). Each test gets a fresh, migrated
database."""

from __future__ import annotations

import itertools

import pytest

from hotline.testing.postgres import TempPostgres
from hotline.store.db import make_engine, migrate, sessionmaker

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    pg = TempPostgres().start()
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        url = await request.getfixturevalue("postgres").create_database(f"t{next(_names)}")
    engine = make_engine(url)
    await migrate(engine)
    yield sessionmaker(engine)
    await engine.dispose()

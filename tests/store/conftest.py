"""The store's suite runs twice: on SQLite (the embedded default) and on PostgreSQL (a throwaway
cluster from Debian's packages, started once per test session). Each test gets a fresh, migrated
database: a copy of one database per engine migrated once per session (SQLite: the file copied;
PostgreSQL: CREATE DATABASE ... TEMPLATE), rather than every migration run again for each test."""

from __future__ import annotations

import itertools
import shutil

import pytest

from hotline.testing.postgres import TempPostgres
from hotline.store.db import make_engine, migrate, sessionmaker

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    pg = TempPostgres().start()
    yield pg
    pg.stop()


_templates: dict[str, str] = {}  # engine → the migrated database copied for each test


async def _sqlite_template(request) -> str:
    """A migrated SQLite file, closed (its write-ahead log folded into it) before being copied."""
    if "sqlite" not in _templates:
        path = request.getfixturevalue("tmp_path_factory").mktemp("template") / "store.db"
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()
        _templates["sqlite"] = str(path)
    return _templates["sqlite"]


async def _postgres_template(postgres: TempPostgres) -> str:
    """A migrated PostgreSQL database that nothing stays connected to (CREATE DATABASE ... TEMPLATE
    needs that)."""
    key = f"postgresql:{postgres.port}"
    if key not in _templates:
        name = "migrated_template"
        engine = make_engine(await postgres.create_database(name))
        await migrate(engine)
        await engine.dispose()
        _templates[key] = name
    return _templates[key]


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(await _sqlite_template(request), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        postgres = request.getfixturevalue("postgres")
        url = await postgres.create_database(f"t{next(_names)}", template=await _postgres_template(postgres))
    engine = make_engine(url)
    yield sessionmaker(engine)
    await engine.dispose()

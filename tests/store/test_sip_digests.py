"""Softphones' SIP passwords are kept as HA1 digests only: what an issued password leaves in the
database and in Asterisk's auth file, and the migration of clear passwords kept by earlier versions
(SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from sqlalchemy import text

from hotline.asterisk.sip_auth import AUTH_FILE, SipPasswords
from hotline.store.db import make_engine, migrate, sessionmaker

_names = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return await request.getfixturevalue("postgres").create_database(f"digest{next(_names)}")


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


async def _dump(engine) -> str:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM sip_passwords"))).all()
    return repr(rows)


async def test_an_issued_password_is_kept_only_as_its_digest(database_url, tmp_path):
    engine = make_engine(database_url)
    await migrate(engine)
    sip = SipPasswords(sessionmaker(engine), tmp_path / "etc", ["op1", "op2"])
    await sip.prepare()
    password = await sip.issue("op1", user_id=None)
    async with engine.connect() as conn:
        columns = (await conn.execute(text("SELECT * FROM sip_passwords WHERE phone = 'op1'"))).mappings().one()
    assert "password" not in columns
    assert columns["ha1"] == _md5(f"op1:hotline:{password}")
    assert password not in await _dump(engine)
    auth = (tmp_path / "etc" / AUTH_FILE).read_text()
    assert password not in auth
    assert f"md5_cred = {_md5(f'op1:hotline:{password}')}" in auth and "auth_type = md5" in auth
    assert "realm = hotline" in auth
    await engine.dispose()


async def test_clear_passwords_of_earlier_versions_become_digests(database_url):
    engine = make_engine(database_url)
    await migrate(engine, "0028")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO sip_passwords (phone, password, issued_at) "
                                "VALUES ('op1', 'clear-secret-1', CURRENT_TIMESTAMP), "
                                "('op2', 'clear-secret-2', CURRENT_TIMESTAMP)"))
    await migrate(engine)
    async with engine.connect() as conn:
        rows = dict((await conn.execute(text("SELECT phone, ha1 FROM sip_passwords"))).all())
    assert rows == {"op1": _md5("op1:hotline:clear-secret-1"), "op2": _md5("op2:hotline:clear-secret-2")}
    assert "clear-secret" not in await _dump(engine)
    await engine.dispose()

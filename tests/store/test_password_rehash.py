"""A password hash made with older argon2 parameters still signs its user in, and is replaced by
one of today's at that log-in (SQLite and PostgreSQL)."""

from argon2 import PasswordHasher
from sqlalchemy import select, update

from hotline.agent_desktop.accounts import Accounts
from hotline.security.passwords import ARGON2
from hotline.store.accounts import User


async def test_an_older_hash_signs_in_and_is_rehashed(sessions):
    accounts = Accounts(sessions)
    try:
        await accounts.create_user("vanphong", "Văn phòng", "office", "mat-khau-dai-1")
        old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("mat-khau-dai-1")
        async with sessions() as s, s.begin():
            await s.execute(update(User).where(User.username == "vanphong").values(password_hash=old))
        assert (await accounts.authenticate("vanphong", "sai-mat-khau-1")).principal is None
        async with sessions() as s:
            assert await s.scalar(select(User.password_hash).where(User.username == "vanphong")) == old
        assert (await accounts.authenticate("vanphong", "mat-khau-dai-1")).principal is not None
        async with sessions() as s:
            new = await s.scalar(select(User.password_hash).where(User.username == "vanphong"))
        assert new != old and f"m={ARGON2['memory_cost']},t={ARGON2['time_cost']}" in new
        assert (await accounts.authenticate("vanphong", "mat-khau-dai-1")).principal is not None
    finally:
        accounts.hasher.close()

"""Shared by the desktop tests: users with known passwords, a logged-in browser per operator."""

from __future__ import annotations

from hotline.agent_desktop.accounts import Accounts
from hotline.settings import load_settings
from hotline.ticketing.db import make_engine, sessionmaker
from hotline.ticketing.store import TicketStore


class Store:
    """Direct access to the instance's database, as an administrator's tool would have."""

    def __init__(self, home):
        self.engine = make_engine(load_settings(home).db_url)
        self.accounts = Accounts(sessionmaker(self.engine))
        self.tickets = TicketStore(sessionmaker(self.engine))

    async def user(self, username: str, role: str, operator_id: str | None = None) -> str:
        password = f"pw-{username}-Ab1!"
        if not await self.accounts.user_exists(username):
            await self.accounts.create_user(username, f"Người dùng {username}", role, password, operator_id)
        return password

    async def close(self):
        await self.engine.dispose()

"""The hub closes the sockets of sessions that ended (logout, expiry, a disabled account) by
checking them in one query every few seconds. A socket opened while that query runs was not asked
about: it must stay open (closing it sent a supervisor who had just logged in back to the log-in
page, seen in a browser test on a loaded machine)."""

from __future__ import annotations

from hotline.agent_desktop.hub import SESSION_ENDED, Hub
from hotline.events.bus import EventBus


class Socket:
    def __init__(self):
        self.closed: int | None = None

    async def close(self, code: int, message: bytes) -> None:
        self.closed = code


async def test_only_the_sockets_of_ended_sessions_are_closed_not_one_opened_during_the_check():
    ended, kept, opened = Socket(), Socket(), Socket()

    class Accounts:
        async def live_sessions(self, held: set[str]) -> set[str]:
            assert len(held) == 2
            hub.attach(opened, object(), "token-of-a-log-in-that-just-completed")  # meanwhile
            return {h for h in held if h == kept_digest}

    hub = Hub(EventBus(), None, None, accounts=Accounts())
    hub.attach(ended, object(), "token-logged-out")
    hub.attach(kept, object(), "token-still-valid")
    kept_digest = hub._session_of[kept]
    await hub.check_sessions()
    assert ended.closed == SESSION_ENDED
    assert kept.closed is None and opened.closed is None
    assert set(hub.clients) == {kept, opened}

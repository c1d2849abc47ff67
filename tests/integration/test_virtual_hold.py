"""Virtual hold on a real Asterisk: with the one operator busy, callers A then B queue; A presses
the key and hangs up, keeping the place; C arrives later. When the operator is free, A's place
comes first: the operator gets A's pop and answers, and A's phone is called (SIPp behind the route,
never answering). B is served next; meanwhile A's retry goes to the front, so A comes again before
C; A's tries used up, A becomes a callback request. B hears how many wait ahead of them."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from hotline.store.callbacks import CallbackRequest, VirtualHold
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, operator_page

pytestmark = pytest.mark.integration

A, B, C, X = "0912999001", "0912999002", "0912999003", "0912999000"


@pytest.fixture(scope="module")
async def vhold_line(workdir, config_dir):
    (config_dir / "profiles" / "test_vhold.yaml").write_text(
        "extends: test_open\nname: Đồng Tháp (test, virtual hold)\n"
        "outbound:\n  ring_seconds: 10\n  calling_hours:\n    hours: [[\"00:00\", \"23:59:59\"]]\n"
        "virtual_hold:\n  enabled: true\n  offer_after_seconds: 10\n  max_attempts: 2\n  retry_seconds: 15\n")
    async with running_line(workdir, "vhold", "test_vhold", config_dir) as ln:
        yield ln


async def joined(line, caller: str) -> dict | None:
    """The caller's arrival in the operator queue (None if it does not come)."""
    return await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerJoin" and e.get("CallerIDNum") == caller,
                                   timeout=60)


def offered(line, since: int) -> list[str]:
    """The callers' numbers the queue offered to operators, in order, after event `since`."""
    return [e.get("CallerIDNum") for e in line.ami.events[since:] if e.get("Event") == "AgentCalled"]


async def answer(page) -> None:
    await page.wait_for_selector("#answer:not([disabled])", timeout=60000)
    await page.click("#answer")


async def idle(page) -> None:
    await page.wait_for_function("window.hotlinePhone.state.session === null", timeout=60000)


async def test_a_caller_keeps_their_place_and_is_called_back_before_later_callers(
        vhold_line, playwright_session):
    line = vhold_line
    store = Store(line.instance.home)
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    phone = await AgencyPhone(line.instance.port_base + 6, "noanswer", calls=2, timeout=120).start()
    tasks = []
    try:
        # X takes the operator.
        tasks.append(asyncio.create_task(line.call(CallScript(ending="server").pause(2000).keys("0").silence(),
                                                   caller=X, timeout=200)))
        await answer(page)
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                     timeout=15000)
        # A queues, then B; A presses the key after a while and is told the place is kept.
        a_call = asyncio.create_task(line.call(
            CallScript(ending="server").pause(2000).keys("0").pause(12000).keys("1").silence(), caller=A, timeout=60))
        assert await joined(line, A)
        tasks.append(asyncio.create_task(line.call(CallScript(ending="server").pause(2000).keys("0").silence(),
                                                   caller=B, timeout=200)))
        a = await a_call
        assert a.sipp.ok, a.sipp.error_log
        assert "vhold_kept" in a.prompts()
        async with store.tickets.sessions() as s:
            [hold] = list(await s.scalars(select(VirtualHold).where(VirtualHold.caller_number == A)))
        assert hold.status == "waiting" and hold.queue == "operator" and hold.position == 1
        assert await joined(line, B)
        tasks.append(asyncio.create_task(line.call(CallScript(ending="server").pause(2000).keys("0").silence(),
                                                   caller=C, timeout=200)))
        assert await joined(line, C)  # C is in the queue

        # The operator frees: A's place is offered first, A's phone rings and is not answered.
        mark = len(line.ami.events)
        await page.click("#hangup")
        await idle(page)
        async def take(number: str, hang_up: bool, talk: float = 0) -> str:
            await answer(page)
            await page.wait_for_function(
                f"document.getElementById('bar-caller').textContent.includes('{number}')", timeout=10000)
            await page.wait_for_function(
                "document.getElementById('call-state').textContent === 'Đang nói chuyện'", timeout=10000)
            kind = await page.text_content("#pop-kind")
            await asyncio.sleep(talk)
            if hang_up:
                await page.click("#hangup")
            await idle(page)
            return kind

        # A's phone rings 10 s unanswered: the call ends. The operator knew whom the call was for.
        assert "Gọi lại giữ chỗ" in await take(A, hang_up=False)
        # B is next (the retry waits 15 s, longer than the operator's 5 s wrap-up); while the
        # operator talks to B, A's retry goes to the front of the queue...
        assert await take(B, hang_up=True, talk=16) == ""
        await take(A, hang_up=False)  # ...so A comes again before C, who waited all along
        await take(C, hang_up=True)
        order = offered(line, mark)
        assert [n for i, n in enumerate(order) if i == 0 or n != order[i - 1]] == [A, B, A, C], order

        # A's phone was called twice through the route, then A went to the callback work list.
        result = await phone.result(timeout=30)
        assert result.ok, result.error_log
        async with store.tickets.sessions() as s:
            hold = await s.get(VirtualHold, hold.id)
            requests = list(await s.scalars(select(CallbackRequest).where(CallbackRequest.caller_number == A)))
        assert hold.status == "callback" and hold.attempts == 2
        assert [(r.reason, r.queue, r.status) for r in requests] == [("virtual_hold", "operator", "open")]
        dials = [e for e in line.ami.events[mark:] if e.get("Event") == "DialBegin"
                 and e.get("DialString") == f"{A}@route-local"]
        assert len(dials) == 2

        records = await asyncio.gather(*tasks)
        b = next(r for r in records if r.caller == B)
        # B was told one caller waited ahead of them, and offered to keep the place.
        prompts = b.prompts()
        i = prompts.index("queue_ahead_intro")
        assert prompts[i:i + 3] == ["queue_ahead_intro", "digit_1", "queue_ahead_outro"]
        assert "vhold_offer" in prompts
    finally:
        for t in tasks:
            t.cancel()
        await phone.stop()
        await ctx.close()
        await store.close()

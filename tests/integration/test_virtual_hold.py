"""Virtual hold on a real Asterisk: with the one operator busy, callers A then B queue; A presses
the key and hangs up, keeping the place; C arrives later. When the operator is free, A's place
comes first: the operator gets A's pop and answers, and A's phone is called (SIPp behind the route,
never answering). B is served next; meanwhile A's retry goes to the front, so A comes again before
C; A's tries used up, A becomes a callback request. B hears their place from the queue itself.

The place counts from the key press (#31 item 6): a burst of callers choosing the operator queue
joins it in the order of their keys, nothing played in between; one who hangs up while the queue
announces the place is an abandoned call in the report figures. The emergency key (#31 item 3): a
caller with an urgent matter joins ahead of those waiting, is the next one offered to the
operator, and the pop and the ticket say it is urgent."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hotline.reports.figures import call_report
from hotline.reports.periods import period
from hotline.store.calls import QueuedCallRow
from hotline.store.callbacks import CallbackRequest, VirtualHold
from hotline.store.tickets import history
from hotline.testing.agency_phone import AgencyPhone
from hotline.testing.sipp import CallScript
from hotline.cti.model import channel_vars
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
        # What Asterisk itself plays (the queue's announcements) goes to a log the tests read.
        await ln.instance.cli(f"logger add channel {ln.instance.home / 'asterisk' / 'log' / 'plays'} verbose(3)")
        await ln.instance.cli("core set verbose 3")
        yield ln


def played(line, caller: str) -> list[str]:
    """The files Asterisk played to the caller's channel in the queue (names without folders;
    Vietnamese numbers as digits/<n>), from the verbose log."""
    channel = next(e["Channel"] for e in line.ami.events
                   if e.get("Event") == "QueueCallerJoin" and e.get("CallerIDNum") == caller)
    text = (line.instance.home / "asterisk" / "log" / "plays").read_text(errors="replace")
    names = re.findall(rf"<{re.escape(channel)}> Playing '([^']+)\.[a-z0-9]+' \(language", text)
    return [n if n.startswith("digits/") else n.rsplit("/", 1)[-1] for n in names]


def told_position(line, caller: str) -> bool:
    """Whether the queue finished announcing the caller's place (Asterisk logs it at the end)."""
    channel = next(e["Channel"] for e in line.ami.events
                   if e.get("Event") == "QueueCallerJoin" and e.get("CallerIDNum") == caller)
    return f"Told {channel} in " in (line.instance.home / "asterisk" / "log" / "plays").read_text(errors="replace")


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
        # B heard nothing between the key and the queue; the queue told B their place (second,
        # behind A) in Vietnamese, and offered to keep it.
        assert b.prompts()[-1] == "greeting"  # the key interrupted it; the call went to the queue
        assert await announced(line, B)
        heard = played(line, B)
        i = heard.index("queue_position_intro")
        assert heard[i:i + 3] == ["queue_position_intro", "digits/2", "queue_position_outro"], heard
        assert "vhold_offer" in heard
    finally:
        for t in tasks:
            t.cancel()
        await phone.stop()
        await ctx.close()
        await store.close()


async def announced(line, caller: str, timeout: float = 30) -> bool:
    """Wait until the queue has finished telling the caller their place."""
    for _ in range(int(timeout * 10)):
        if told_position(line, caller):
            return True
        await asyncio.sleep(0.1)
    return False


def key_pressed(line, caller: str) -> int:
    """The index of the caller's first key (as Asterisk received it) among the AMI events."""
    return next(i for i, e in enumerate(line.ami.events) if e.get("Event") == "DTMFEnd"
                and e.get("CallerIDNum") == caller and e.get("Direction") == "Received")


async def test_the_place_counts_from_the_key_and_the_emergency_key_goes_first(vhold_line, playwright_session):
    line = vhold_line
    store = Store(line.instance.home)
    ctx, page = await operator_page(playwright_session, line, store, "op1")
    burst = [f"09129991{i:02d}" for i in range(1, 6)]
    leaver, urgent = burst[2], "0912999199"
    tasks = []
    try:
        # X takes the operator: everyone after X waits.
        tasks.append(asyncio.create_task(line.call(CallScript(ending="server").pause(2000).keys("0").silence(),
                                                   caller=X, timeout=200)))
        await answer(page)
        await page.wait_for_function("document.getElementById('call-state').textContent === 'Đang nói chuyện'",
                                     timeout=15000)
        mark = len(line.ami.events)
        # Five callers choose the operator queue about 3 a second; the third hangs up 2.5 s after
        # the key, while the queue is still telling it its place.
        for caller in burst:
            script = CallScript().pause(2000).keys("0")
            script = script.pause(2500) if caller == leaver else script.silence().pause(60000)
            tasks.append(asyncio.create_task(line.call(script, caller=caller, timeout=120)))
            await asyncio.sleep(0.3)  # the burst's pace (load), not a wait for anything
        for caller in burst:
            assert await joined(line, caller), caller
        assert await line.ami.wait_for(lambda e: e.get("Event") == "QueueCallerAbandon"
                                       and e.get("CallerIDNum") == leaver, timeout=60)
        joins = [e.get("CallerIDNum") for e in line.ami.events[mark:] if e.get("Event") == "QueueCallerJoin"]
        assert joins == sorted(burst, key=lambda c: key_pressed(line, c)), joins
        # The first waits at the head ("next"); the others hear their place in Vietnamese numbers.
        assert await announced(line, burst[0]) and await announced(line, burst[1])
        assert played(line, burst[0])[:1] == ["queue_next"]
        second = played(line, burst[1])
        assert second[:3] == ["queue_position_intro", "digits/2", "queue_position_outro"], second
        # The leaver was in the queue and hung up during the announcement: an abandoned call.
        assert "queue_position_intro" in played(line, leaver) and not told_position(line, leaver)

        # The emergency key, then key 1: ahead of the four who wait.
        tasks.append(asyncio.create_task(line.call(
            CallScript(ending="server").pause(2000).keys("9").pause(3000).keys("1").silence(), caller=urgent,
            timeout=120)))
        join = await joined(line, urgent)
        assert join and join["Position"] == "1" and join["Queue"] == "operator", join
        assert channel_vars(join).get("HOTLINE_URGENT") == "1"
        # The operator frees: the urgent caller is the one offered and answered first.
        offer = len(line.ami.events)
        await page.click("#hangup")
        await idle(page)
        await answer(page)
        await page.wait_for_function(
            f"document.getElementById('bar-caller').textContent.includes('{urgent}')", timeout=10000)
        assert offered(line, offer)[:1] == [urgent]
        assert "KHẨN CẤP" in await page.text_content("#pop-kind")
        lid = line.ami.linkedids_of(urgent)[0]
        ticket = None
        for _ in range(100):  # the draft is written as the operator answers
            ticket = await store.tickets.ticket_for_call(lid)
            if ticket:
                break
            await asyncio.sleep(0.1)
        async with store.tickets.sessions() as s:
            assert "urgent_call" in [e.action for e in await history(s, ticket.id)]
        await page.click("#hangup")
        await idle(page)

        # The report figures count the leaver as abandoned (from Asterisk's queue_log).
        row = None
        for _ in range(240):  # the queue log is read every few seconds
            async with store.tickets.sessions() as s:
                row = await s.scalar(select(QueuedCallRow).where(QueuedCallRow.caller == leaver))
            if row is not None and row.outcome != "waiting":
                break
            await asyncio.sleep(0.5)
        assert row is not None and row.outcome == "abandoned", row
        today = datetime.now(timezone.utc) + timedelta(hours=7)
        report = await call_report(store.tickets.sessions, period("day", today.date(), "Asia/Ho_Chi_Minh"),
                                   {}, {})
        assert report["totals"]["abandoned"] >= 1
    finally:
        for t in tasks:
            t.cancel()
        await ctx.close()
        await store.close()

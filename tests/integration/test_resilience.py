"""The line keeps working when parts fail, and answers only what it should."""

import pytest
from sqlalchemy import select

from hotline.reports.call_log import CallLog
from hotline.store.callbacks import CallbackRequest
from hotline.store.calls import QueuedCallRow
from hotline.testing.sipp import CallScript

pytestmark = pytest.mark.integration


async def test_without_the_ivr_server_the_caller_still_reaches_the_operators(line_without_ivr):
    # A second instance side by side, whose FastAGI server is not running.
    call = await line_without_ivr.call(CallScript().pause(4000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == ["operator"]
    assert call.join_vars()["HOTLINE_EXIT_REASON"] == "ivr_unavailable"
    assert call.var("AGISTATUS") == "FAILURE"


async def callback_requests(sessions) -> list[CallbackRequest]:
    async with sessions() as s:
        return list(await s.scalars(select(CallbackRequest).order_by(CallbackRequest.id)))


async def test_after_hours_the_caller_hears_the_hours_and_can_ask_for_a_callback(closed_line):
    from hotline.settings import load_settings
    from hotline.store.db import make_engine, sessionmaker

    call = await closed_line.call(CallScript(ending="server").pause(3000).keys("1").pause(1000))
    assert call.sipp.ok, call.sipp.error_log  # the hotline hung up after saying goodbye
    prompts = call.prompts()
    assert prompts[:1] == ["after_hours"]
    assert prompts[-2:] == ["callback_registered", "goodbye"]
    assert not call.queues_joined()
    engine = make_engine(load_settings(closed_line.instance.home).db_url)
    try:
        requests = await callback_requests(sessionmaker(engine))
    finally:
        await engine.dispose()
    assert [(r.caller_number, r.reason) for r in requests if r.caller_number == call.caller] == [
        (call.caller, "after_hours")]


async def test_a_caller_who_waits_too_long_is_told_and_called_back(short_wait_line):
    from hotline.settings import load_settings
    from hotline.store.db import make_engine, sessionmaker

    call = await short_wait_line.call(CallScript(ending="server").pause(2000).keys("0").pause(1000), timeout=120)
    assert call.sipp.ok, call.sipp.error_log  # the hotline, not the caller, ended the call
    assert call.queues_joined() == ["operator"]
    assert call.var("QUEUESTATUS") == "TIMEOUT"
    assert call.prompts()[-2:] == ["queue_timeout", "goodbye"]
    settings = load_settings(short_wait_line.instance.home)
    engine = make_engine(settings.db_url)
    try:
        requests = await callback_requests(sessionmaker(engine))
        # In the call statistics, from Asterisk's own queue_log: offered, not answered, timed out.
        await CallLog(sessionmaker(engine), settings.queue_log).import_new()
        async with sessionmaker(engine)() as s:
            queued = list(await s.scalars(select(QueuedCallRow)))
    finally:
        await engine.dispose()
    assert [(r.caller_number, r.reason, r.queue) for r in requests] == [(call.caller, "queue_timeout", "operator")]
    assert [(q.caller, q.queue, q.outcome) for q in queued] == [(call.caller, "operator", "timeout")]
    assert 28 <= queued[0].wait_seconds <= 40

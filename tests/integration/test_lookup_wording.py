"""The look-up tells the truth through a real call (menu 1 -> 2; issue #31 item 2): a ticket closed
without a result is not said "completed", and a duplicate is said with its original's code and
state."""

import pytest

from hotline.settings import load_settings
from hotline.store.db import make_engine, sessionmaker
from hotline.ticketing.store import TicketStore
from hotline.testing.sipp import CallScript
from tests.integration.test_lookup import lookup_call

pytestmark = pytest.mark.integration


async def seed(line, **fields):
    engine = make_engine(load_settings(line.instance.home).db_url)
    try:
        return await TicketStore(sessionmaker(engine)).create_ticket(topic="infrastructure", **fields)
    finally:
        await engine.dispose()


async def test_closed_without_a_result_is_not_completed(line):
    t = await seed(line, status="closed", handling_stage="closed", reason="Không đủ thông tin")
    call = await line.call(lookup_call(t.code))
    assert call.sipp.ok, call.sipp.error_log
    said = call.prompts()
    said = said[said.index("lookup_status_intro"):]
    assert said[9] == "status_closed_no_result" and "status_closed" not in said
    assert call.var("HOTLINE_TICKET_STATUS") == "closed_no_result"


async def test_a_duplicate_is_said_with_its_original(line):
    original = await seed(line, status="in_progress", handling_stage="focal_point")
    dup = await seed(line, status="closed", handling_stage="closed", duplicate_of=original.id)
    # Two codes are read: the call listens long enough for both.
    call = await line.call(CallScript().pause(2000).keys("12", gap_ms=1500).pause(2500)
                           .keys(dup.code + "#", gap_ms=700).pause(25000))
    assert call.sipp.ok, call.sipp.error_log
    said = call.prompts()
    said = said[said.index("lookup_status_intro"):]
    assert said[9:19] == ["status_duplicate", *(f"digit_{d}" for d in original.code), "status_in_progress"]
    assert call.var("HOTLINE_TICKET_STATUS") == "duplicate"

"""What the IVR's look-up says of a ticket, from the real store (SQLite and PostgreSQL; issue #31
item 2): a ticket closed without a result is not "completed" (Thanh Hóa group 2 lapsed, Art. 11;
HCMC fake reports, Art. 7.1a); a duplicate speaks of its original's state (HCMC Art. 6.4); a
ticket waiting for the citizen says so and by when; a ticket answered and closed says so."""

from datetime import timedelta

from hotline.store.base import aware
from hotline.ticketing.duplicates import Duplicates
from hotline.ticketing.handling import Payload
from tests.store.support import OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM


async def test_thanh_hoa_lapsed_clarification_is_closed_without_result(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "clarify", OPERATOR, Payload(question="Xin cho biết số nhà cụ thể"),
                             now=MONDAY_9AM)
    said = await p.store.status_by_code(t.code)
    assert said == "received" and "stage_clarifying" in said.keys
    assert said.due == aware(t.due_at) and said.due > MONDAY_9AM  # the 5 working days to complete it
    await p.handling.deadlines.scan(MONDAY_9AM + timedelta(days=14))
    said = await p.store.status_by_code(t.code)
    assert said == "closed_unclarified" and said.due is None


async def test_hcmc_fake_report_is_not_completed(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert t.handling_stage == "incident_verifying"
    t = await p.handling.act(t.id, "report_fake", p.staff, Payload(reason="Không có sự cố tại địa chỉ báo"),
                             now=MONDAY_9AM + timedelta(minutes=30))
    said = await p.store.status_by_code(t.code)
    assert said == "closed_no_result" and said.keys == ("stage_fake_report",)


async def test_a_duplicate_speaks_of_its_original(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    original = await p.receive(MONDAY_9AM)
    original = await p.handling.act(original.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id),
                                    now=MONDAY_9AM)
    later = await p.receive(MONDAY_9AM + timedelta(minutes=5), caller_phone="0912000111")
    await Duplicates(sessions).link(later.id, original.code, "op1")
    said = await p.store.status_by_code(later.code)
    assert said == "duplicate"
    code, state = said.original
    assert code == original.code and state == "in_progress" and "stage_incident_verifying" in state.keys


async def test_answered_then_closed_says_answered(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Đã hướng dẫn thủ tục"),
                             now=MONDAY_9AM)
    assert await p.store.status_by_code(t.code) == "answered"
    t = await p.handling.act(t.id, "close", OPERATOR, Payload(), now=MONDAY_9AM + timedelta(hours=1))
    assert await p.store.status_by_code(t.code) == "closed"

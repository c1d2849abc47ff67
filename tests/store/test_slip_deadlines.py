"""The transfer slip, the escalation and the reminders name what is due and when (issue #31 item 1;
real store, SQLite and PostgreSQL): Đồng Tháp's focal point answers the citizen within 8 working
hours (Art. 9.3), the head within 48 (Art. 9.4); Quảng Ninh's specialist takes the report up within
1 day and the answer is due in 5 working days (step 2.1, step 2); HCMC's unit verifies an incident
within 1 hour (Art. 7.1a) and answers other matters in 5 working days (Art. 7.2); Thanh Hóa's unit
answers within 10 working days (Art. 12.4); Đồng Nai's regulation sets no deadline (CV 1407)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.notifications.sms import MAX_SEGMENTS, local_time, segments
from hotline.store.base import aware
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.ticketing.handling import Payload
from tests.store.support import FOCAL_PHONE, HEAD_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM


def slips(sms, to=FOCAL_PHONE):
    return [m.text for m in sms if m.to_number == to and m.purpose in ("transfer_slip", "escalation", "reminder")]


async def transferred(p, topic):
    t = await p.receive(MONDAY_9AM, topic=topic)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    return t


async def remind(p, t):
    async with p.sessions() as s, s.begin():
        assert await p.handling.notices.reminder(s, await s.get(Ticket, t.id))
    _, sms, _ = await p.ticket(t.id)
    return [m.text for m in sms if m.purpose == "reminder"][-1]


async def test_dong_thap_focal_point_answers_in_8_working_hours_then_the_head(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await transferred(p, "infrastructure")
    _, sms, _ = await p.ticket(t.id)
    # Monday 09:00 + 8 working hours (07:00-11:30, 13:30-17:00): Tuesday 09:00.
    assert slips(sms)[-1].endswith("Đề nghị trả lời người dân trước 09:00 17/11/2026.")
    assert "Hạn trả lời" not in slips(sms)[-1]  # the step's limit is the answer's: said once
    assert (await remind(p, t)).endswith("cần trả lời người dân trước 09:00 17/11/2026.")
    await p.handling.deadlines.scan(MONDAY_9AM + timedelta(days=1, hours=1))
    _, sms, _ = await p.ticket(t.id)
    head = slips(sms, HEAD_PHONE)[-1]
    assert "Đề nghị Thủ trưởng chỉ đạo trả lời người dân trước" in head and "quá hạn trả lời" in head


async def test_quang_ninh_slip_says_take_up_by_and_answer_by(sessions, tmp_path):
    p = await province(sessions, tmp_path, "quang_ninh")
    t = await transferred(p, "infrastructure")
    _, sms, _ = await p.ticket(t.id)
    slip = slips(sms)[-1]
    # Step 2.1: taken up within 1 day (Tuesday 09:00); step 2: answered within 5 working days of
    # the distribution (the next Monday 09:00), not "answer the citizen" by the take-up's day.
    assert "Đề nghị tiếp nhận xử lý trước 09:00 17/11/2026. Hạn trả lời người dân: 09:00 23/11/2026." in slip
    assert "trả lời người dân trước" not in slip
    assert segments(slip) <= MAX_SEGMENTS
    assert "tiếp nhận xử lý trước 09:00 17/11/2026. Hạn trả lời người dân: 09:00 23/11/2026." in await remind(p, t)
    t = await p.handling.act(t.id, "take_up", p.staff, Payload(), now=MONDAY_9AM + timedelta(hours=2))
    assert (await remind(p, t)).endswith("cần trả lời người dân trước 09:00 23/11/2026.")
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay bóng đèn"), now=MONDAY_9AM)
    assert "cần phê duyệt kết quả trước" in await remind(p, t)  # the leader's day to approve


async def test_hcmc_incident_slip_says_verify_within_the_hour(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    t = await transferred(p, "infrastructure")
    _, sms, _ = await p.ticket(t.id)
    slip = slips(sms)[-1]
    assert slip.endswith("Đề nghị xác minh trước 10:00 16/11/2026.")  # Art. 7.1a: 1 hour, clock time
    assert "trả lời người dân" not in slip  # the incident steps set no single answer date
    other = await transferred(p, "socio_economic")
    _, sms, _ = await p.ticket(other.id)
    assert slips(sms)[-1].endswith("Đề nghị trả lời người dân trước 09:00 23/11/2026.")  # Art. 7.2: 5 working days


async def test_thanh_hoa_slip_gives_the_10_working_days(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    t = await transferred(p, "infrastructure")
    _, sms, _ = await p.ticket(t.id)
    due = local_time(aware(t.due_at))  # Art. 12.4: 10 working days on the province's calendar
    assert due.endswith("/2026") and aware(t.due_at) > MONDAY_9AM + timedelta(days=13)
    assert slips(sms)[-1].endswith(f"Đề nghị trả lời người dân trước {due}.")
    assert (await remind(p, t)).endswith(f"cần trả lời người dân trước {due}.")


async def test_dong_nai_slip_promises_no_date(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_nai")
    t = await transferred(p, "infrastructure")
    async with p.sessions() as s:
        texts = list(await s.scalars(select(SmsMessage.text).where(SmsMessage.to_number == FOCAL_PHONE)))
    assert texts and not any("trước" in x for x in texts)  # CV 1407 sets no deadline: none is invented

"""Each province's workflow, by configuration alone, on a simulated clock and a real store
(SQLite and PostgreSQL): the happy path and each deadline miss."""

from datetime import datetime, timedelta, timezone

import pytest

from hotline.errors import Refused
from hotline.ticketing.handling import Payload, TicketHandling
from hotline.ticketing.models import aware
from tests.store.support import CITIZEN, CITIZEN_PHONE, HEAD_PHONE, OPERATOR, province

UTC = timezone.utc
MONDAY_9AM = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam, an ordinary Monday


def local(*a) -> datetime:
    """A Vietnam local time as UTC."""
    return datetime(*a, tzinfo=UTC) - timedelta(hours=7)


async def test_dong_thap_happy_path_publication_rating_and_follow_up(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    t, sms, _ = await p.ticket(t.id)
    assert t.handling_stage == "received" and t.status == "received" and t.due_at is None
    assert [(m.to_number, m.purpose) for m in sms] == [(CITIZEN_PHONE, "receipt")] and t.code in sms[0].text

    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    # 8 working hours from Monday 09:00: 6 h on Monday (to 11:30, 13:30-17:00), 2 h on Tuesday.
    assert (t.handling_stage, t.status, aware(t.due_at)) == ("focal_point", "in_progress", local(2026, 11, 17, 9, 0))
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay bóng đèn."),
                             now=MONDAY_9AM + timedelta(hours=3))
    assert t.handling_stage == "answered" and t.status == "answered" and t.answer_level == 2 and not t.late
    assert aware(t.published_at) == MONDAY_9AM + timedelta(hours=3)
    t, sms, _ = await p.ticket(t.id)
    assert sms[-1].to_number == CITIZEN_PHONE and sms[-1].purpose == "result"
    assert f"https://1022.example.vn/tra-cuu?ma={t.code}" in sms[-1].text

    later = MONDAY_9AM + timedelta(days=1)
    t = await p.handling.act(t.id, "rate", CITIZEN, Payload(rating=4), now=later)
    assert t.rating == 4 and t.handling_stage == "answered"
    with pytest.raises(Refused) as e:  # once
        await p.handling.act(t.id, "rate", CITIZEN, Payload(rating=1), now=later)
    assert e.value.status == 409
    t = await p.handling.act(t.id, "ask_again", CITIZEN, Payload(question="Khi nào sửa xong cột điện?"), now=later)
    assert t.handling_stage == "follow_up" and t.agency_id == p.agency_id
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Chiều nay."), now=later)
    # 5 working days without a reply from the citizen: closed (nobody is late).
    assert await p.handling.scan(later + timedelta(days=8)) == [(t.code, "closed")]
    t, _, events = await p.ticket(t.id)
    assert t.status == "closed" and not t.late
    assert events == ["submitted", "transfer", "answer", "rate", "ask_again", "answer", "deadline_passed"]


async def test_dong_thap_one_reschedule_return_and_refusals(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    with pytest.raises(Refused) as e:
        await p.handling.act(t.id, "reject", OPERATOR, Payload(), now=MONDAY_9AM)
    assert e.value.status == 422 and "lý do" in str(e.value)
    with pytest.raises(Refused) as e:  # an agency cannot act before it has the ticket
        await p.handling.act(t.id, "answer", p.staff, Payload(result="x"), now=MONDAY_9AM)
    assert e.value.status == 404
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)

    new_date = local(2026, 11, 20, 17, 0)
    t = await p.handling.act(t.id, "reschedule", p.staff, Payload(date=new_date, reason="Cần khảo sát hiện trường"),
                             now=MONDAY_9AM + timedelta(hours=1))
    assert aware(t.due_at) == new_date and t.handling_stage == "focal_point"
    with pytest.raises(Refused) as e:  # a second reschedule is refused
        await p.handling.act(t.id, "reschedule", p.staff, Payload(date=new_date + timedelta(days=3), reason="x"),
                             now=MONDAY_9AM + timedelta(hours=2))
    assert e.value.status == 409 and "1 lần" in str(e.value)
    other = p.staff.__class__("binh", frozenset({"agency"}), p.other_agency_id)
    with pytest.raises(Refused) as e:
        await p.handling.act(t.id, "answer", other, Payload(result="x"), now=MONDAY_9AM)
    assert e.value.status == 404
    with pytest.raises(Refused) as e:  # citizens do not answer for agencies
        await p.handling.act(t.id, "answer", CITIZEN, Payload(result="x"), now=MONDAY_9AM)
    assert e.value.status == 403

    t = await p.handling.act(t.id, "return", p.staff, Payload(reason="Thuộc thẩm quyền Sở Xây dựng"),
                             now=MONDAY_9AM + timedelta(hours=3))
    assert t.handling_stage == "returned" and t.agency_id is None and t.reason.startswith("Thuộc")
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id),
                             now=MONDAY_9AM + timedelta(hours=4))
    assert t.handling_stage == "focal_point" and t.agency_id == p.other_agency_id


async def test_dong_nai_runs_the_dong_thap_rules_by_configuration(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_nai")
    assert p.handling.profile.numbers.national == "02511022"
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert await p.handling.scan(local(2026, 11, 17, 9, 1)) == [(t.code, "head")]
    t, sms, _ = await p.ticket(t.id)
    assert sms[-1].to_number == HEAD_PHONE and t.late


async def test_ho_chi_minh_clock_deadlines_and_return_window(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    saturday_night = local(2026, 11, 21, 23, 0)
    t = await p.receive(saturday_night)
    t, sms, _ = await p.ticket(t.id)
    assert aware(t.due_at) == saturday_night + timedelta(minutes=5) and sms[0].purpose == "receipt"
    # Not classified within 5 minutes: marked late, stays to be classified.
    assert await p.handling.scan(saturday_night + timedelta(minutes=6)) == [(t.code, "received")]
    t, _, events = await p.ticket(t.id)
    assert t.late and t.due_at is None and events[-1] == "deadline_missed"
    # Infrastructure: 2 clock hours, even on a Saturday night.
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id),
                             now=saturday_night + timedelta(minutes=7))
    assert aware(t.due_at) == saturday_night + timedelta(minutes=127)
    assert await p.handling.scan(saturday_night + timedelta(hours=3)) == [(t.code, "overdue")]
    t, sms, _ = await p.ticket(t.id)
    assert t.status == "overdue" and sms[-1].purpose == "transfer_slip"

    # Socio-economic: 5 working days; the agency may return it within 1 working day only.
    s = await p.receive(MONDAY_9AM, topic="socio_economic")
    s = await p.handling.act(s.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert aware(s.due_at) == local(2026, 11, 23, 9, 0)
    with pytest.raises(Refused) as e:
        await p.handling.act(s.id, "return", p.staff, Payload(reason="Không đúng thẩm quyền"),
                             now=MONDAY_9AM + timedelta(days=2))
    assert e.value.status == 409 and "quá thời hạn" in str(e.value).lower()


async def test_quang_ninh_leader_approves_edits_or_sends_back(sessions, tmp_path):
    p = await province(sessions, tmp_path, "quang_ninh")
    t = await p.receive(MONDAY_9AM, confidential=True)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert t.handling_stage == "handling" and aware(t.due_at) == local(2026, 11, 23, 9, 0)
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Bản nháp kết quả"), now=MONDAY_9AM)
    assert t.handling_stage == "approval" and t.published_at is None
    _, sms, _ = await p.ticket(t.id)
    assert (sms[-1].to_number, sms[-1].purpose) == (HEAD_PHONE, "approval")
    with pytest.raises(Refused) as e:  # staff cannot approve their own result
        await p.handling.act(t.id, "approve", p.staff, Payload(), now=MONDAY_9AM)
    assert e.value.status == 403
    t = await p.handling.act(t.id, "send_back", p.leader, Payload(reason="Bổ sung số liệu"), now=MONDAY_9AM)
    assert t.handling_stage == "handling"
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Kết quả có số liệu"), now=MONDAY_9AM)
    t = await p.handling.act(t.id, "approve_edited", p.leader, Payload(result="Kết quả đã sửa"),
                             now=MONDAY_9AM + timedelta(hours=1))
    assert t.handling_stage == "answered" and t.result == "Kết quả đã sửa"
    assert t.published_at is None  # confidential: never published
    # Approval missed: a late mark; handling missed: overdue.
    u = await p.receive(MONDAY_9AM)
    u = await p.handling.act(u.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert await p.handling.scan(local(2026, 11, 23, 9, 1)) == [(u.code, "overdue")]


async def test_thanh_hoa_four_groups(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    rejected = await p.receive(MONDAY_9AM)
    rejected = await p.handling.act(rejected.id, "reject", OPERATOR, Payload(reason="Ngoài phạm vi tiếp nhận"),
                                    now=MONDAY_9AM)
    assert (rejected.status, rejected.classification) == ("rejected", "reject")

    unclear = await p.receive(MONDAY_9AM)
    unclear = await p.handling.act(unclear.id, "clarify", OPERATOR, Payload(question="Địa điểm cụ thể ở đâu?"),
                                   now=MONDAY_9AM)
    assert unclear.handling_stage == "clarifying" and aware(unclear.due_at) == local(2026, 11, 23, 9, 0)
    _, sms, _ = await p.ticket(unclear.id)
    assert sms[-1].purpose == "clarify" and "5 ngày làm việc" in sms[-1].text
    answered_in_time = await p.receive(MONDAY_9AM)
    answered_in_time = await p.handling.act(answered_in_time.id, "clarify", OPERATOR, Payload(question="Ở đâu?"),
                                            now=MONDAY_9AM)
    answered_in_time = await p.handling.act(answered_in_time.id, "clarified", CITIZEN,
                                            Payload(question="Trước số 12 Lê Lợi"), now=MONDAY_9AM + timedelta(days=1))
    assert answered_in_time.handling_stage == "received"

    forwarded = await p.receive(MONDAY_9AM)
    forwarded = await p.handling.act(forwarded.id, "forward", OPERATOR, Payload(agency_id=p.other_agency_id),
                                     now=MONDAY_9AM)
    accepted = await p.receive(MONDAY_9AM)
    accepted = await p.handling.act(accepted.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id),
                                    now=MONDAY_9AM)
    assert accepted.classification == "transfer" and forwarded.classification == "forward"
    assert aware(accepted.due_at) == local(2026, 12, 1, 9, 0)  # 10 working days, 24/11 a holiday

    # The unclear report is closed after 5 working days (the citizen's silence: nobody late);
    # the one nobody classified in 2 working days is marked late.
    late = await p.receive(MONDAY_9AM)
    done = dict(await p.handling.scan(local(2026, 11, 23, 9, 1)))
    assert done[unclear.code] == "closed" and done[late.code] == "received"
    unclear, _, _ = await p.ticket(unclear.id)
    late, _, _ = await p.ticket(late.id)
    assert not unclear.late and late.late
    assert dict(await p.handling.scan(local(2026, 12, 1, 9, 1))) == {accepted.code: "overdue",
                                                                       forwarded.code: "overdue"}


async def test_a_restart_while_deadlines_are_pending_loses_and_repeats_nothing(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    codes = []
    for _ in range(5):
        t = await p.receive(MONDAY_9AM)
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
        codes.append(t.code)
    # The first process scans, "crashes"; a new one (same database) scans the same instant and later.
    assert sorted(c for c, _ in await p.handling.scan(local(2026, 11, 17, 9, 1))) == sorted(codes)
    restarted = TicketHandling(sessions, p.handling.profile)
    assert await restarted.scan(local(2026, 11, 17, 9, 1)) == []
    assert len(await restarted.scan(local(2026, 11, 30, 12, 0))) == 5
    _, sms, _ = await p.ticket(t.id)
    assert [m.purpose for m in sms] == ["receipt", "transfer_slip", "escalation"]

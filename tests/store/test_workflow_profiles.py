"""Each province's workflow, by configuration alone, on a simulated clock and a real store
(SQLite and PostgreSQL): the happy path and each deadline miss."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hotline.errors import Refused
from hotline.ticketing.attachments import Attachments, Upload
from hotline.ticketing.handling import Actor, Payload, TicketHandling
from hotline.ticketing.timeline import timeline
from hotline.store.tickets import TicketEvent
from hotline.store.base import aware
from hotline.store.callbacks import SurveyCall
from tests.store.support import CITIZEN, CITIZEN_PHONE, FOCAL_PHONE, HEAD_PHONE, OFFICE, OPERATOR, province

UTC = timezone.utc
MONDAY_9AM = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam, an ordinary Monday
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


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
    assert f"https://1022.example.vn/p/{t.public_secret}" in sms[-1].text

    later = MONDAY_9AM + timedelta(days=1)
    t = await p.handling.act(t.id, "rate", CITIZEN, Payload(rating=4), now=later)
    assert t.rating == 4 and t.handling_stage == "answered"
    with pytest.raises(Refused) as e:  # once
        await p.handling.act(t.id, "rate", CITIZEN, Payload(rating=1), now=later)
    assert e.value.status == 409
    t = await p.handling.act(t.id, "ask_again", CITIZEN, Payload(question="Khi nào sửa xong cột điện?"), now=later)
    assert t.handling_stage == "follow_up" and t.agency_id == p.agency_id
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Chiều nay."), now=later)
    # No clause closes an answered ticket by itself (issue #31): it stays answered until the
    # operator closes it.
    assert await p.handling.deadlines.scan(later + timedelta(days=30)) == []
    t = await p.handling.act(t.id, "close", OPERATOR, Payload(), now=later + timedelta(days=30))
    t, _, events = await p.ticket(t.id)
    assert t.status == "closed" and not t.late
    assert events == ["submitted", "transfer", "answer", "rate", "ask_again", "answer", "close"]


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


async def test_dong_nai_sets_no_deadlines_because_cv_1407_sets_none(sessions, tmp_path):
    """Two levels of answer, and no borrowed deadlines: nothing escalates or goes overdue until
    the province writes its own limits into its workflow (item 14 of the regulations' review)."""
    p = await province(sessions, tmp_path, "dong_nai")
    assert p.handling.profile.numbers.national == "02511022"
    assert p.handling.workflow.steps_with_deadlines() == []
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert (t.handling_stage, t.due_at) == ("focal_point", None)
    assert await p.handling.deadlines.scan(MONDAY_9AM + timedelta(days=60)) == []
    # The agency may commit to a date of its own; the citizen is told, and past it the ticket is late.
    t = await p.handling.act(t.id, "reschedule", p.staff, Payload(date=local(2026, 11, 20, 17, 0), reason="Khảo sát"),
                             now=MONDAY_9AM)
    assert await p.handling.deadlines.scan(local(2026, 11, 20, 17, 1)) == [(t.code, "focal_point")]
    t, sms, _ = await p.ticket(t.id)
    assert t.late and t.status == "in_progress" and sms[-1].purpose == "delay"
    assert HEAD_PHONE not in [m.to_number for m in sms]  # no escalation to the head


async def test_ho_chi_minh_infrastructure_incident_in_clock_time(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    saturday_night = local(2026, 11, 21, 23, 0)
    t = await p.receive(saturday_night)
    t, sms, _ = await p.ticket(t.id)
    assert aware(t.due_at) == saturday_night + timedelta(minutes=5) and sms[0].purpose == "receipt"
    # Not classified within 5 minutes: marked late, stays to be classified.
    assert await p.handling.deadlines.scan(saturday_night + timedelta(minutes=6)) == [(t.code, "received")]
    t, _, events = await p.ticket(t.id)
    assert t.late and t.due_at is None and events[-1] == "deadline_missed"
    # An infrastructure transfer starts the incident steps (Art. 7.1), in clock time on a Saturday night.
    now = saturday_night + timedelta(minutes=7)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("incident_verifying", now + timedelta(hours=1))
    _, sms, _ = await p.ticket(t.id)
    assert (sms[-1].to_number, sms[-1].purpose) == (FOCAL_PHONE, "transfer_slip")
    with pytest.raises(Refused) as e:
        await p.handling.act(t.id, "confirm_incident", p.staff, Payload(), now=now)
    assert e.value.status == 422 and "ghi chú" in str(e.value)
    now += timedelta(minutes=20)
    t = await p.handling.act(t.id, "confirm_incident", p.staff, Payload(note="Cột đèn đổ thật, chắn nửa đường"),
                             now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("incident_dispatching", now + timedelta(minutes=5))
    now += timedelta(minutes=3)
    t = await p.handling.act(t.id, "dispatch", p.staff, Payload(note="Giao Đội chiếu sáng số 3"), now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("incident_site_check", now + timedelta(hours=2))
    now += timedelta(minutes=50)
    t = await p.handling.act(t.id, "site_checked", p.staff, Payload(note="Đứt cáp ngầm"), now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("incident_fixing", now + timedelta(hours=2))
    # Not fixable within 2 hours: the unit posts the expected completion time, which becomes the deadline.
    eta = now + timedelta(hours=6)
    t = await p.handling.act(t.id, "post_eta", p.staff, Payload(date=eta, note="Chờ vật tư cáp"), now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("incident_fixing", eta)
    assert await p.handling.deadlines.scan(eta - timedelta(minutes=1)) == []
    assert await p.handling.deadlines.scan(eta + timedelta(minutes=1)) == [(t.code, "overdue")]
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay cáp, đèn sáng lại"),
                             now=eta + timedelta(hours=1))
    t, sms, events = await p.ticket(t.id)
    # Art. 7.4: the result SMS goes when the answer is published; a survey call that reads the
    # result and asks for the rating comes in addition (issue #31).
    assert t.handling_stage == "answered" and [m.purpose for m in sms].count("result") == 1
    async with p.sessions() as s:
        [survey] = list(await s.scalars(select(SurveyCall).where(SurveyCall.ticket_id == t.id)))
    assert (survey.status, survey.number) == ("pending", CITIZEN_PHONE)
    assert aware(survey.due_at) == eta + timedelta(hours=1, minutes=10)  # the profile's delay after the answer
    assert events[2:] == ["transfer", "confirm_incident", "dispatch", "site_checked", "post_eta", "deadline_missed",
                          "answer"]


async def test_ho_chi_minh_complex_incident_needs_site_photos_fake_reports_and_returns(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    files = Attachments(sessions, tmp_path / "attachments")
    now = MONDAY_9AM
    t = await p.receive(now)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    for action, note in (("confirm_incident", "Sụt lún mặt đường"), ("dispatch", "Đội duy tu 1")):
        t = await p.handling.act(t.id, action, p.staff, Payload(note=note), now=now)
    # The site check runs out: overdue, and still to be handled.
    assert await p.handling.deadlines.scan(now + timedelta(hours=2, minutes=1)) == [(t.code, "overdue")]
    u = await p.receive(now)
    u = await p.handling.act(u.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    for action, note in (("confirm_incident", "Hố sâu 1 m"), ("dispatch", "Đội duy tu 2"),
                         ("complex", "Cần đào đường, thay cống")):
        u = await p.handling.act(u.id, action, p.staff, Payload(note=note), now=now)
    assert (u.handling_stage, aware(u.due_at)) == ("incident_securing", now + timedelta(hours=2))
    now += timedelta(hours=1)
    u = await p.handling.act(u.id, "secured", p.staff, Payload(note="Rào chắn, đặt biển cảnh báo, đèn chớp"), now=now)
    assert (u.handling_stage, aware(u.due_at)) == ("complex_fixing", now + timedelta(hours=8))
    assert aware(u.remind_at) == now + timedelta(hours=7)
    # The result of a complex incident goes with site photos (Art. 7.1.b).
    later = now + timedelta(hours=5)
    with pytest.raises(Refused) as e:
        await p.handling.act(u.id, "answer", p.staff, Payload(result="Đã thay cống"), now=later)
    assert e.value.status == 422 and "ảnh" in str(e.value)
    await files.save(u.id, files.check([Upload("hien-truong.jpg", JPEG)]), "dungle", later, public=True)
    u = await p.handling.act(u.id, "answer", p.staff, Payload(result="Đã thay cống, hoàn trả mặt đường"), now=later)
    assert u.handling_stage == "answered" and aware(u.published_at) == later

    # A fake report is closed, unpublished; a unit that is not responsible returns it within 1 hour.
    fake = await p.receive(now)
    fake = await p.handling.act(fake.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    fake = await p.handling.act(fake.id, "report_fake", p.staff, Payload(reason="Không có sự cố tại địa chỉ"),
                                now=now + timedelta(minutes=30))
    assert (fake.handling_stage, fake.status, fake.published_at) == ("fake_report", "closed", None)
    wrong = await p.receive(now)
    wrong = await p.handling.act(wrong.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    with pytest.raises(Refused) as e:
        await p.handling.act(wrong.id, "return_incident", p.staff,
                             Payload(reason="Thuộc Công ty Cấp nước", note="Ống nước vỡ"), now=now + timedelta(minutes=61))
    assert e.value.status == 409
    with pytest.raises(Refused) as e:  # with what the unit verified (Art. 7.1c)
        await p.handling.act(wrong.id, "return_incident", p.staff, Payload(reason="Thuộc Công ty Cấp nước"),
                             now=now + timedelta(minutes=40))
    assert e.value.status == 422 and "ghi chú" in str(e.value)
    wrong = await p.handling.act(wrong.id, "return_incident", p.staff,
                                 Payload(reason="Thuộc Công ty Cấp nước", note="Ống cấp nước vỡ, không phải cống"),
                                 now=now + timedelta(minutes=40))
    # Its managing unit reviews the return before the hotline forwards it again.
    assert (wrong.handling_stage, wrong.agency_id) == ("return_review", p.agency_id)
    with pytest.raises(Refused) as e:
        await p.handling.act(wrong.id, "confirm_return", p.staff, Payload(note="Đồng ý"), now=now + timedelta(minutes=50))
    assert e.value.status == 403  # the leader's, not the staff's
    wrong = await p.handling.act(wrong.id, "confirm_return", p.leader, Payload(note="Đúng, thuộc Cấp nước"),
                                 now=now + timedelta(minutes=50))
    assert (wrong.handling_stage, wrong.agency_id, aware(wrong.due_at)) == \
        ("returned", None, now + timedelta(minutes=110))
    # A return the managing unit does not accept goes back to the site check.
    kept = await p.receive(now)
    kept = await p.handling.act(kept.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)
    kept = await p.handling.act(kept.id, "return_incident", p.staff, Payload(reason="Không phải của đội", note="x"),
                                now=now + timedelta(minutes=10))
    kept = await p.handling.act(kept.id, "refuse_return", p.leader, Payload(reason="Thuộc địa bàn đội 3"),
                                now=now + timedelta(minutes=20))
    assert (kept.handling_stage, kept.agency_id) == ("incident_site_check", p.agency_id)


async def test_ho_chi_minh_unknown_unit_dangerous_incidents_and_progress_updates(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    files = Attachments(sessions, tmp_path / "attachments")
    supervisor = Actor.of(SimpleNamespace(username="giamsat", role="supervisor"))
    now = MONDAY_9AM
    # Art. 6.3: no unit found: the operating unit says which within 1 hour, and only it.
    t = await p.receive(now)
    t = await p.handling.act(t.id, "ask_operating_unit", OPERATOR, Payload(note="Không rõ đơn vị quản lý tuyến cống"),
                             now=now)
    assert (t.handling_stage, aware(t.due_at)) == ("unit_unknown", now + timedelta(hours=1))
    assert "guide_transfer" not in p.handling.allowed(t, OPERATOR, now)
    assert "transfer" not in p.handling.allowed(t, supervisor, now)
    t = await p.handling.act(t.id, "guide_transfer", supervisor, Payload(agency_id=p.agency_id),
                             now=now + timedelta(minutes=30))
    assert (t.handling_stage, t.agency_id) == ("incident_verifying", p.agency_id)
    # Art. 7.1e: dangerous, several units: the operating unit leads and answers.
    t = await p.handling.act(t.id, "escalate_dangerous", p.staff,
                             Payload(note="Sụt lún lớn, ảnh hưởng đường ống nước và cáp điện"),
                             now=now + timedelta(minutes=40))
    assert (t.handling_stage, t.agency_id) == ("operating_unit_leading", None)
    await files.save(t.id, files.check([Upload("rao-chan.jpg", JPEG)]), "giamsat", now + timedelta(hours=1))
    t = await p.handling.act(t.id, "progress", supervisor, Payload(note="Đã rào chắn, phân luồng"),
                             now=now + timedelta(hours=1, minutes=1))
    t = await p.handling.act(t.id, "answer", supervisor, Payload(result="Các đơn vị đã khắc phục xong"),
                             now=now + timedelta(hours=6))
    assert t.handling_stage == "answered"

    # Art. 7.2b, 11.1: progress as often as there is news, each update with its own photos,
    # past the 5 working days too; the citizen's page shows each, the note in her own view only.
    s = await p.receive(MONDAY_9AM, topic="socio_economic")
    s = await p.handling.act(s.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    with pytest.raises(Refused) as e:
        await p.handling.act(s.id, "progress", p.staff, Payload(note="Đã khảo sát"), now=local(2026, 11, 17, 9, 0))
    assert e.value.status == 422 and "ảnh" in str(e.value)
    await files.save(s.id, files.check([Upload("khao-sat.jpg", JPEG)]), "dungle", local(2026, 11, 17, 8, 0))
    s = await p.handling.act(s.id, "progress", p.staff, Payload(note="Đã khảo sát hiện trạng"),
                             now=local(2026, 11, 17, 9, 0))
    with pytest.raises(Refused) as e:  # the next update needs new photos
        await p.handling.act(s.id, "progress", p.staff, Payload(note="Đang thi công"), now=local(2026, 11, 19, 9, 0))
    assert e.value.status == 422
    assert (s.code, "overdue") in await p.handling.deadlines.scan(local(2026, 11, 23, 9, 1))
    await files.save(s.id, files.check([Upload("thi-cong.png", PNG)]), "dungle", local(2026, 11, 24, 8, 0))
    s = await p.handling.act(s.id, "progress", p.staff, Payload(note="Đang thi công, xong 60%"),
                             now=local(2026, 11, 24, 9, 0))
    async with sessions() as db:
        events = list(await db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == s.id).order_by(TicketEvent.id)))
    public = [e.text for e in timeline(events, p.handling.workflow)]
    own = [(e.text, e.note) for e in timeline(events, p.handling.workflow, own=True) if e.note]
    assert public.count("Cập nhật tiến độ xử lý") == 2
    assert own == [("Cập nhật tiến độ xử lý", "Đã khảo sát hiện trạng"),
                   ("Cập nhật tiến độ xử lý", "Đang thi công, xong 60%")]
    assert (await p.ticket(s.id))[0].handling_stage == "overdue"  # an update is not an answer


async def test_ho_chi_minh_socio_economic_and_proposals(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    files = Attachments(sessions, tmp_path / "attachments")
    # Infrastructure that is not an incident, and socio-economic matters: 5 working days (Art. 7.2).
    i = await p.receive(MONDAY_9AM)
    i = await p.handling.act(i.id, "transfer_not_incident", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert (i.handling_stage, aware(i.due_at)) == ("handling", local(2026, 11, 23, 9, 0))
    s = await p.receive(MONDAY_9AM, topic="socio_economic")
    assert "transfer_not_incident" not in p.handling.allowed(s, OPERATOR, MONDAY_9AM)
    s = await p.handling.act(s.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert (s.handling_stage, aware(s.due_at)) == ("handling", local(2026, 11, 23, 9, 0))
    with pytest.raises(Refused) as e:  # the return window is 1 working day...
        await p.handling.act(s.id, "return", p.staff, Payload(reason="Không đúng thẩm quyền"),
                             now=MONDAY_9AM + timedelta(days=1, hours=1))
    assert e.value.status == 409 and "quá thời hạn" in str(e.value).lower()
    # ... or 2 with a site check, recorded.
    s = await p.handling.act(s.id, "return_after_check", p.staff,
                             Payload(reason="Thuộc UBND phường", note="Đã kiểm tra thực tế ngày 17/11"),
                             now=MONDAY_9AM + timedelta(days=1, hours=1))
    assert s.handling_stage == "returned"
    # A progress update past 5 working days comes with photos and a committed date.
    with pytest.raises(Refused) as e:
        await p.handling.act(i.id, "reschedule", p.staff, Payload(date=local(2026, 11, 27, 17, 0), reason="Chờ vốn"),
                             now=local(2026, 11, 20, 9, 0))
    assert e.value.status == 422 and "ảnh" in str(e.value)
    await files.save(i.id, files.check([Upload("tien-do.png", PNG)]), "dungle", local(2026, 11, 20, 8, 0))
    i = await p.handling.act(i.id, "reschedule", p.staff, Payload(date=local(2026, 11, 27, 17, 0), reason="Chờ vốn"),
                             now=local(2026, 11, 20, 9, 0))
    assert aware(i.due_at) == local(2026, 11, 27, 17, 0)

    # Proposals: the City office dispatches within 1 working day; 10 days, 15 with coordination (Art. 7.3).
    h = await p.receive(MONDAY_9AM, topic="socio_economic", content="Hiến kế: mở tuyến xe buýt đường sông")
    h = await p.handling.act(h.id, "send_to_office", OPERATOR, Payload(), now=MONDAY_9AM)
    assert (h.handling_stage, aware(h.due_at)) == ("office_review", local(2026, 11, 17, 9, 0))
    with pytest.raises(Refused) as e:  # the City office's reception decides, not the hotline
        await p.handling.act(h.id, "dispatch_proposal", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert e.value.status == 403
    h = await p.handling.act(h.id, "dispatch_proposal", OFFICE, Payload(agency_id=p.agency_id),
                             now=MONDAY_9AM + timedelta(hours=2))
    assert (h.handling_stage, aware(h.due_at)) == ("proposal_handling", MONDAY_9AM + timedelta(days=10, hours=2))
    h = await p.handling.act(h.id, "coordinate", p.staff, Payload(note="Phối hợp Sở Giao thông vận tải"),
                             now=MONDAY_9AM + timedelta(days=3))
    assert (h.handling_stage, aware(h.due_at)) == ("proposal_coordinating", MONDAY_9AM + timedelta(days=15, hours=2))
    assert (h.code, "overdue") in await p.handling.deadlines.scan(MONDAY_9AM + timedelta(days=15, hours=3))


async def test_quang_ninh_leader_approves_edits_or_sends_back(sessions, tmp_path):
    p = await province(sessions, tmp_path, "quang_ninh")
    t = await p.receive(MONDAY_9AM, confidential=True)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    # Step 2.1: the specialist takes it up within 1 day; the 5 working days run from the distribution.
    assert t.handling_stage == "intake" and aware(t.due_at) == local(2026, 11, 17, 9, 0)
    t = await p.handling.act(t.id, "take_up", p.staff, Payload(), now=MONDAY_9AM + timedelta(hours=2))
    assert t.handling_stage == "handling" and aware(t.due_at) == local(2026, 11, 23, 9, 0)
    # Several agencies (step 1.2): the lead asks the other for its part, within the same 5 days.
    asked = await p.handling.coordination.ask(t.id, p.agency_id, "dungle", p.other_agency_id,
                                              "Phần việc về vỉa hè của Sở Xây dựng", now=MONDAY_9AM)
    assert asked["agency"] == "Sở Xây dựng" and asked["due_at"].startswith("2026-11-23T02:00")
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Bản nháp kết quả"), now=MONDAY_9AM)
    assert t.handling_stage == "approval" and t.published_at is None
    _, sms, _ = await p.ticket(t.id)
    assert (sms[-1].to_number, sms[-1].purpose) == (HEAD_PHONE, "approval")
    with pytest.raises(Refused) as e:  # staff cannot approve their own result
        await p.handling.act(t.id, "approve", p.staff, Payload(), now=MONDAY_9AM)
    assert e.value.status == 403
    t = await p.handling.act(t.id, "send_back", p.leader, Payload(reason="Bổ sung số liệu"),
                             now=MONDAY_9AM + timedelta(days=2))
    # A send-back does not restart the 5 working days (step 2).
    assert t.handling_stage == "handling" and aware(t.due_at) == local(2026, 11, 23, 9, 0)
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Kết quả có số liệu"), now=MONDAY_9AM)
    t = await p.handling.act(t.id, "approve_edited", p.leader, Payload(result="Kết quả đã sửa"),
                             now=MONDAY_9AM + timedelta(hours=1))
    assert t.handling_stage == "answered" and t.result == "Kết quả đã sửa"
    assert t.published_at is None  # confidential: never published
    # Approval missed: a late mark; handling missed: overdue.
    u = await p.receive(MONDAY_9AM)
    u = await p.handling.act(u.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    # Not taken up within the day: late, and the 5 days run on to overdue.
    assert await p.handling.deadlines.scan(local(2026, 11, 17, 9, 1)) == [(u.code, "handling")]
    u, _, _ = await p.ticket(u.id)
    assert u.late and aware(u.due_at) == local(2026, 11, 23, 9, 0)
    assert await p.handling.deadlines.scan(local(2026, 11, 23, 9, 1)) == [(u.code, "overdue")]


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
    done = dict(await p.handling.deadlines.scan(local(2026, 11, 23, 9, 1)))
    assert done[unclear.code] == "closed" and done[late.code] == "received"
    unclear, _, _ = await p.ticket(unclear.id)
    late, _, _ = await p.ticket(late.id)
    assert not unclear.late and late.late
    # Group 4 has 10 working days (Art. 12.4); group 3 goes to the competent agency under its own
    # law (Art. 12.3), not held to them (issue #31).
    assert forwarded.handling_stage == "forwarded" and forwarded.due_at is None
    assert dict(await p.handling.deadlines.scan(local(2026, 12, 1, 9, 1))) == {accepted.code: "overdue"}


async def test_a_restart_while_deadlines_are_pending_loses_and_repeats_nothing(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    codes = []
    for _ in range(5):
        t = await p.receive(MONDAY_9AM)
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
        codes.append(t.code)
    # The first process scans, "crashes"; a new one (same database) scans the same instant and later.
    assert sorted(c for c, _ in await p.handling.deadlines.scan(local(2026, 11, 17, 9, 1))) == sorted(codes)
    restarted = TicketHandling.of(p.settings, sessions, p.handling.profile)
    assert await restarted.deadlines.scan(local(2026, 11, 17, 9, 1)) == []
    assert len(await restarted.deadlines.scan(local(2026, 11, 30, 12, 0))) == 5
    _, sms, _ = await p.ticket(t.id)
    assert [m.purpose for m in sms] == ["receipt", "transfer_slip", "escalation"]

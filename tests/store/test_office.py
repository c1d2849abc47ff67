"""The provincial office (Đồng Tháp Art. 9.4-9.6, 15; Thanh Hóa Art. 12.3; HCMC Art. 6.1), on a real
store (SQLite and PostgreSQL) and the real HTTP application: it is told when a ticket goes
overdue (and only then does the IVR say the matter was reported), sends the agency a reminder or
a request for explanation that the agency answers once, and decides which agency handles a matter
whose jurisdiction is unclear, the citizen being told."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.config.deadline import Deadline
from hotline.agent_desktop.accounts import Principal
from hotline.errors import Refused
from hotline.store.outbox import EmailMessage, SmsMessage
from hotline.store.tickets import Ticket, TicketEvent
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, FOCAL_PHONE, HEAD_EMAIL, HEAD_PHONE, OFFICE, OPERATOR, province
from tests.store.test_route_walk import app, cookie_of, user_of  # noqa: F401  (the application fixture)
from tests.store.test_workflow_profiles import MONDAY_9AM

OFFICE_PHONE, OFFICE_EMAIL = "0277385000", "vanphong@dongthap.example.vn"


async def agency_user(hotline, name: str, agency_id: int) -> Principal:
    uid = await hotline.accounts.create_user(name, name, "agency", "mat-khau-dai-du-10", agency_id=agency_id)
    return Principal(uid, name, name, "agency", None, agency_id=agency_id)


def with_office(p) -> None:
    p.handling.profile.office = p.handling.profile.office.model_copy(update={"phone": OFFICE_PHONE,
                                                                             "email": OFFICE_EMAIL})


async def overdue_ticket(p, start: datetime) -> Ticket:
    t = await p.receive(start)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=start)
    await p.handling.deadlines.scan(start + timedelta(days=20))  # the focal point's 8 h: the head
    await p.handling.deadlines.scan(start + timedelta(days=21))  # the head's 48 h: overdue
    t, _, _ = await p.ticket(t.id)
    assert t.status == "overdue"
    return t


async def test_the_office_is_told_of_an_overdue_ticket_and_only_then_does_the_ivr_say_it_was_reported(
        sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    silent = await overdue_ticket(p, MONDAY_9AM)  # the profile names no office contact: nobody is told
    assert await p.store.status_by_code(silent.code) == "overdue"
    _, sms, events = await p.ticket(silent.id)
    assert "office_notified" not in events and not [m for m in sms if m.purpose == "office"]

    with_office(p)
    t = await overdue_ticket(p, MONDAY_9AM)
    assert await p.store.status_by_code(t.code) == "overdue_reported"
    _, sms, events = await p.ticket(t.id)
    told = [m for m in sms if m.purpose == "office"]
    assert [m.to_number for m in told] == [OFFICE_PHONE] and t.code in told[0].text
    assert "Công ty Điện lực" in told[0].text
    async with sessions() as s:
        mail = list(await s.scalars(select(EmailMessage).where(EmailMessage.to_address == OFFICE_EMAIL)))
        line = await s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                        TicketEvent.action == "office_notified"))
    assert len(mail) == 1 and t.code in mail[0].subject and "Đèn đường hỏng" in mail[0].body
    assert "Nguyễn Văn An" not in mail[0].body and CITIZEN_PHONE not in mail[0].body
    assert line.detail["by"] == ["sms", "email"]


# Thanh Hóa Art. 12.3: the office assigns a group-3 matter, handled under its own law's limits (#31).
@pytest.mark.parametrize("profile, agency_step", [("dong_thap", "focal_point"), ("thanh_hoa", "forwarded")])
async def test_unclear_jurisdiction_goes_to_the_office_which_names_the_agency(sessions, tmp_path, profile,
                                                                             agency_step):
    p = await province(sessions, tmp_path, profile)
    with_office(p)
    t = await p.receive(MONDAY_9AM, content="Đề nghị xử lý bến bãi trái phép ven sông, không rõ cơ quan quản lý")
    t = await p.handling.act(t.id, "refer_to_office", OPERATOR, Payload(reason="Giáp ranh hai huyện"),
                             now=MONDAY_9AM)
    assert (t.handling_stage, t.status, t.agency_id) == ("office_review", "received", None)
    _, sms, _ = await p.ticket(t.id)
    assert [m.to_number for m in sms if m.purpose == "office"] == [OFFICE_PHONE]
    for actor, status in ((OPERATOR, 403), (p.staff, 404)):  # only the office decides (no agency has it)
        with pytest.raises(Refused) as e:
            await p.handling.act(t.id, "office_assign", actor, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
        assert e.value.status == status
    t = await p.handling.act(t.id, "office_assign", OFFICE, Payload(agency_id=p.agency_id),
                             now=MONDAY_9AM + timedelta(hours=2))
    assert (t.handling_stage, t.agency_id) == (agency_step, p.agency_id)
    assert (t.due_at is not None) == (profile == "dong_thap")
    _, sms, _ = await p.ticket(t.id)
    assert (CITIZEN_PHONE, "forwarded") in [(m.to_number, m.purpose) for m in sms]
    assert (FOCAL_PHONE, "transfer_slip") in [(m.to_number, m.purpose) for m in sms]
    forwarded = next(m for m in sms if m.purpose == "forwarded")
    assert "đã được chuyển đến Công ty Điện lực để xử lý" in forwarded.text


async def test_the_office_declares_a_matter_outside_the_provinces_authority(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM, content="Khiếu nại quyết định của Bộ")
    t = await p.handling.act(t.id, "refer_to_office", OPERATOR, Payload(reason="Thẩm quyền trung ương?"),
                             now=MONDAY_9AM)
    t = await p.handling.act(t.id, "office_reject", OFFICE,
                             Payload(reason="Thuộc thẩm quyền của Bộ Tài nguyên và Môi trường, gửi đơn về Bộ"),
                             now=MONDAY_9AM + timedelta(hours=1))
    assert t.status == "rejected"
    _, sms, _ = await p.ticket(t.id)
    refusal = [m for m in sms if m.purpose == "refusal"]
    assert len(refusal) == 1 and "Bộ Tài nguyên" in refusal[0].text


async def test_the_office_reminds_and_asks_for_an_explanation_which_the_agency_gives_once(app):  # noqa: F811
    hotline, client = app
    handling = hotline.handling
    handling.profile.office = handling.profile.office.model_copy(
        update={"explanation_within": Deadline(amount=3, unit="working_days")})
    directory = AgencyDirectory(handling.sessions)
    agency, _ = await directory.save(AgencyIn(
        name="Sở Xây dựng", level="province", phone="02773851009", fields=["infrastructure"],
        contacts=[{"role": "focal_point", "name": "Lê Văn Dũng", "phone": FOCAL_PHONE},
                  {"role": "head", "name": "Phạm Thị Én", "phone": HEAD_PHONE, "email": HEAD_EMAIL}]))
    other, _ = await directory.save(AgencyIn(name="Sở Y tế", level="province", fields=["general"], contacts=[]))
    office = await cookie_of(hotline, await user_of(hotline, "office"))
    operator = await cookie_of(hotline, await user_of(hotline, "operator"))
    mine = await cookie_of(hotline, await agency_user(hotline, "sxd", agency.id))
    theirs = await cookie_of(hotline, await agency_user(hotline, "syt", other.id))

    now = datetime.now(timezone.utc)
    store = hotline.prepared.store
    late = await store.receive(handling, OPERATOR, now, topic="infrastructure", caller_phone=CITIZEN_PHONE,
                               reporter_name="Nguyễn Văn An", content="Cống thoát nước bị vỡ")
    await handling.act(late.id, "transfer", OPERATOR, Payload(agency_id=agency.id), now=now)
    await handling.deadlines.scan(now + timedelta(days=20))
    await handling.deadlines.scan(now + timedelta(days=21))
    fresh = await store.receive(handling, OPERATOR, now, topic="infrastructure", caller_phone=CITIZEN_PHONE,
                                reporter_name="Nguyễn Văn An", content="Vỉa hè bị lấn chiếm")
    await handling.act(fresh.id, "transfer", OPERATOR, Payload(agency_id=agency.id), now=now)

    async with client.get("/api/office/overdue", cookies=operator) as r:
        assert r.status == 403
    async with client.get("/api/office/overdue", cookies=office) as r:
        assert r.status == 200
        overdue = await r.json()
    item = next(i for i in overdue if i["code"] == late.code)
    assert item["agency_name"] == "Sở Xây dựng" and item["content"] == "Cống thoát nước bị vỡ"
    assert not {"reporter_name", "caller_phone", "address", "email"} & set(item)
    assert "Nguyễn Văn An" not in str(overdue) and CITIZEN_PHONE not in str(overdue)

    # A request for explanation only for a late ticket; a reminder for any the agency holds.
    async with client.post(f"/api/office/tickets/{fresh.id}/letters", json={"kind": "explanation"},
                           cookies=office) as r:
        assert r.status == 409
    async with client.post(f"/api/office/tickets/{fresh.id}/letters", json={"kind": "reminder", "body": ""},
                           cookies=office) as r:
        assert r.status == 201
        reminder = await r.json()
    async with client.post(f"/api/office/tickets/{late.id}/letters", cookies=office,
                           json={"kind": "explanation", "body": "Đề nghị nêu rõ cán bộ chịu trách nhiệm."}) as r:
        assert r.status == 201
        explanation = await r.json()
    assert (reminder["number"], explanation["number"]) == ("1/VP-1022", "2/VP-1022")  # numbered in the year
    assert explanation["due_at"] is not None  # the profile's limit
    async with client.post(f"/api/office/tickets/{late.id}/letters", json={"kind": "warning"}, cookies=office) as r:
        assert r.status == 400

    async with handling.sessions() as s:
        sms = list(await s.scalars(select(SmsMessage).where(SmsMessage.purpose == "office_letter")))
        mail = list(await s.scalars(select(EmailMessage).where(EmailMessage.to_address == HEAD_EMAIL)))
    assert [m.to_number for m in sms] == [HEAD_PHONE, HEAD_PHONE]
    assert explanation["number"] in sms[1].text and late.code in sms[1].text and "Hạn giải trình" in sms[1].text
    assert len(mail) == 2 and "yêu cầu giải trình" in mail[1].subject

    # The agency reads its letters and explains, once; a reminder needs no answer; another
    # agency sees nothing of them.
    async with client.get("/api/agency/office-letters", cookies=theirs) as r:
        assert await r.json() == []
    async with client.post(f"/api/agency/office-letters/{explanation['id']}/answer", cookies=theirs,
                           json={"answer": "x"}) as r:
        assert r.status == 404
    async with client.get("/api/agency/office-letters", cookies=mine) as r:
        assert [x["number"] for x in await r.json()] == [explanation["number"], reminder["number"]]
    async with client.post(f"/api/agency/office-letters/{reminder['id']}/answer", cookies=mine,
                           json={"answer": "Đã xử lý"}) as r:
        assert r.status == 409
    text = "Do chờ kinh phí sửa chữa; đã giao Phòng Hạ tầng hoàn thành trước 15/12."
    async with client.post(f"/api/agency/office-letters/{explanation['id']}/answer", cookies=mine,
                           json={"answer": text}) as r:
        assert r.status == 200 and (await r.json())["answer"] == text
    async with client.post(f"/api/agency/office-letters/{explanation['id']}/answer", cookies=mine,
                           json={"answer": "lần hai"}) as r:
        assert r.status == 409

    # The office reads the letter as printed, with the agency's explanation; the ticket's
    # history records both letters and the explanation.
    async with client.get(f"/api/office/letters/{explanation['id']}", cookies=office) as r:
        page = await r.text()
    assert r.status == 200 and f"Số: <span id=\"letter-number\">{explanation['number']}</span>" in page
    assert "yêu cầu giải trình" in page and "Kính gửi: <span id=\"letter-agency\">Sở Xây dựng" in page
    assert text in page and "Nguyễn Văn An" not in page
    async with client.get(f"/api/agency/office-letters/{explanation['id']}", cookies=theirs) as r:
        assert r.status == 404
    async with handling.sessions() as s:
        actions = [e.action for e in await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == late.id)
                                                     .order_by(TicketEvent.id))]
    assert actions[-2:] == ["office_letter", "office_explained"]

"""Thanh Hóa's own rules on records (real store, SQLite and PostgreSQL): a state-secret matter
leaves only a minimal record in the system, that it was received and referred (Art. 13.2: handled
under the secrecy regime, "not updated on the system"), where other provinces keep it readable to
the roles they name; and the transfer goes to the unit as a printed document produced by the
software (Art. 12.4)."""

import pytest

from hotline.agencies.inbox import AgencyInbox
from hotline.app import load_checked_profile
from hotline.settings import Settings
from hotline.errors import Refused
from hotline.store.tickets import TicketEvent
from hotline.ticketing.attachments import Attachments, Upload
from hotline.ticketing.handling import Actor, Payload
from hotline.ticketing.transfer_document import TransferDocuments
from tests.store.support import CITIZEN_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import JPEG, MONDAY_9AM
from sqlalchemy import select

SECRET = "Thông tin về vị trí kho vật tư quốc phòng bị xâm phạm"


async def test_a_state_secret_matter_leaves_only_a_minimal_record_in_thanh_hoa(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    t = await p.receive(MONDAY_9AM, content=SECRET, state_secret=True)
    assert t.state_secret and SECRET not in (t.content or "")
    assert (t.reporter_name, t.caller_phone, t.address, t.email) == (None, None, None, None)
    assert t.code and t.topic == "infrastructure" and t.channel == "phone"  # that it was received
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert t.agency_id == p.agency_id  # and referred
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã xử lý: kho ở tọa độ X"), now=MONDAY_9AM)
    assert t.status == "answered" and "tọa độ" not in (t.result or "") and t.published_at is None
    async with sessions() as s:
        lines = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
    assert "tọa độ" not in str([e.detail for e in lines]) and SECRET not in str([e.detail for e in lines])
    _, sms, _ = await p.ticket(t.id)
    assert CITIZEN_PHONE not in [m.to_number for m in sms]  # the citizen is answered outside the system
    inbox = AgencyInbox(sessions, p.handling, Attachments(sessions, tmp_path / "files"))
    with pytest.raises(Refused) as e:  # no file of it is kept either
        await inbox.attach(Actor("dungle", frozenset({"agency"}), p.agency_id), t.id, [Upload("a.jpg", JPEG)], False)
    assert e.value.status == 409


async def test_other_provinces_keep_a_state_secret_matter_for_the_roles_they_name(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM, content=SECRET, state_secret=True)
    assert t.content == SECRET and t.caller_phone == CITIZEN_PHONE


async def test_the_transfer_goes_to_the_unit_as_a_printed_document(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    docs = TransferDocuments(sessions, p.handling.profile)
    t = await p.receive(MONDAY_9AM)
    with pytest.raises(Refused) as e:
        await docs.render(t)
    assert e.value.status == 409  # not transferred yet
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    page = await docs.render(t)
    assert "PHIẾU CHUYỂN PHẢN ÁNH, KIẾN NGHỊ" in page and f'<span id="doc-code">{t.code}</span>' in page
    assert '<b id="doc-agency">Công ty Điện lực</b>' in page and "Nguyễn Văn An" in page
    assert '<b id="doc-due">09:00 ngày 01/12/2026</b>' in page  # 10 working days (Art. 12.4)
    assert "Nguyễn Văn An" not in await docs.render(t, hide_reporter=True)
    confidential = await p.receive(MONDAY_9AM, confidential=True)
    confidential = await p.handling.act(confidential.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id),
                                        now=MONDAY_9AM)
    assert "Nguyễn Văn An" not in await docs.render(confidential)

    elsewhere = load_checked_profile(Settings(home=tmp_path, profile="dong_thap"))
    with pytest.raises(Refused) as e:
        await TransferDocuments(sessions, elsewhere).render(t)
    assert e.value.status == 404

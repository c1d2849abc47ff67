"""HCMC Art. 9.1: reporter data only to officials of state agencies. With the profile's
`identity_hidden_from`, an infrastructure company (a public-service provider) handles the matter
without the reporter's name, phone, address or e-mail; a state agency sees them to answer the
citizen; a province without the rule shows them to every handling agency (real store, both
engines)."""

import pytest

from hotline.agencies.inbox import AgencyInbox
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Actor, Payload
from hotline.ticketing.views import HIDDEN
from tests.store.support import CITIZEN_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM


@pytest.mark.parametrize("profile, company_sees", [("ho_chi_minh", False), ("dong_thap", True)])
async def test_only_state_agencies_see_who_reported(sessions, tmp_path, profile, company_sees):
    p = await province(sessions, tmp_path, profile)
    inbox = AgencyInbox(sessions, p.handling, Attachments(sessions, tmp_path / "files"))
    seen = {}
    for agency_id in (p.agency_id, p.other_agency_id):  # Công ty Điện lực (public service), Sở Xây dựng
        t = await p.receive(MONDAY_9AM, topic="socio_economic", email="an@example.vn")
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=agency_id), now=MONDAY_9AM)
        actor = Actor(f"staff{agency_id}", frozenset({"agency"}), agency_id)
        [item] = await inbox.tickets(actor)
        seen[agency_id] = item
        assert item["content"] == "Đèn đường hỏng trước số 12 Nguyễn Huệ"  # the matter itself, always
    company, state = seen[p.agency_id], seen[p.other_agency_id]
    assert (state["reporter_name"], state["caller_phone"], state["email"]) == ("Nguyễn Văn An", CITIZEN_PHONE,
                                                                              "an@example.vn")
    if company_sees:
        assert company["reporter_name"] == "Nguyễn Văn An"
    else:
        assert {company[k] for k in ("reporter_name", "caller_phone", "address", "email")} == {HIDDEN}
        assert "Nguyễn Văn An" not in str(company) and CITIZEN_PHONE not in str(company)

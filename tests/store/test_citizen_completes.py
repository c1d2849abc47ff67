"""The citizen is asked once to complete an unclear report (Đồng Tháp Art. 14.4; Quảng Ninh step
1.2; HCMC's handling unit; Thanh Hóa's group 2 has its own rule), in every profile, with the
province's clock: the handling agency's deadline keeps counting from the transfer, Quảng Ninh's
day to forward starts again once the citizen has answered (real store, both engines; the
citizen answers on the real look-up page)."""

from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.errors import Refused
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.store.base import aware
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM, local

QUESTION = "Đề nghị cho biết số nhà cụ thể và thời điểm phát hiện"
ANSWER = "Trước số nhà 45, phát hiện sáng thứ Hai"


async def answer_on_the_look_up_page(sessions, p, tmp_path, code: str) -> str:
    app = web.Application()
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.make_url("/tra-cuu"), data={"code": code, "phone": CITIZEN_PHONE}) as r:
                asked = await r.text()
            assert 'id="t-question"' in asked and QUESTION in asked
            async with http.post(server.make_url("/tra-cuu/hoi-them"),
                                 data={"code": code, "phone": CITIZEN_PHONE, "question": ANSWER}) as r:
                assert r.status == 200
                return await r.text()
    finally:
        await server.close()


@pytest.mark.parametrize("profile, step, by_agency", [("dong_thap", "focal_point", True),
                                                      ("dong_nai", "focal_point", True),
                                                      ("ho_chi_minh", "handling", True),
                                                      ("quang_ninh", "received", False)])
async def test_the_citizen_is_asked_once_and_answers_on_the_look_up_page(sessions, tmp_path, profile, step,
                                                                        by_agency):
    p = await province(sessions, tmp_path, profile)
    t = await p.receive(MONDAY_9AM, topic="socio_economic" if profile == "ho_chi_minh" else "infrastructure")
    asker = OPERATOR
    if by_agency:
        t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
        asker = p.staff
    assert t.handling_stage == step
    due = aware(t.due_at)
    t = await p.handling.act(t.id, "ask_citizen", asker, Payload(question=QUESTION), now=MONDAY_9AM + timedelta(hours=1))
    assert t.handling_stage in ("completing", "clarifying") and t.question == QUESTION
    _, sms, _ = await p.ticket(t.id)
    clarify = [m for m in sms if m.purpose == "clarify"]
    assert len(clarify) == 1 and clarify[0].to_number == CITIZEN_PHONE
    assert f"/p/{t.public_secret}" in clarify[0].text and "kết thúc" not in clarify[0].text  # no deadline here

    await answer_on_the_look_up_page(sessions, p, tmp_path, t.code)
    t, _, events = await p.ticket(t.id)
    assert t.handling_stage == step and t.question == ANSWER and "clarified" in events
    if by_agency:  # the agency's clock kept counting from the transfer
        assert aware(t.due_at) == due
    else:  # Quảng Ninh's day to forward starts again from the complete report
        assert aware(t.due_at) > due
    if profile == "dong_thap":  # Art. 14.4: "(01 lần)"; the other regulations set no number (#31)
        with pytest.raises(Refused) as e:
            await p.handling.act(t.id, "ask_citizen", asker, Payload(question="Lần hai"),
                                 now=MONDAY_9AM + timedelta(hours=3))
        assert e.value.status == 409


async def test_an_agency_may_answer_without_waiting_for_the_citizen(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    t = await p.handling.act(t.id, "ask_citizen", p.staff, Payload(question=QUESTION), now=MONDAY_9AM)
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã kiểm tra toàn tuyến, đã sửa."),
                             now=local(2026, 11, 20, 9, 0))
    assert t.status == "answered"

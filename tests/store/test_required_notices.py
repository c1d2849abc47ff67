"""Required notices are never dropped silently (issue #31 item 4; real store, SQLite and
PostgreSQL): the daily SMS cap per number holds back receipts, not a refusal, a new date or a
result; a required notice that cannot go (no mobile number, or failed after its tries) is on the
ticket's history and in the supervisors' list; HCMC Art. 7.4: the result SMS goes when the answer
is published, and the survey call comes in addition."""

from datetime import timedelta

from sqlalchemy import select

from hotline.notifications.gateways import GatewayError
from hotline.notifications.outbox import SmsSender
from hotline.store.base import utcnow
from hotline.store.callbacks import SurveyCall
from hotline.store.outbox import SmsMessage
from hotline.ticketing.handling import Payload
from hotline.ticketing.notices import undelivered
from tests.store.support import CITIZEN_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM


async def citizen_sms(p, ticket_id):
    _, sms, events = await p.ticket(ticket_id)
    return [m.purpose for m in sms if m.to_number == CITIZEN_PHONE], events


async def test_the_daily_cap_holds_back_receipts_not_a_refusal(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    p.handling.notices.citizen_sms_per_day = 1
    first = await p.receive(MONDAY_9AM)
    assert (await citizen_sms(p, first.id))[0] == ["receipt"]
    second = await p.receive(MONDAY_9AM)
    assert (await citizen_sms(p, second.id))[0] == []  # a second receipt today: held back by the cap
    await p.handling.act(second.id, "reject", OPERATOR, Payload(reason="Nội dung thuộc thẩm quyền Tòa án"),
                         now=MONDAY_9AM)
    assert (await citizen_sms(p, second.id))[0] == ["refusal"]  # Art. 8.2: the reason reaches the citizen
    t = await p.handling.act(first.id, "answer_directly", OPERATOR, Payload(result="Đã hướng dẫn"), now=MONDAY_9AM)
    assert (await citizen_sms(p, t.id))[0] == ["receipt", "result"]


async def test_a_required_notice_without_a_number_is_on_the_ticket_and_the_supervisors_list(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM, caller_phone=None)
    await p.handling.act(t.id, "reject", OPERATOR, Payload(reason="Không thuộc phạm vi tiếp nhận"), now=MONDAY_9AM)
    _, sms, events = await p.ticket(t.id)
    assert sms == [] and "notice_undelivered" in events
    async with sessions() as s:
        listed = await undelivered(s, utcnow() - timedelta(days=1))
    assert [(x["code"], x["purpose"], x["reason"]) for x in listed] == [(t.code, "refusal", "no_number")]


class FailingGateway:
    async def send(self, msg_id, to, text):
        raise GatewayError("503 from the SMS provider")

    async def close(self):
        pass


async def test_an_sms_failed_after_its_tries_is_on_the_ticket(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM)
    await p.handling.act(t.id, "reject", OPERATOR, Payload(reason="Không thuộc phạm vi tiếp nhận"), now=MONDAY_9AM)
    await SmsSender(sessions, FailingGateway(), max_attempts=1).send_due()
    _, sms, events = await p.ticket(t.id)
    assert {m.status for m in sms} == {"failed"} and events.count("sms_failed") == len(sms) == 2
    async with sessions() as s:
        listed = await undelivered(s, utcnow() - timedelta(days=1))
    assert sorted(x["purpose"] for x in listed) == ["receipt", "refusal"]
    assert all("503" in x["reason"] for x in listed)


async def test_hcmc_result_sms_goes_on_publishing_and_the_survey_call_comes_too(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    assert p.handling.profile.survey.enabled
    t = await p.receive(MONDAY_9AM, topic="socio_economic")
    t = await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Đã hướng dẫn thủ tục"),
                             now=MONDAY_9AM)
    assert (await citizen_sms(p, t.id))[0] == ["receipt", "result"]
    async with sessions() as s:
        assert await s.scalar(select(SurveyCall.id).where(SurveyCall.ticket_id == t.id)) is not None
    async with sessions() as s, s.begin():  # the survey call reached no one: no second result SMS
        await p.handling.notices.result_sms(s, t)
    async with sessions() as s:
        results = list(await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == t.id,
                                                                SmsMessage.purpose == "result")))
    assert len(results) == 1

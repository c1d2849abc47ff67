"""Đồng Nai's weekly review covers written answers as well as calls (CV 1407 items 1-2): the week's
answers of operators (level 1) and agencies (level 2) with their verdicts; a finding against an
agency's answer goes to its head with the profile's deadline, and the agency says what it did,
once (real store, SQLite and PostgreSQL)."""

from datetime import datetime, timedelta

import pytest

from hotline.errors import Refused
from hotline.office.reviews import AnswerReviews
from hotline.store.base import aware
from hotline.ticketing.deadlines import due_at
from hotline.ticketing.handling import Payload
from tests.store.support import HEAD_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM, local


async def test_findings_against_an_agency_answer_go_to_it_with_a_deadline(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_nai")
    level1 = await p.receive(MONDAY_9AM, content="Làm căn cước ở đâu?")
    await p.handling.act(level1.id, "answer_directly", OPERATOR, Payload(result="Tại công an phường."), now=MONDAY_9AM)
    level2 = await p.receive(MONDAY_9AM)
    await p.handling.act(level2.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    await p.handling.act(level2.id, "answer", p.staff, Payload(result="Không thuộc trách nhiệm của chúng tôi."),
                         now=MONDAY_9AM + timedelta(hours=3))
    reviews = AnswerReviews(sessions, p.handling.profile)

    week = await reviews.week(local(2026, 11, 21, 9, 0).date())  # Saturday's review of the week
    assert (week["week_start"], week["total"], week["reviewed"]) == ("2026-11-16", 2, 0)
    assert {i["code"]: i["answer_level"] for i in week["items"]} == {level1.code: 1, level2.code: 2}

    saturday = local(2026, 11, 21, 8, 30)
    own = await reviews.review(level1.id, "correct", "", "vanphong", now=saturday)
    assert own["agency_id"] is None and own["due_at"] is None  # the hotline's own answer
    finding = await reviews.review(level2.id, "buck_passing", "Đèn đường thuộc Điện lực: đùn đẩy", "vanphong",
                                   now=saturday)
    assert finding["agency_id"] == p.agency_id
    limit = p.handling.profile.answer_review.act_within  # 5 working days from the review
    assert aware(datetime.fromisoformat(finding["due_at"])) == due_at(saturday, limit, p.handling.profile.calendar)
    assert aware(datetime.fromisoformat(finding["due_at"])) > local(2026, 11, 27, 7, 0)
    _, sms, events = await p.ticket(level2.id)
    assert [(m.to_number, m.purpose) for m in sms if m.purpose == "review"] == [(HEAD_PHONE, "review")]
    assert "answer_reviewed" in events
    with pytest.raises(Refused) as e:
        await reviews.review(level2.id, "nonsense", "", "vanphong")
    assert e.value.status == 422

    assert [f["code"] for f in await reviews.for_agency(p.agency_id)] == [level2.code]
    assert await reviews.for_agency(p.other_agency_id) == []
    with pytest.raises(Refused) as e:  # another agency's finding is unknown to it
        await reviews.respond(finding["id"], p.other_agency_id, "binh", "x")
    assert e.value.status == 404
    done = await reviews.respond(finding["id"], p.agency_id, "dungle", "Đã trả lời lại người dân, nhắc cán bộ.",
                                 now=local(2026, 11, 24, 10, 0))
    assert done["response"].startswith("Đã trả lời lại") and not done["late"]
    with pytest.raises(Refused) as e:
        await reviews.respond(finding["id"], p.agency_id, "dungle", "lần hai")
    assert e.value.status == 409
    week = await reviews.week(local(2026, 11, 21, 9, 0).date())
    assert week["reviewed"] == 2 and week["by_verdict"]["buck_passing"] == 1

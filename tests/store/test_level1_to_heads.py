"""Đồng Nai CV 1407 item 4: agency heads follow the level-1 answers the operators gave in their
fields (real store, both engines); other provinces do not offer it."""

from datetime import datetime, timezone

import pytest

from hotline.agencies.inbox import AgencyInbox
from hotline.errors import Refused
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Actor, Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province


async def test_an_agency_head_follows_the_level_1_answers_in_its_fields(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_nai")
    inbox = AgencyInbox(sessions, p.handling, Attachments(sessions, tmp_path / "files"))
    now = datetime.now(timezone.utc)
    ours = await p.receive(now, content="Đèn tín hiệu giao thông ngã tư Vũng Tàu hỏng thì báo ai?")
    await p.handling.act(ours.id, "answer_directly", OPERATOR, Payload(result="Gọi Công ty Điện lực, số 0251..."),
                         now=now)
    theirs = await p.receive(now, topic="administrative_procedures", content="Thủ tục khai sinh cần gì?")
    await p.handling.act(theirs.id, "answer_directly", OPERATOR, Payload(result="Giấy chứng sinh..."), now=now)
    transferred = await p.receive(now, content="Cột điện nghiêng")
    await p.handling.act(transferred.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=now)

    head = Actor("enpham", frozenset({"agency", "leader"}), p.agency_id)  # Công ty Điện lực: infrastructure
    seen = await inbox.level1_answers(head)
    assert [x["code"] for x in seen] == [ours.code]  # its field, level 1 only
    assert seen[0]["result"].startswith("Gọi Công ty Điện lực") and seen[0]["answered_by"] == "op1"
    assert "Nguyễn Văn An" not in str(seen) and CITIZEN_PHONE not in str(seen)
    with pytest.raises(Refused) as e:  # the head's, not every account's
        await inbox.level1_answers(p.staff)
    assert e.value.status == 403


async def test_other_provinces_do_not_offer_it(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    inbox = AgencyInbox(sessions, p.handling, Attachments(sessions, tmp_path / "files"))
    with pytest.raises(Refused) as e:
        await inbox.level1_answers(p.leader)
    assert e.value.status == 404

"""Scoring a new report against an open one (pure): the same phone or the same e-mail address (the
same person reporting again, on any channel), the same place, similar words."""

from hotline.store.tickets import Ticket
from hotline.ticketing.duplicates import score


def ticket(**kw) -> Ticket:
    return Ticket(**{"caller_phone": None, "email": None, "address": None, "content": None, "topic": None, **kw})


def test_the_same_person_by_phone_or_e_mail_weighs_most():
    old = ticket(caller_phone="0901000002", email="tam@example.vn", content="Đèn tín hiệu hỏng ở ngã tư")
    by_mail = ticket(email="Tam@Example.vn", content="Đèn giao thông ngã tư hỏng")
    stranger = ticket(email="khac@example.vn", content="Đèn giao thông ngã tư hỏng")
    assert score(by_mail, old) - score(stranger, old) == 0.4
    assert score(ticket(caller_phone="0901000002"), old) == 0.4
    assert score(ticket(content="Cây đổ chắn lối"), old) == 0.0

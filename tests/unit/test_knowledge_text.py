"""Vietnamese search text: folding, typing mistakes, query groups; the circuit breaker; the
one-stop system's answer read strictly."""

import pytest

from hotline.applications.breaker import CircuitBreaker
from hotline.applications.http_source import parse
from hotline.applications.status import clean_code, keypad
from hotline.knowledge.text import Vocabulary, distance, fold, query_groups, words


def test_fold_and_words():
    assert fold("Cấp GIẤY phép Xây dựng, Đường") == "cap giay phep xay dung, duong"
    assert words("Phí: 75.000đ (Nghị định 15/2021/NĐ-CP)") == ["phi", "75", "000d", "nghi", "dinh", "15", "2021",
                                                               "nd", "cp"]


def test_distance():
    assert distance("dung", "dnug") == 1  # two letters swapped
    assert distance("phep", "pehp") == 1
    assert distance("xay", "xayy") == 1
    assert distance("giay", "gaiy") == 1
    assert distance("giay", "xyz", 2) == 3


def test_corrections_come_from_the_base_words():
    v = Vocabulary({"cap", "giay", "phep", "xay", "dung", "duong"})
    assert v.corrections("dnug") == ["dung"]
    assert v.corrections("giayy") == ["giay"]
    assert v.corrections("gay") == ["giay", "xay"]  # a letter missing: both are one mistake away
    assert v.corrections("dung") == []  # a known word is taken as typed
    assert v.corrections("ab") == []  # too short to tell a mistake from another word
    groups, typing = query_groups("cap giay pehp xay dnug", v)
    assert groups == [["cap"], ["giay"], ["pehp", "phep"], ["xay"], ["dnug", "dung"]] and typing
    groups, typing = query_groups("giay phep xay du", v)
    assert groups[-1] == ["du"] and typing  # a prefix of known words: still being typed
    assert query_groups("giay phep ", v)[1] is False


def test_the_breaker_opens_after_failures_and_tries_again_later():
    now = [0.0]
    b = CircuitBreaker(failures=2, seconds=60, clock=lambda: now[0])
    b.failed()
    assert not b.is_open
    b.failed()
    assert b.is_open
    now[0] = 61
    assert not b.is_open  # one trial call may go
    b.succeeded()
    b.failed()
    assert not b.is_open


def test_the_systems_answer_is_read_strictly():
    app = parse({"code": "H18.22-1", "status": "ready", "due_on": "2026-12-04", "procedure": "x" * 900})
    assert app.status_name == "Đã có kết quả, chờ trả" and len(app.procedure) == 500
    for bad in ({"status": "done"}, [], {"status": "ready", "due_on": "04/12/2026"}):
        with pytest.raises(ValueError):
            parse(bad)


def test_every_status_has_a_name_and_a_prompt():
    from pathlib import Path

    from hotline.applications.status import STATUS_NAMES
    from hotline.config.menu import APPLICATION_STATUSES
    from hotline.config.profile import load_profile

    assert set(STATUS_NAMES) == set(APPLICATION_STATUSES)
    prompts = load_profile(Path(__file__).resolve().parents[2] / "config", "dong_thap").prompts.prompts
    assert all(f"application_{s}" in prompts for s in APPLICATION_STATUSES)


def test_receipt_numbers():
    assert clean_code(" H18.22-261120-0001 ") == "H18.22-261120-0001"
    assert keypad("H18.22-261120-0001") == "18222611200001"
    for bad in ("", "a b;drop", "<script>", "x" * 60):
        assert clean_code(bad) is None

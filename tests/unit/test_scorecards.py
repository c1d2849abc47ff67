"""Scorecards' domain logic without I/O (issue #30 item 5): the provided profiles' cards, errors
naming file and field, the reproducible weekly sample, the automatic pre-checks from the
operator's side of a transcript, and the weighted score."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from hotline.config.profile import load_profile
from hotline.errors import ConfigError
from hotline.scorecards import checks, sampling

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROFILES = ("dong_thap", "dong_nai", "ho_chi_minh", "quang_ninh", "thanh_hoa")


@pytest.fixture(scope="module")
def card():
    return load_profile(CONFIG, "dong_thap").scorecard


def said(operator: str, caller: str = "") -> list[dict]:
    """A transcript as the engines store it: segments per side, with times."""
    out = [{"ch": "caller", "w": caller, "s": 0.5, "e": 2.0}] if caller else []
    for i, seg in enumerate(operator.split(" | ")):
        out.append({"ch": "operator", "w": seg, "s": 3.0 + 3 * i, "e": 5.0 + 3 * i})
    return out


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_has_a_card_whose_weights_make_100_and_whose_greeting_names_the_line(profile):
    p = load_profile(CONFIG, profile)
    card = p.scorecard
    assert sum(c.weight for c in card.criteria) == 100
    ids = {c.id for c in card.criteria}
    assert {"greeting", "ticket_code", "correct_info", "courtesy", "no_forbidden"} <= ids
    greeting = card.by_id()["greeting"]
    assert greeting.check == "greeting" and p.name in greeting.phrases
    assert card.by_id()["correct_info"].check == "manual"  # words cannot tell whether information is right


def test_dong_nai_card_names_the_findings_of_cv_1407(card):
    dn = load_profile(CONFIG, "dong_nai").scorecard.by_id()
    assert (dn["correct_info"].finding, dn["no_buck_passing"].finding) == ("wrong_info", "buck_passing")
    assert all(c.finding is None for c in card.criteria)  # Đồng Tháp's check counts no verdicts


@pytest.mark.parametrize("change, field", [
    ({"weight": 0}, "scorecard.criteria.0.weight"),
    ({"phrases": []}, "scorecard.criteria.0"),  # a greeting with nothing to look for
    ({"check": "psychic"}, "scorecard.criteria.0.check"),
    ({"phrases": ["!!!"]}, "scorecard.criteria.0.phrases"),
])
def test_a_bad_card_is_refused_naming_the_file_and_the_field(tmp_path, change, field):
    config = tmp_path / "config"
    import shutil
    shutil.copytree(CONFIG, config)
    path = config / "profiles" / "dong_thap.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scorecard"]["criteria"][0].update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_profile(config, "dong_thap")
    assert str(path) in str(e.value) and f"field '{field}" in str(e.value), str(e.value)


def test_a_criterion_listed_twice_is_refused(tmp_path):
    config = tmp_path / "config"
    import shutil
    shutil.copytree(CONFIG, config)
    path = config / "profiles" / "quang_ninh.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scorecard"]["criteria"].append(data["scorecard"]["criteria"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"quang_ninh.yaml: field 'scorecard.criteria'.*'greeting' is listed twice"):
        load_profile(config, "quang_ninh")


WEEK = date(2026, 11, 30)


def test_the_sample_is_reproducible_and_later_calls_never_move_it():
    calls = {i: f"1764{i:06d}.{i}" for i in range(1, 41)}
    first = sampling.draw(WEEK, "op1", calls, 3, set())
    assert len(first) == 3 and first == sampling.draw(WEEK, "op1", dict(reversed(calls.items())), 3, set())
    assert first != sampling.draw(WEEK, "op2", calls, 3, set())  # each operator's own draw
    assert first != sampling.draw(date(2026, 12, 7), "op1", calls, 3, set())  # and each week's
    # Drawn on Wednesday with 2 calls, topped up on Sunday: the 2 stay, one more is added.
    early = sampling.draw(WEEK, "op1", {1: calls[1], 2: calls[2]}, 3, set())
    assert sorted(early) == [1, 2]
    more = sampling.draw(WEEK, "op1", calls, 3, set(early))
    assert len(more) == 1 and more[0] not in early
    assert sampling.draw(WEEK, "op1", calls, 3, set(first)) == []


def test_the_sample_spreads_over_the_calls():
    calls = {i: f"call.{i}" for i in range(100)}
    picked = [rid for week in range(60) for rid in sampling.draw(date.fromordinal(WEEK.toordinal() + 7 * week),
                                                                  "op1", calls, 3, set())]
    assert len(set(picked)) > 70  # not the same few calls week after week


def by_id(suggestions):
    return {s["criterion"]: s for s in suggestions}


def test_pre_checks_of_a_good_call(card):
    words = said("Tổng đài một không hai hai Đồng Tháp xin nghe | Dạ mã phiếu của anh là hai sáu một một "
                 "hai không hai chín | Cảm ơn anh đã gọi", caller="Tôi muốn hỏi về đèn đường")
    s = by_id(checks.prechecks(card, words, ["26112029"]))
    assert s["greeting"]["passed"] is True and "Đồng Tháp" in s["greeting"]["reason"]
    assert s["ticket_code"]["passed"] is True
    assert s["courtesy"]["passed"] is True and s["no_forbidden"]["passed"] is True
    assert s["correct_info"]["passed"] is None  # only listening tells


def test_pre_checks_flag_what_words_show_missing(card):
    words = said("Alo tổng đài nghe | Mã của anh là hai sáu một một hai không hai | Phiền quá, im đi",
                 caller="Đồng Tháp mã số 26112029")  # the caller's words never count for the operator
    s = by_id(checks.prechecks(card, words, ["26112029"]))
    assert s["greeting"]["passed"] is False and "Đồng Tháp" in s["greeting"]["reason"]
    assert s["ticket_code"]["passed"] is False and "26112029" in s["ticket_code"]["reason"]  # one digit short
    assert s["courtesy"]["passed"] is False
    assert s["no_forbidden"]["passed"] is False and "“phiền quá”" in s["no_forbidden"]["reason"]


def test_the_line_name_must_come_early_and_is_matched_without_diacritics(card):
    late = " ".join(["vâng"] * 40) + " Đồng Tháp"
    assert by_id(checks.prechecks(card, said(late), []))["greeting"]["passed"] is False
    assert by_id(checks.prechecks(card, said("tong dai dong thap xin nghe"), []))["greeting"]["passed"] is True
    # Whole words only: "tháp" inside another word is not the name.
    assert by_id(checks.prechecks(card, said("đồng thápxyz"), []))["greeting"]["passed"] is False


def test_a_code_read_in_figures_or_words_and_calls_without_a_ticket_or_transcript(card):
    assert by_id(checks.prechecks(card, said("mã phiếu 26112029 ạ"), ["26112029"]))["ticket_code"]["passed"] is True
    assert by_id(checks.prechecks(card, said("mã hai sáu 112029"), ["26112029"]))["ticket_code"]["passed"] is True
    no_ticket = by_id(checks.prechecks(card, said("xin chào"), []))["ticket_code"]
    assert no_ticket["passed"] is None and no_ticket["reason"] == "Cuộc gọi không có phiếu"
    silent = by_id(checks.prechecks(card, said("", caller="alo alo"), ["26112029"]))
    assert all(v["passed"] is None for v in silent.values())


def test_the_score_weighs_the_criteria_that_apply(card):
    marks = {"greeting": False, "ticket_code": None, "correct_info": True, "courtesy": True, "no_forbidden": True}
    assert checks.score(card, marks) == round(100 * 70 / 85, 1)  # 15 + 40 + 15 of 85 (no ticket)
    assert checks.score(card, {k: True for k in marks}) == 100
    assert checks.score(card, {k: None for k in marks}) is None


def test_a_finding_follows_the_first_failed_criterion_that_names_one():
    dn = load_profile(CONFIG, "dong_nai").scorecard
    ok = {c.id: True for c in dn.criteria}
    assert checks.finding(dn, ok) == "correct"
    assert checks.finding(dn, {**ok, "no_buck_passing": False}) == "buck_passing"
    assert checks.finding(dn, {**ok, "greeting": False}) == "correct"  # no finding named
    assert checks.finding(load_profile(CONFIG, "dong_thap").scorecard, {**ok, "correct_info": False}) is None

"""Configuration is validated at start, with errors that name the file and the field."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.config.profile import load_profile
from hotline.errors import ConfigError
from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.config.statuses import STATUSES


@pytest.fixture
def config(tmp_path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_the_shipped_profiles_load():
    dt = load_profile(DEFAULT_CONFIG_DIR, "dong_thap", STATUSES)
    assert dt.numbers.dialled_forms() == ["1022", "02771022", "2771022", "842771022", "+842771022"]
    assert not dt.calendar.always_open
    hcm = load_profile(DEFAULT_CONFIG_DIR, "ho_chi_minh", STATUSES)
    assert hcm.calendar.always_open
    assert "0888247247" in hcm.numbers.dialled_forms() and "+84888247247" in hcm.numbers.dialled_forms()
    assert "Hồ Chí Minh" in hcm.prompts.prompts["greeting"]
    assert hcm.menu != dt.menu and hcm.menu_file.name == "ho_chi_minh.yaml"


# Each province's fields (#19 item 9): HCMC Art. 4 (Art. 1.1c), Thanh Hóa Art. 5.1, Đồng Tháp Art. 4.
FIELDS = {
    "dong_thap": {"administrative_procedures", "infrastructure", "socio_economic", "investment", "general"},
    "ho_chi_minh": {"infrastructure", "socio_economic", "public_order", "proposals", "directives", "general"},
    "thanh_hoa": {"administrative_procedures", "infrastructure", "environment", "food_safety", "general"},
    "quang_ninh": {"administrative_procedures", "infrastructure", "socio_economic", "general"},
    "dong_nai": {"administrative_procedures", "infrastructure", "socio_economic", "general"},
}


@pytest.mark.parametrize("profile_id", sorted(FIELDS))
def test_each_province_has_its_own_fields_and_every_menu_prompt_names_its_keys(profile_id):
    p = load_profile(DEFAULT_CONFIG_DIR, profile_id, STATUSES)
    assert set(p.queues.topic_names()) == FIELDS[profile_id]
    assert p.menu.wording_errors(p.prompts.prompts) == []
    # every field is reachable from the menu
    assert {p.queues.by_id()[q].topic for q in p.menu.queues().values()} == FIELDS[profile_id]


def test_hcm_receives_public_order_and_its_emergency_message_does_not_send_it_to_113():
    hcm = load_profile(DEFAULT_CONFIG_DIR, "ho_chi_minh", STATUSES)
    dt = load_profile(DEFAULT_CONFIG_DIR, "dong_thap", STATUSES)
    said = [hcm.prompts.prompts[n] for node in hcm.menu.nodes.values() for o in node.options.values() for n in o.say or []]
    assert said and all("một một ba" not in text for text in said)
    assert any("an ninh trật tự" in text for text in said)
    assert "một một ba" in dt.prompts.prompts["emergency"]  # Đồng Tháp Art. 4.6: security and order → 113


@pytest.mark.parametrize("change,problem", [
    ("    Tra cứu kết quả phản ánh theo mã phiếu, xin nhấn phím 6.\n", "does not name key(s) 6"),
    ("    Gặp tổng đài viên, xin nhấn phím 0.\n", "does not name key(s) 0"),
])
def test_a_menu_prompt_that_does_not_say_a_key_names_the_file_and_the_node(config, change, problem):
    menu = config / "menus" / "ho_chi_minh.yaml"
    menu.write_text(menu.read_text().replace(change, ""))
    with pytest.raises(ConfigError) as err:
        load_profile(config, "ho_chi_minh", STATUSES)
    assert str(menu) in str(err.value) and "nodes.main.prompt" in str(err.value) and problem in str(err.value)


def test_a_menu_prompt_that_names_a_key_that_does_nothing_is_reported(config):
    menu = config / "menus" / "thanh_hoa.yaml"
    menu.write_text(menu.read_text().replace('      "4": {queue: food_safety}\n', ""))
    with pytest.raises(ConfigError, match="names key.s. 4 that do nothing"):
        load_profile(config, "thanh_hoa", STATUSES)


def test_a_typo_in_the_menu_names_the_file_and_the_field(config):
    menu = config / "menus" / "dong_thap.yaml"
    menu.write_text(menu.read_text().replace('"2": {queue: infrastructure}', '"2": {queeu: infrastructure}'))
    with pytest.raises(ConfigError) as err:
        load_profile(config, "dong_thap", STATUSES)
    msg = str(err.value)
    assert str(menu) in msg and "nodes.main.options.2" in msg and "queeu" in msg


@pytest.mark.parametrize("old,new,expected", [
    ("{queue: infrastructure}", "{queue: roads}", "no queue 'roads'"),
    ("{goto: procedures}", "{goto: procedure}", "no node named 'procedure'"),
    ('prompt: emergency_menu', 'prompt: emergncy_menu', "nodes.emergency.prompt"),
    ('"1": {queue: operator, urgent: true}', '"1": {goto: main, urgent: true}', "'urgent' only goes with 'queue'"),
    ('"0": {queue: operator}', '"10": {queue: operator}', "not one DTMF key"),
    ("max_invalid: 3", "max_invalid: 0", "max_invalid"),
])
def test_broken_references_are_reported(config, old, new, expected):
    menu = config / "menus" / "dong_thap.yaml"
    text = menu.read_text()
    assert old in text
    menu.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_profile(config, "dong_thap", STATUSES)
    assert expected in str(err.value) and str(menu) in str(err.value)


def test_a_missing_status_prompt_is_reported(config):
    prompts = config / "prompts.vi.yaml"
    prompts.write_text(prompts.read_text().replace("  status_overdue:", "  status_overdue_x:"))
    with pytest.raises(ConfigError, match="status_overdue"):
        load_profile(config, "dong_thap", STATUSES)


def test_an_unknown_profile_lists_the_known_ones(config):
    with pytest.raises(ConfigError, match="dong_thap, ho_chi_minh"):
        load_profile(config, "ha_noi", STATUSES)


def test_hotline_check_config_fails_at_start_with_the_message(config, tmp_path):
    queues = config / "queues" / "dong_thap.yaml"
    queues.write_text(queues.read_text().replace("ring_seconds", "ring_secs") + "\n")
    queues.write_text(queues.read_text().replace("    topic: investment\n", "    topik: investment\n"))
    home = tmp_path / "home"
    home.mkdir()
    (home / "hotline.toml").write_text(f'config_dir = "{config}"\n')
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "--home", str(home), "check-config"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert str(queues) in proc.stderr and "queues.3" in proc.stderr and "topik" in proc.stderr


def test_a_typo_in_the_settings_file_is_reported(tmp_path):
    (tmp_path / "hotline.toml").write_text('profile = "dong_thap"\n[ports]\nbsae = 26000\n')
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "--home", str(tmp_path), "check-config"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "hotline.toml" in proc.stderr and "ports.bsae" in proc.stderr


def test_the_stored_ticket_statuses_are_the_configured_ones():
    from typing import get_args

    from hotline.store.tickets import TicketStatusValue

    assert list(get_args(TicketStatusValue)) == STATUSES


def test_a_virtual_hold_key_other_than_the_prompt_s_needs_its_own_offer(tmp_path):
    import shutil

    from hotline.config.profile import load_profile
    from hotline.errors import ConfigError
    from hotline.settings import DEFAULT_CONFIG_DIR

    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "profiles" / "vh.yaml").write_text("extends: dong_thap\nname: t\nvirtual_hold:\n  enabled: true\n"
                                                 "  key: \"5\"\n")
    with pytest.raises(ConfigError, match="virtual_hold.key"):
        load_profile(config, "vh")
    (config / "profiles" / "vh.yaml").write_text(
        "extends: dong_thap\nname: t\nvirtual_hold:\n  enabled: true\n  key: \"5\"\n"
        "prompt_overrides:\n  vhold_offer: Để được gọi lại mà vẫn giữ chỗ, xin nhấn phím 5.\n")
    assert load_profile(config, "vh").virtual_hold.key == "5"


def test_the_profiles_agency_levels_are_the_directorys():
    from hotline.agencies.schemas import LEVELS
    from typing import get_args
    from hotline.config.profile import AgencyLevel
    assert set(get_args(AgencyLevel)) == set(LEVELS)


def test_a_queue_announcing_the_place_too_often_is_refused(config):
    queues = config / "queues" / "dong_thap.yaml"
    queues.write_text(queues.read_text().replace("    topic: general\n", "    topic: general\n    announce_seconds: 5\n"))
    with pytest.raises(ConfigError) as err:
        load_profile(config, "dong_thap", STATUSES)
    assert str(queues) in str(err.value) and "announce_seconds" in str(err.value)

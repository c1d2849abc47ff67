"""A profile with empty office contacts or placeholder report recipients does not start outside
demo mode, and the error names the file and the field (issue #31 item 7)."""

import shutil
import subprocess
import sys

import pytest

from hotline.app import load_checked_profile
from hotline.config.profile import deployment_problems, load_profile
from hotline.errors import ConfigError
from hotline.settings import DEFAULT_CONFIG_DIR, Settings

PROFILES = ["dong_thap", "dong_nai", "ho_chi_minh", "quang_ninh", "thanh_hoa"]


@pytest.mark.parametrize("profile_id", PROFILES)
def test_the_repositorys_profiles_are_demo_values(profile_id):
    profile = load_profile(DEFAULT_CONFIG_DIR, profile_id)
    problems = deployment_problems(DEFAULT_CONFIG_DIR, profile)
    path = str(DEFAULT_CONFIG_DIR / "profiles" / f"{profile_id}.yaml")
    assert problems and all(p.startswith(path + ": field '") for p in problems)
    # Those whose workflow tells the office of something give it no contact (Quảng Ninh's tells
    # it nothing: its appendix routes everything through the centre).
    told = profile_id != "quang_ninh"
    assert any("'office.phone' / 'office.email'" in p for p in problems) == told


def test_placeholder_recipients_are_named_by_their_field():
    problems = deployment_problems(DEFAULT_CONFIG_DIR, load_profile(DEFAULT_CONFIG_DIR, "dong_thap"))
    assert any("'statutory_reports.0.recipients.0.email': 'vanphong@ubnd.example.vn' is a placeholder" in p
               for p in problems)


def real_config(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "profiles" / "dong_thap.yaml"
    text = path.read_text().replace("  phone: null\n  email: null\n",
                                    "  phone: 0277 3851 022\n  email: vanphong@dongthap.gov.vn\n")
    text = text.replace("@ubnd.example.vn", "@dongthap.gov.vn").replace("@example.vn", "@dongthap.gov.vn")
    path.write_text(text)
    return config


def test_real_values_start(tmp_path):
    config = real_config(tmp_path)
    assert deployment_problems(config, load_profile(config, "dong_thap")) == []
    settings = Settings(home=tmp_path / "home", config_dir=config, profile="dong_thap")
    assert load_checked_profile(settings, deployment=True).id == "dong_thap"


def test_demo_mode_accepts_placeholders_and_a_deployment_refuses_them(tmp_path):
    settings = Settings(home=tmp_path, profile="dong_thap")
    with pytest.raises(ConfigError) as e:
        load_checked_profile(settings, deployment=True)
    assert "dong_thap.yaml: field 'office.phone'" in str(e.value)
    assert load_checked_profile(settings).id == "dong_thap"  # validation alone (tools, tests)
    assert load_checked_profile(Settings(home=tmp_path, profile="dong_thap", demo=True), deployment=True)


def test_hotline_run_outside_demo_mode_stops_with_the_file_and_field(tmp_path):
    (tmp_path / "hotline.toml").write_text('profile = "thanh_hoa"\n')
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "--home", str(tmp_path), "run"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "thanh_hoa.yaml: field 'office.phone' / 'office.email'" in proc.stderr
    assert "statutory_reports.0.recipients.0.email" in proc.stderr and "--demo" in proc.stderr
    assert not (tmp_path / "asterisk").exists()  # nothing was started

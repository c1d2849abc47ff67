"""Each province's own menu and fields (#19 item 9): SIPp callers on the Hồ Chí Minh City and
Thanh Hóa lines press keys and land in those provinces' queues (Thanh Hóa's urgent key ahead of the
queue, #31 item 3), and HCMC's emergency message is
its own (public order matters are received there, not sent to 113)."""

import pytest

from hotline.config.profile import load_profile
from hotline.testing.sipp import CallScript
from tests.integration.conftest import running_line

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def hcm_line(workdir, config_dir):
    async with running_line(workdir, "hcm", "ho_chi_minh", config_dir) as ln:
        yield ln


@pytest.fixture(scope="module")
async def th_line(workdir, config_dir):
    (config_dir / "profiles" / "test_th_open.yaml").write_text(
        "extends: thanh_hoa\nname: Thanh Hóa (test, always open)\ncalendar:\n  always_open: true\n")
    async with running_line(workdir, "th", "test_th_open", config_dir) as ln:
        yield ln


async def test_hcm_public_order_is_a_queue_and_the_emergency_message_is_the_citys(hcm_line, config_dir):
    # 9: the City's emergency message, then its main menu again; 3: public order, received here.
    call = await hcm_line.call(CallScript().pause(2000).keys("9").pause(26000).keys("3").pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    prompts = call.prompts()
    assert "hcm_main_menu" in prompts and "main_menu" not in prompts
    assert "hcm_emergency" in prompts and "emergency" not in prompts
    assert "hcm_main_menu" in prompts[prompts.index("hcm_emergency"):]
    assert call.queues_joined() == ["public_order"]
    assert call.join_vars()["HOTLINE_TOPIC"] == "public_order"
    assert call.join_vars()["HOTLINE_IVR_PATH"] == "9-3"
    said = load_profile(config_dir, "ho_chi_minh").prompts.prompts["hcm_emergency"]
    assert "một một ba" not in said and "an ninh trật tự" in said


@pytest.mark.parametrize("key,queue", [("2", "socio_economic"), ("4", "proposals"), ("5", "directives")])
async def test_hcm_fields_of_article_4(hcm_line, key, queue):
    call = await hcm_line.call(CallScript().pause(2000).keys(key).pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == [queue]
    assert call.join_vars()["HOTLINE_TOPIC"] == queue


@pytest.mark.parametrize("keys,queue", [("3", "environment"), ("4", "food_safety"), ("11", "procedures")])
async def test_thanh_hoa_fields_of_article_5(th_line, keys, queue):
    call = await th_line.call(CallScript().pause(2000).keys(keys, gap_ms=1500).pause(7000))
    assert call.sipp.ok, call.sipp.error_log
    assert call.queues_joined() == [queue]


async def test_thanh_hoa_urgent_matters_reach_the_operator_queue_first(th_line):
    # 9: 113/114/115 for their matters; 1: an urgent matter of the line, to the operators at once.
    call = await th_line.call(CallScript().pause(2000).keys("9").pause(3000).keys("1").pause(5000))
    assert call.sipp.ok, call.sipp.error_log
    assert "emergency_menu" in call.prompts()
    assert call.queues_joined() == ["operator"]
    assert call.join_vars()["HOTLINE_URGENT"] == "1" and call.join_vars()["HOTLINE_IVR_PATH"] == "9-1"
    assert call.var("QUEUE_PRIO") == "20"

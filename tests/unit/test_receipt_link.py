"""The receipt SMS with the ticket's look-up link (#31 item 9): within the SMS length rule for every
province's name and a real-length address, the code and the whole link always in it, the link
last (nothing glued to it), and the text without a link as before."""

import re

import pytest

from hotline.notifications.sms import MAX_SEGMENTS, receipt_text, segments
from hotline.public.desk import public_link
from hotline.store.tickets import new_public_secret

NAMES = ["Đồng Tháp", "Đồng Nai", "Hồ Chí Minh", "Quảng Ninh", "Thanh Hóa", "Bà Rịa - Vũng Tàu"]
BASES = ["https://1022.tphcm.gov.vn", "https://tongdai1022.dongthap.gov.vn",
         "https://phananhhientruong.quangninh.gov.vn"]


def test_a_secret_is_96_random_bits_in_16_url_safe_characters():
    made = {new_public_secret() for _ in range(1000)}
    assert len(made) == 1000 and all(re.fullmatch(r"[A-Za-z0-9_-]{16}", s) for s in made)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("name", NAMES)
def test_the_receipt_carries_code_and_link_within_the_length_rule(name, base):
    link = public_link(base + "/", new_public_secret())
    assert re.fullmatch(re.escape(base) + r"/p/[A-Za-z0-9_-]{16}", link)
    text = receipt_text("26112029", name, link)
    assert segments(text) <= MAX_SEGMENTS, text
    assert "26112029" in text and text.endswith(" " + link)


def test_the_whole_sentence_when_it_fits_in_two_parts():
    text = receipt_text("26112029", "Đồng Tháp", public_link("https://1022.tphcm.gov.vn", "A" * 16))
    assert text == ("Tổng đài 1022 Đồng Tháp đã tiếp nhận phản ánh của quý vị, mã số 26112029. "
                    "Theo dõi tại https://1022.tphcm.gov.vn/p/AAAAAAAAAAAAAAAA")
    assert segments(text) == 2


def test_without_a_link_the_receipt_names_the_code_only():
    text = receipt_text("26112029", "Đồng Tháp")
    assert "26112029" in text and "/p/" not in text and segments(text) <= MAX_SEGMENTS

"""The field a caller speaks about, from the words of the call (hotline/knowledge/fields.py):
scored by the fields' names, keywords and articles, suggested only when one clearly leads."""

from hotline.knowledge.fields import FieldGuide, terms

TOPICS = {"administrative_procedures": "Thủ tục hành chính", "infrastructure": "Sự cố hạ tầng kỹ thuật",
          "socio_economic": "Kinh tế - xã hội, dịch vụ công", "investment": "Đầu tư, khu công nghiệp, du lịch",
          "general": "Chung"}
ARTICLES = [
    ("infrastructure", "Đèn đường bị hỏng thì báo ở đâu? Báo Điện lực hoặc Phòng Quản lý đô thị để sửa đèn chiếu sáng"),
    ("infrastructure", "Mặt đường có ổ gà, sụt lún: Sở Giao thông vận tải sửa chữa đường"),
    ("administrative_procedures", "Cấp giấy phép xây dựng nhà ở riêng lẻ cần hồ sơ gì? Nộp tại bộ phận một cửa"),
    ("socio_economic", "Thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi được cấp ở đâu?"),
]


def guide(articles=ARTICLES, keywords=None) -> FieldGuide:
    return FieldGuide(TOPICS, articles, keywords)


def test_a_road_matter_spoken_by_a_caller_suggests_infrastructure_with_the_words_that_told():
    g = guide().guess("Alô tổng đài, đèn đường ở phường Mỹ Phú bị hỏng, nhờ báo điện lực sửa giúp")
    assert g is not None and g.field == "infrastructure" and g.name == "Sự cố hạ tầng kỹ thuật"
    assert "den duong" in g.words  # the pair weighs more than each word
    assert g.as_dict()["id"] == "infrastructure"


def test_the_recogniser_without_diacritics_counts_the_same():
    spoken = guide().guess("đèn đường bị hỏng báo điện lực")
    plain = guide().guess("den duong bi hong bao dien luc")
    assert spoken == plain and spoken.field == "infrastructure"


def test_each_field_from_its_own_words():
    g = guide()
    assert g.guess("tôi muốn hỏi thủ tục cấp giấy phép xây dựng, hồ sơ gồm những gì").field == (
        "administrative_procedures")
    assert g.guess("cháu tôi chưa có thẻ bảo hiểm y tế").field == "socio_economic"
    assert g.guess("doanh nghiệp muốn đầu tư vào khu công nghiệp").field == "investment"


def test_nothing_is_suggested_from_greetings_words_nobody_uses_or_a_tie():
    g = guide()
    assert g.guess("") is None
    assert g.guess("alô, xin chào tổng đài, tôi muốn hỏi một chút") is None
    assert g.guess("con mèo nhà hàng xóm kêu suốt đêm") is None
    # A word two fields use as much: neither leads.
    tie = FieldGuide(TOPICS, [("infrastructure", "xây cầu mới"), ("investment", "xây khách sạn")], {})
    assert tie.guess("xây") is None and tie.guess("xây cầu").field == "infrastructure"


def test_the_catch_all_field_is_never_suggested():
    g = FieldGuide({"general": "Chung", "infrastructure": "Hạ tầng"}, [("general", "chung cư mất nước")], {})
    assert g.guess("chung cư mất nước") is None


def test_articles_teach_a_field_its_words_beyond_the_keywords():
    before = guide(articles=[], keywords={})
    assert before.guess("xe rác không đến thu gom") is None
    after = guide(articles=[("socio_economic", "Xe thu gom rác không đến, liên hệ công ty môi trường")], keywords={})
    assert after.guess("xe rác không đến thu gom").field == "socio_economic"


def test_the_key_words_are_the_articles_words_the_caller_said_most_telling_first():
    g = guide()
    said = "alô, alô, đèn đường hỏng, đèn đường hỏng lâu rồi, báo điện lực giúp, con mèo"
    kw = g.key_words(said)
    assert kw[0] == "den" and set(kw) <= {"den", "duong", "hong", "bao", "dien", "luc"}
    assert "meo" not in kw and "alo" not in kw  # not in any article; a greeting
    assert g.key_words("con mèo") == [] and len(g.key_words(said, most=2)) == 2


def test_terms_drop_stop_words_and_pair_neighbours():
    singles, pairs = terms("Tôi báo đèn đường bị hỏng")
    assert singles == ["bao", "den", "duong", "hong"]
    assert pairs == ["bao den", "den duong"]  # no pair across a stop word ("bị")

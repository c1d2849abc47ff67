"""Places since 1 July 2025: the divisions as `vietnam-provinces` publishes them, checked against
the published lists; search without diacritics by today's and old names; old district-based
addresses mapped to their new commune; agencies suggested by commune and field.

What was checked by hand, and against what:
- Đồng Tháp after Resolution 1663/NQ-UBTVQH15 (16/6/2025), as Tiền Phong published it the same
  day ("102 xã, phường của tỉnh Đồng Tháp mới"): 102 units, 20 wards and 82 communes, among them
  the former Tiền Giang's Phường Mỹ Tho, Gò Công, Cai Lậy and Xã Cái Bè, Tân Phước 1-3, Chợ Gạo, and
  the former Đồng Tháp's Phường Cao Lãnh, Sa Đéc, Hồng Ngự and Xã Tràm Chim.
- Old → new, from Đồng Tháp's Resolution 27/NQ-HĐND (28/4/2025) items 1, 2 and 6: Xã Tân Hồng =
  Tân Công Chí + Bình Phú + Thị trấn Sa Rài (huyện Tân Hồng); Xã Tân Thành = Thông Bình + Tân
  Thành A; Phường Hồng Ngự = An Thạnh + Tân Hội + Bình Thạnh (TP Hồng Ngự); Xã Trường Xuân = Thạnh
  Lợi + Trường Xuân (huyện Tháp Mười). The same rows were read in vietnam-address-converter's
  mapping table (DEFAULT_DATA["mapping"]["rows"], by old ward name), as were Tiền Giang's Phường 1
  of TP Mỹ Tho → Phường Mỹ Tho and Hà Nội's Phường Kim Mã (Ba Đình), split between Phường Ba Đình,
  Giảng Võ and Ngọc Hà (three rows)."""

from __future__ import annotations

import pytest

from hotline.agencies.routing import Listing, suggest
from hotline.places import places
from hotline.store.agencies import Agency


@pytest.fixture(scope="module")
def p():
    return places()


def dong_thap(p):
    return p.divisions.province_named("Đồng Tháp")


def commune(p, name: str):
    return p.divisions.commune_named(dong_thap(p), name)


def test_34_provinces_and_dong_thap_as_resolution_1663_lists_it(p):
    assert len(p.divisions.provinces) == 34
    assert {c.kind for c in p.divisions.communes.values()} == {"xã", "phường", "đặc khu"}  # no district
    assert p.divisions.province_named("Tiền Giang") is None  # merged into Đồng Tháp
    units = p.divisions.of_province(dong_thap(p).code)
    assert len(units) == 102
    assert sum(c.kind == "phường" for c in units) == 20 and sum(c.kind == "xã" for c in units) == 82
    names = {c.name for c in units}
    assert {"Phường Mỹ Tho", "Phường Gò Công", "Phường Cai Lậy", "Xã Cái Bè", "Xã Tân Phước 1", "Xã Tân Phước 2",
            "Xã Tân Phước 3", "Xã Chợ Gạo", "Phường Cao Lãnh", "Phường Sa Đéc", "Phường Hồng Ngự",
            "Xã Tràm Chim"} <= names


def labels(hits):
    return [(h.commune.name, h.old) for h in hits]


def test_search_without_diacritics_by_todays_names(p):
    here = dong_thap(p).code
    assert labels(p.search("tram chim", here))[0] == ("Xã Tràm Chim", None)
    assert labels(p.search("dao thanh", here))[0] == ("Phường Đạo Thạnh", None)  # đ typed as d
    assert labels(p.search("Phường Sa Đéc", here))[0] == ("Phường Sa Đéc", None)  # with diacritics too
    assert labels(p.search("tan phuoc 2", here))[0] == ("Xã Tân Phước 2", None)
    # The line's province first: "My Tho" is a ward of Đồng Tháp and names elsewhere.
    assert all(h.commune.province_code == here for h in p.search("my tho", here)[:2])
    # Typing: the last word unfinished.
    assert labels(p.search("cao la", here))[0] == ("Phường Cao Lãnh", None)
    assert p.search("x", here) == [] and p.search("", here) == [] and p.search("zzqq", here) == []


def test_search_by_old_names_finds_the_commune_they_became(p):
    here = dong_thap(p).code
    hit = p.search("tan cong chi", here)[0]
    assert (hit.commune.name, hit.old) == ("Xã Tân Hồng", "Xã Tân Công Chí, Huyện Tân Hồng, Tỉnh Đồng Tháp")
    assert p.search("sa rai", here)[0].commune.name == "Xã Tân Hồng"
    assert p.search("thanh loi thap muoi", here)[0].commune.name == "Xã Trường Xuân"
    # A ward of the former Tiền Giang by its old number and city.
    hit = p.search("phuong 1 my tho", here)[0]
    assert (hit.commune.name, hit.commune.province) == ("Phường Mỹ Tho", "Đồng Tháp")
    assert "Tỉnh Tiền Giang" in hit.old


@pytest.mark.parametrize("said, new, street", [
    ("12 Nguyễn Huệ, Xã Tân Công Chí, Huyện Tân Hồng, Tỉnh Đồng Tháp", "Xã Tân Hồng", "12 Nguyễn Huệ"),
    ("thi tran sa rai, huyen tan hong, dong thap", "Xã Tân Hồng", ""),
    ("ấp 2, xã Bình Phú, H. Tân Hồng, Đồng Tháp", "Xã Tân Hồng", "ấp 2"),
    ("Xã Thông Bình, Huyện Tân Hồng, Tỉnh Đồng Tháp", "Xã Tân Thành", ""),
    ("xa tan hoi, tp hong ngu", "Phường Hồng Ngự", ""),  # no province said: the district names it
    ("Xã Thạnh Lợi, Huyện Tháp Mười, Đồng Tháp", "Xã Trường Xuân", ""),
    ("khu phố 3, Phường 1, TP. Mỹ Tho, Tiền Giang", "Phường Mỹ Tho", "khu phố 3"),
])
def test_an_old_address_maps_to_its_new_commune_keeping_the_street(p, said, new, street):
    c = p.convert(said)
    assert (c.status, [x.name for x in c.communes], c.street, c.text) == ("matched", [new], street, said)
    assert c.communes[0].province == "Đồng Tháp" and c.old


def test_a_split_commune_offers_each_new_one_and_todays_names_pass_through(p):
    c = p.convert("Phường Kim Mã, Quận Ba Đình, Hà Nội")
    assert c.status == "ambiguous"
    assert sorted(x.name for x in c.communes) == ["Phường Ba Đình", "Phường Giảng Võ", "Phường Ngọc Hà"]
    c = p.convert("ấp 3, Xã Tân Hồng, Tỉnh Đồng Tháp")
    assert (c.status, [x.name for x in c.communes], c.street, c.old) == ("new", ["Xã Tân Hồng"], "ấp 3", None)
    c = p.convert("gần chợ, cuối hẻm")
    assert (c.status, c.communes, c.street) == ("unknown", [], "gần chợ, cuối hẻm")


def test_every_row_of_the_converters_table_names_a_commune_of_vietnam_provinces(p):
    assert p.history.unresolved == 0 and len(p.history.wards) > 9000


def agency(name: str, level: str, fields: list[str], communes: list[int] = ()) -> Listing:
    return Listing(Agency(name=name, level=level, fields=",".join(fields)), [], list(communes))


def test_the_communes_committee_first_for_its_matters_the_department_for_the_provinces(p):
    cao_lanh, tan_hong = commune(p, "Phường Cao Lãnh"), commune(p, "Xã Tân Hồng")
    directory = [agency("Sở Tư pháp", "province", ["administrative_procedures"]),
                 agency("Sở Xây dựng", "province", ["infrastructure"]),
                 agency("UBND phường Cao Lãnh", "commune", ["administrative_procedures"], [cao_lanh.code]),
                 agency("UBND xã Tân Hồng", "commune", ["administrative_procedures"], [tan_hong.code])]

    def order(where, topic):
        return [(x.agency.name, x.suggested) for x in suggest([*directory], where, topic)]

    # A commune matter (its committee handles the field): the committee, then the department.
    assert order(cao_lanh, "administrative_procedures")[:2] == [
        ("UBND phường Cao Lãnh", "Phụ trách Phường Cao Lãnh và lĩnh vực này"),
        ("Sở Tư pháp", "Cơ quan cấp tỉnh phụ trách lĩnh vực này")]
    # Another commune's committee is never suggested.
    assert dict(order(cao_lanh, "administrative_procedures"))["UBND xã Tân Hồng"] is None
    # A provincial field: the department first, the commune's committee next.
    assert order(cao_lanh, "infrastructure")[:2] == [
        ("Sở Xây dựng", "Cơ quan cấp tỉnh phụ trách lĩnh vực này"), ("UBND phường Cao Lãnh", "Phụ trách Phường Cao Lãnh")]
    assert order(tan_hong, "administrative_procedures")[0][0] == "UBND xã Tân Hồng"
    # Nothing known: the directory's order, nothing suggested.
    assert order(None, None) == [(x.agency.name, None) for x in directory]

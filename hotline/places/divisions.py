"""The 34 provinces and their communes, wards and special zones, as published by the data package
`vietnam-provinces` (its nested JSON: province → communes, with the General Statistics Office's
codes). Codes are what tickets and agencies store; names are for people."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import vietnam_provinces

from hotline.folding import fold

# What a division's name starts with, without diacritics, in the order they are tried (longest first).
# Also the kinds of before 2025 (huyện, quận) and their usual abbreviations, for the names people still say.
_KINDS = ("thanh pho trung uong", "thanh pho", "dac khu", "thi tran", "thi xa", "phuong", "tinh", "xa", "huyen",
          "quan", "tp", "tx", "tt", "h", "q", "p", "x")  # "H. Tân Hồng", "P. Mỹ Phú", "X. Bình Phú"


@lru_cache(maxsize=65536)  # the same province and district names come back thousands of times at load
def folded(text: str) -> str:
    """Lower case without diacritics, punctuation as spaces: 'Phường Mỹ Tho' -> 'phuong my tho'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text).lower()).split())


def _strip_kind(words: str, plain: str) -> str:
    """`words` without the kind `plain` (its folded form) starts with: as many words as the kind has."""
    for kind in _KINDS:
        if plain.startswith(kind + " "):
            return " ".join(words.split()[len(kind.split()):])
    numbered = re.fullmatch(r"[pq]([0-9]+)", plain)  # "P1", "Q3": Phường 1, Quận 3
    return numbered.group(1) if numbered else words


def bare(name: str) -> str:
    """A folded name without its kind: 'Tỉnh Đồng Tháp' -> 'dong thap', 'Xã Tân Phước 1' -> 'tan phuoc 1'."""
    f = folded(name)
    return _strip_kind(f, f)


def accented(name: str) -> str:
    """A name without its kind, diacritics kept: 'Xã Tân Thạnh' -> 'tân thạnh' (not 'Xã Tân Thành')."""
    words = " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFC", name).lower()).split())
    return _strip_kind(words, folded(name))


def pick(found: list, name: str, key=lambda x: x.name):
    """Of the things whose folded names match `name`, the one whose name matches with its
    diacritics, else the only one; None when typing without diacritics leaves several."""
    exact = [x for x in found if accented(key(x)) == accented(name)]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Province:
    code: int
    name: str  # "Đồng Tháp", "Thành phố Hồ Chí Minh"


@dataclass(frozen=True)
class Commune:
    """A commune (xã), ward (phường) or special zone (đặc khu): the level below the province."""

    code: int
    name: str  # with its kind: "Phường Mỹ Tho", "Xã Tân Phước 1", "Đặc khu Phú Quốc"
    kind: str  # "xã", "phường", "đặc khu"
    province_code: int
    province: str

    @property
    def label(self) -> str:
        return f"{self.name}, {self.province}"

    def public(self) -> dict:
        return {"code": self.code, "name": self.name, "kind": self.kind, "province_code": self.province_code,
                "province": self.province, "label": self.label}


class Divisions:
    def __init__(self, provinces: dict[int, Province], communes: dict[int, Commune]):
        self.provinces = provinces
        self.communes = communes
        self._province_by_name: dict[str, list[Province]] = {}
        for p in provinces.values():
            self._province_by_name.setdefault(bare(p.name), []).append(p)
        self._commune_by_name: dict[tuple[int, str], list[Commune]] = {}
        for c in communes.values():
            self._commune_by_name.setdefault((c.province_code, bare(c.name)), []).append(c)

    def province_named(self, name: str) -> Province | None:
        """'Đồng Tháp', 'Tỉnh Đồng Tháp', 'dong thap' -> Đồng Tháp."""
        return pick(self._province_by_name.get(bare(name), []), name)

    def commune_named(self, province: Province, name: str) -> Commune | None:
        """A commune of `province` by its name, with or without its kind ('Xã Tân Hồng', 'tan hong').
        Without diacritics two names may fold alike (Tân Thành, Tân Thạnh): then None."""
        return pick(self._commune_by_name.get((province.code, bare(name)), []), name)

    def of_province(self, code: int) -> list[Commune]:
        return [c for c in self.communes.values() if c.province_code == code]


@lru_cache(maxsize=1)
def load_divisions() -> Divisions:
    data = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    provinces, communes = {}, {}
    for p in data:
        province = Province(int(p["code"]), p["name"])
        provinces[province.code] = province
        for w in p["wards"]:
            communes[int(w["code"])] = Commune(int(w["code"]), w["name"], w["division_type"], province.code,
                                               province.name)
    return Divisions(provinces, communes)

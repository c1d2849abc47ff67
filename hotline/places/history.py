"""The names of before 1 July 2025 (province, district, commune) that callers still say, and the
commune each old commune became, from the mapping table of `vietnam-address-converter`. An address
said the old way maps to its new commune; the text as said is kept by whoever stores it.

The package's own free-text parser builds its indexes in tens of seconds and uses its own codes, so
the text is split here (commas: street, commune, district, province, as addresses are written) and
the package's structured conversion (`convert_old_to_new`) does the mapping; its answer is named in
`vietnam-provinces`' codes by province and commune name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.places.divisions import Commune, Divisions, bare, folded, pick


@dataclass(frozen=True)
class OldWard:
    """A commune, ward or town of before the 2025 reform and the commune(s) it became (several when
    it was split)."""

    name: str  # "Xã Tân Công Chí"
    district: str  # "Huyện Tân Hồng"
    province: str  # "Tỉnh Đồng Tháp"
    became: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.name}, {self.district}, {self.province}"


@dataclass
class Conversion:
    """What an address as typed or said names. `status`: `new` (already a commune of today),
    `matched` (an old address, one new commune), `ambiguous` (an old commune split between
    several: the operator picks), `unknown` (nothing recognised)."""

    text: str
    status: str
    communes: list[Commune] = field(default_factory=list)
    old: str | None = None  # the old unit recognised, with its kinds
    street: str = ""  # what comes before the commune: house number, street, hamlet

    def public(self) -> dict:
        return {"text": self.text, "status": self.status, "communes": [c.public() for c in self.communes],
                "old": self.old, "street": self.street}


def _parts(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\n]+", text) if p.strip()]


class History:
    def __init__(self, divisions: Divisions, data: dict):
        self.divisions = divisions
        self.data = data
        provinces, districts, wards = data["oldProvinces"], data["oldDistricts"], data["oldWards"]
        became: dict[str, list[int]] = {}
        self.unresolved = 0  # mapping rows whose new commune vietnam-provinces does not name (checked in tests)
        named: dict[tuple[str, str], Commune | None] = {}
        for row in data["mapping"]["rows"]:
            key = (row["new"]["province_name"], row["new"]["ward_name"])
            if key not in named:
                named[key] = self._new_commune(*key)
            new = named[key]
            if new is None:
                self.unresolved += 1
                continue
            codes = became.setdefault(row["old"]["ward_code"], [])
            if new.code not in codes:
                codes.append(new.code)
        self.wards: list[OldWard] = []
        self._province: dict[str, list[str]] = {}
        self._district: dict[tuple[str, str], list[str]] = {}
        self._district_anywhere: dict[str, list[str]] = {}
        self._ward: dict[tuple[str, str], list[str]] = {}
        for code, p in provinces.items():
            self._province.setdefault(bare(p["name_with_type"]), []).append(code)
        for code, d in districts.items():
            self._district.setdefault((d["parent_code"], bare(d["name_with_type"])), []).append(code)
            self._district_anywhere.setdefault(bare(d["name_with_type"]), []).append(code)
        for code, w in wards.items():
            self._ward.setdefault((w["parent_code"], bare(w["name_with_type"])), []).append(code)
            d = districts.get(w["parent_code"])
            if d is None or code not in became:
                continue
            self.wards.append(OldWard(w["name_with_type"], d["name_with_type"],
                                      provinces[d["parent_code"]]["name_with_type"], tuple(became[code])))

    @classmethod
    def load(cls, divisions: Divisions) -> History:
        from vietnam_address_converter.data import DEFAULT_DATA

        return cls(divisions, DEFAULT_DATA)

    def _new_commune(self, province_name: str, ward_name: str) -> Commune | None:
        province = self.divisions.province_named(province_name)
        return self.divisions.commune_named(province, ward_name) if province else None

    def _as_new(self, parts: list[str]) -> tuple[Commune, int] | None:
        """'..., Xã Tân Hồng, Tỉnh Đồng Tháp': a commune of today and how many parts it took."""
        if len(parts) >= 2:
            province = self.divisions.province_named(parts[-1])
            if province:
                commune = self.divisions.commune_named(province, parts[-2])
                if commune and (self._as_old(parts) is None or folded(parts[-2]) == folded(commune.name)):
                    return commune, 2
        return None

    def _ward_named(self, district: str, name: str) -> str | None:
        return pick(self._ward.get((district, bare(name)), []), name,
                    key=lambda code: self.data["oldWards"][code]["name_with_type"])

    def _as_old(self, parts: list[str]) -> tuple[str, int] | None:
        """The old ward code an address's last parts name, and how many parts they are: commune,
        district, province; or commune, district (any province)."""
        if len(parts) >= 3:
            for p in self._province.get(bare(parts[-1]), []):
                for d in self._district.get((p, bare(parts[-2])), []):
                    w = self._ward_named(d, parts[-3])
                    if w:
                        return w, 3
        if len(parts) >= 2:
            found = [w for d in self._district_anywhere.get(bare(parts[-1]), [])
                     if (w := self._ward_named(d, parts[-2]))]
            if len(found) == 1:
                return found[0], 2
        return None

    def convert(self, text: str) -> Conversion:
        from vietnam_address_converter.conversion import convert_old_to_new

        parts = _parts(text)
        new = self._as_new(parts)
        if new:
            return Conversion(text, "new", [new[0]], street=", ".join(parts[:-new[1]]))
        old = self._as_old(parts)
        if old is None:
            return Conversion(text, "unknown", street=text.strip())
        ward_code, used = old
        ward = self.data["oldWards"][ward_code]
        district = self.data["oldDistricts"][ward["parent_code"]]
        province = self.data["oldProvinces"][district["parent_code"]]
        answer = convert_old_to_new({"province_name": province["name_with_type"],
                                     "district_name": district["name_with_type"],
                                     "ward_name": ward["name_with_type"]}, None, self.data)
        found = [answer["result"]] if answer.get("result") else answer.get("candidates") or []
        communes: list[Commune] = []
        for c in found:
            commune = self._new_commune(c["new_province"]["name_with_type"], c["new_ward"]["name_with_type"])
            if commune and commune not in communes:
                communes.append(commune)
        status = {0: "unknown", 1: "matched"}.get(len(communes), "ambiguous")
        return Conversion(text, status, communes, f"{ward['name_with_type']}, {district['name_with_type']}, "
                          f"{province['name_with_type']}", ", ".join(parts[:-used]))

"""What an administrator may write into the agency directory, validated with messages in
Vietnamese (they reach the administrator's page as they are)."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.places import places

# Agency levels. The 2025 reform abolished districts: migration 0034 moved the district agencies
# (to "province" when the name says so, else "commune"), and "district" is refused from then on.
LEVELS = {"province": "Cấp tỉnh", "commune": "Cấp xã", "vertical": "Ngành dọc",
          "public_service": "Đơn vị cung cấp dịch vụ công"}
CONTACT_ROLES = {"focal_point": "Cán bộ đầu mối", "head": "Thủ trưởng"}
PHONE = re.compile(r"^[0-9]{3,15}$")


def normalise_phone(value: str) -> str:
    """'0277.385 1022', '(0277) 3851022', '+84 277 3851022' -> '02773851022'. Digits only: a
    number is dialled and sent SMS, so nothing else may reach the dial string."""
    v = re.sub(r"[\s.\-()]", "", str(value))
    if v.startswith("+84"):
        v = "0" + v[3:]
    if not PHONE.match(v):
        raise ValueError("số điện thoại chỉ gồm chữ số (3 đến 15 số)")
    return v


def clean_text(value: str) -> str:
    v = unicodedata.normalize("NFC", str(value)).strip()
    if any(unicodedata.category(c) == "Cc" for c in v):
        raise ValueError("không được chứa ký tự điều khiển")
    return v


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["focal_point", "head"]
    name: str = Field(..., min_length=1, max_length=200)
    phone: str
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")

    _name = field_validator("name")(classmethod(lambda cls, v: clean_text(v)))
    _phone = field_validator("phone")(classmethod(lambda cls, v: normalise_phone(v)))


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=2, max_length=200)
    level: str
    fields: list[str] = Field(default_factory=list, max_length=30)
    phone: str | None = None  # the agency's number for urgent transfers
    route: str = "local"
    active: bool = True
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)
    # The communes (wards, special zones) it serves, by code (hotline.places); empty: the whole
    # province; left out (None): unchanged on an update (a form that does not show them loses none).
    communes: list[int] | None = Field(None, max_length=500)

    _name = field_validator("name")(classmethod(lambda cls, v: clean_text(v)))

    @field_validator("level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v not in LEVELS:
            raise ValueError(f"cấp không hợp lệ; chọn một trong: {', '.join(LEVELS)}")
        return v

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: list[str]) -> list[str]:
        for f in v:
            if not re.match(r"^[a-z][a-z0-9_]{0,39}$", f):
                raise ValueError(f"lĩnh vực {f[:40]!r} không hợp lệ")
        return list(dict.fromkeys(v))

    @field_validator("communes")
    @classmethod
    def _communes(cls, v: list[int] | None) -> list[int] | None:
        if v is None:
            return v
        known = places().divisions.communes
        for code in v:
            if code not in known:
                raise ValueError(f"không có xã, phường mã {code}")
        return list(dict.fromkeys(v))

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return normalise_phone(v) if v not in (None, "") else None


def folded(text: str) -> str:
    """Lower case without Vietnamese diacritics, for search: 'Sở Điện lực' -> 'so dien luc'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()

"""Request bodies: size limits, types, and Vietnamese error messages."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hotline.config.queues import QueuesFile
from hotline.errors import Refused
from hotline.places import places
from hotline.recordings.library import VERDICTS
from hotline.ticketing.handling import Payload

MAX_BODY = 64 * 1024


class ValidationFailed(Refused):
    def __init__(self, message: str, status: int = 400):
        super().__init__(status, message)


def refuse_out_of_scope(queues: QueuesFile, topics: list[str | None], what: str = "Lĩnh vực") -> None:
    """A 400 naming the first topic that is not one of the line's fields (the profile's queues)."""
    outside = queues.out_of_scope(topics)
    if outside:
        raise ValidationFailed(f"{what}: {outside[0][:40]!r} không thuộc phạm vi tiếp nhận của tổng đài; có: "
                               + ", ".join(queues.topic_names()))


FIELD_NAMES = {"reporter_name": "Họ tên", "caller_phone": "Số điện thoại", "address": "Địa chỉ", "email": "Email",
               "topic": "Lĩnh vực", "content": "Nội dung", "confidential": "Bảo mật", "submit": "Gửi",
               "name": "Tên", "level": "Cấp", "fields": "Lĩnh vực", "phone": "Số điện thoại", "route": "Tuyến gọi",
               "contacts": "Người liên hệ", "kind": "Kiểu chuyển", "agency_id": "Cơ quan", "target": "Nơi chuyển",
               "queue": "Hàng đợi", "active": "Đang hoạt động", "result": "Nội dung trả lời",
               "username": "Tên đăng nhập", "reason": "Lý do", "question": "Nội dung", "date": "Ngày hẹn",
               "rating": "Mức độ hài lòng", "full_name": "Họ tên", "password": "Mật khẩu",
               "current_password": "Mật khẩu hiện tại", "new_password": "Mật khẩu mới", "role": "Vai trò",
               "operator_id": "Máy điện thoại", "commune_code": "Xã, phường",
               "latitude": "Vĩ độ", "longitude": "Kinh độ"}


def required_text(cls, v: str | None) -> str | None:
    """A field validator: Vietnamese text in one Unicode form (NFC), not blank (None passes: an
    optional field left out)."""
    if v is None:
        return v
    v = unicodedata.normalize("NFC", v).strip()
    if not v:
        raise ValueError("không được để trống")
    return v


class Place(BaseModel):
    """Where the matter is: a commune (ward, special zone) of today by its code, picked as the
    address is typed; its province follows from it (a province_code sent alone is refused)."""

    commune_code: int | None = Field(None, ge=1, le=99999)
    province_code: int | None = None

    @field_validator("commune_code", mode="before")
    @classmethod
    def _blank(cls, v):
        return None if v == "" else v

    @model_validator(mode="after")
    def _province(self):
        if "commune_code" in self.model_fields_set:
            commune = places().commune(self.commune_code)
            if self.commune_code is not None and commune is None:
                raise ValueError("không có xã, phường, đặc khu này (commune_code)")
            self.province_code = commune.province_code if commune else None
        elif "province_code" in self.model_fields_set:
            raise ValueError("tỉnh đi theo xã, phường đã chọn: gửi commune_code")
        return self


class Pin(BaseModel):
    """Where on the map the matter is (the pin put on the report form's map): latitude and
    longitude in degrees (WGS 84), both or neither; kept to 6 decimals (about 10 cm)."""

    latitude: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _blank_pin(cls, v):
        return None if v == "" else v

    @field_validator("latitude", "longitude")
    @classmethod
    def _decimals(cls, v: float | None) -> float | None:
        return None if v is None else round(v, 6)

    @model_validator(mode="after")
    def _both(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("vị trí trên bản đồ cần cả vĩ độ (latitude) và kinh độ (longitude)")
        return self


class TicketEdit(Place, Pin):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reporter_name: str | None = Field(None, max_length=200)
    caller_phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 .\-]{0,31}$")
    address: str | None = Field(None, max_length=500)
    email: str | None = Field(None, max_length=200)
    topic: str | None = Field(None, max_length=40, pattern=r"^[a-z_]*$")
    content: str | None = Field(None, max_length=20000)
    confidential: bool | None = None
    submit: bool = False

    @field_validator("reporter_name", "address", "content")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        # Vietnamese typed on different keyboards arrives composed or decomposed: store NFC.
        return unicodedata.normalize("NFC", v) if v is not None else v


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., max_length=40)


class ListenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    linkedid: str = Field(..., min_length=1, max_length=64)
    mode: Literal["listen", "whisper"] = "listen"


class LoginIn(BaseModel):
    username: str = Field(..., min_length=1, max_length=200)
    password: str = Field(..., min_length=1, max_length=1000)


class SecondFactorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(..., min_length=6, max_length=20)  # 6 digits, or a recovery code


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(..., min_length=1, max_length=200)
    new_password: str = Field(..., min_length=1, max_length=200)


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., pattern=r"^(warm|blind|queue)$")
    agency_id: int | None = Field(None, ge=1)
    target: str = Field("agency", pattern=r"^(agency|focal_point)$")
    queue: str | None = Field(None, max_length=40, pattern=r"^[a-z0-9_]+$")


class CallbackOutcomeIn(BaseModel):
    """What came of an attempt to call a requester back."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: str = Field(..., pattern=r"^(reached|no_answer|busy|wrong_number)$")
    note: str = Field("", max_length=500)


async def parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_length and request.content_length > MAX_BODY:
        raise ValidationFailed("Nội dung quá lớn", 413)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ValidationFailed("Nội dung quá lớn", 413)
    if len(raw) > MAX_BODY:
        raise ValidationFailed("Nội dung quá lớn", 413)
    return validated(model, raw)


def query_date(value: str | None, name: str, status: int = 400) -> date | None:
    """A day given in a query string (YYYY-MM-DD, a longer ISO time cut to its day), or None when
    absent; Refused(`status`) naming the parameter otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Refused(status, f"{name}: ngày phải có dạng YYYY-MM-DD") from None


def validated(model: type[BaseModel], data: bytes | dict) -> BaseModel:
    """`data` (JSON bytes or a form's fields) as `model`, or the problems named in Vietnamese."""
    try:
        return model.model_validate_json(data) if isinstance(data, bytes) else model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            problems.append(f"{FIELD_NAMES.get(name, name or 'dữ liệu')}: {err['msg']}")
        raise ValidationFailed("Dữ liệu không hợp lệ — " + "; ".join(problems))


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency_id: int = Field(..., ge=1, le=10**9)
    note: str = Field("", max_length=500)


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: str = Field(..., pattern="^(" + "|".join(VERDICTS) + ")$")
    comment: str = Field("", max_length=5000)


def _nfc_text(v: str | None) -> str | None:
    if v is None:
        return None
    return unicodedata.normalize("NFC", v).strip()


# The channels a report may come by, with the names users read.
CHANNEL_NAMES = {"phone": "Điện thoại", "web": "Trang web", "webchat": "Trò chuyện trên web", "email": "E-mail",
                 "zalo": "Zalo", "facebook": "Facebook", "sms": "Tin nhắn SMS",
                 "app": "Ứng dụng", "portal": "Cổng dịch vụ công", "paper": "Văn bản"}
CHANNELS = tuple(CHANNEL_NAMES)


class NewTicketIn(TicketEdit):
    """A report that came by another channel (e-mail, Zalo, Facebook, app, portal, paper)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: str = Field(..., pattern="^(" + "|".join(CHANNELS) + ")$")
    state_secret: bool = False


class DuplicateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., pattern=r"^[0-9]{8}$")


class PublicReportIn(Place, Pin):
    """A citizen's report from the public form: the required fields of Đồng Tháp Art. 6."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    reporter_name: str = Field(..., min_length=2, max_length=200)
    caller_phone: str = Field(..., pattern=r"^\+?[0-9 .\-]{9,19}$")
    address: str = Field(..., min_length=2, max_length=500)
    email: str | None = Field(None, max_length=200, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    topic: str = Field(..., max_length=40, pattern=r"^[a-z_]+$")
    content: str = Field(..., min_length=10, max_length=20000)
    confidential: bool = False

    @field_validator("reporter_name", "address", "content")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return _nfc_text(v)

    @field_validator("email")
    @classmethod
    def _empty(cls, v: str | None) -> str | None:
        return v or None


class ActionIn(BaseModel):
    """A workflow action on a ticket (operator, agency, leader): what it needs, if anything."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    result: str | None = Field(None, max_length=20000)
    reason: str | None = Field(None, max_length=2000)
    question: str | None = Field(None, max_length=5000)
    note: str | None = Field(None, max_length=5000)
    agency_id: int | None = Field(None, ge=1, le=10**9)
    # Other agencies asked for their part at distribution (where the action allows several)
    also_agency_ids: list[Annotated[int, Field(ge=1, le=10**9)]] = Field(default_factory=list, max_length=5)
    # The new date of a reschedule: YYYY-MM-DD (the end of that working day) or YYYY-MM-DDTHH:MM,
    # local time of the profile.
    date: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2})?$")
    rating: int | None = Field(None, ge=1, le=5)
    # The knowledge base version whose answer the result was taken from (cited on the ticket).
    article_version: int | None = Field(None, ge=1, le=10**9)

    @field_validator("result", "reason", "question", "note")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return _nfc_text(v)

    def payload(self, tz: str, day_ends: str = "17:00") -> Payload:
        when = None
        if self.date:
            text = self.date if "T" in self.date else f"{self.date}T{day_ends}"
            try:
                when = datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(tz))
            except ValueError:
                raise ValidationFailed("Ngày hẹn không hợp lệ", 422) from None
        return Payload(result=self.result, reason=self.reason, question=self.question, note=self.note,
                       agency_id=self.agency_id, date=when, rating=self.rating,
                       also_agency_ids=list(self.also_agency_ids))


class ReplyIn(BaseModel):
    """An operator's answer in a written conversation."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=20000)

    @field_validator("text")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return _nfc_text(v)


class ReadIn(BaseModel):
    """The operator has seen the citizen's messages up to this one."""

    model_config = ConfigDict(extra="forbid")
    up_to: int = Field(..., ge=1, le=2**31 - 1)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator_id: str = Field(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")


class ChatStartIn(BaseModel):
    """A citizen opens a chat on the hotline's site (name and phone may be left out)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reporter_name: str | None = Field(None, max_length=200)
    caller_phone: str | None = Field(None, pattern=r"^(\+?[0-9 .\-]{9,19})?$")
    topic: str = Field(..., max_length=40, pattern=r"^[a-z_]+$")
    text: str = Field(..., min_length=2, max_length=5000)

    @field_validator("reporter_name", "text")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return _nfc_text(v) or None if v is not None else None

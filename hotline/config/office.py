"""The provincial office (Văn phòng UBND tỉnh) in a profile: who it is, how it is told, and its
letters to agencies.

Đồng Tháp Art. 9.4-9.6 and 15: the office is told of tickets gone overdue, may send the agency a
reminder letter or ask it to explain itself, and decides which agency handles a matter whose
jurisdiction is unclear (also Thanh Hóa Art. 12.3; HCMC Art. 6.1 for proposals).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.config.deadline import Deadline


class AnswerReviewPolicy(BaseModel):
    """The weekly review of written answers (Đồng Nai CV 1407 items 1-2): how long an agency has to
    act on a finding against its answer. The seeds set no limit; unset, findings have none."""

    model_config = ConfigDict(extra="forbid")

    act_within: Deadline | None = None


class OfficePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("Văn phòng Ủy ban nhân dân tỉnh", max_length=200)
    # Where the office is told of a ticket that went overdue (a workflow step's `notify: [office]`):
    # an SMS to `phone`, an e-mail to `email`; neither set: nobody is told, and the IVR says so.
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=200)
    # Letters: the heading's issuing authority, the office line under it, the place before the
    # date, the signer's title, and the letter numbers' suffix ("12/VP-1022").
    issuer: str = Field("ỦY BAN NHÂN DÂN TỈNH", max_length=200)
    office_line: str = Field("VĂN PHÒNG", max_length=200)
    place: str = Field("", max_length=100)
    signer: str = Field("CHÁNH VĂN PHÒNG", max_length=100)
    number_suffix: str = Field("VP-1022", max_length=40)
    # How long an agency has to answer a request for explanation. The seeds set no limit; unset,
    # the request has none.
    explanation_within: Deadline | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        """'0277.385 1022' or '+84 277 3851022' -> '02773851022' (digits only: it is sent SMS)."""
        if v is None:
            return None
        digits = re.sub(r"[\s.\-()]", "", v)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        if not re.fullmatch(r"[0-9]{8,15}", digits):
            raise ValueError("a phone number: digits, with spaces or dots between them")
        return digits

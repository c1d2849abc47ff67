"""The reports a province's regulation requires on fixed dates, in its profile.

Đồng Tháp Art. 11.2 and 17: monthly to the Provincial People's Committee through the office;
Quảng Ninh Art. 8.6-8.7: monthly before the 20th, quarterly before the 20th of the quarter's last
month, yearly before 20/12, and before 15/11 to Home Affairs and Information & Communications;
HCMC Art. 10.2 and 13: quarterly, with units ranked, and Art. 14.5: weekly to the department the
operating unit reports to; Thanh Hóa Art. 14.2: monthly and yearly.

Each report is made once per period, on its day (local time), kept as a file and e-mailed to
its recipients through the outbox.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=200)  # "UBND tỉnh (qua Văn phòng UBND tỉnh)"
    email: str = Field(..., pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)


class StatutoryReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]{0,39}$")  # stable: names its files and outbox keys
    title: str = Field(..., max_length=300)
    basis: str = Field("", max_length=200)  # the article that asks for it
    every: Literal["week", "month", "quarter", "year"]
    # When it is made: `day` of the month; for a quarterly report, `month` is the month within the
    # quarter (1-3) and counts after the quarter's end for `previous` (1 = the month after); for a
    # yearly report, the month of the year. A weekly report covers Monday to Sunday and is made on
    # `day` of the following week (1 = Monday ... 7 = Sunday).
    day: int = Field(..., ge=1, le=28)
    month: int | None = Field(None, ge=1, le=12)
    # What it covers: the period just ended (`previous`), or the current period up to the day
    # before it is made (`to_date`: Quảng Ninh's quarterly and yearly reports, due before the
    # period ends).
    covers: Literal["previous", "to_date"] = "previous"
    ranking: bool = False  # units ranked by on-time rate and satisfaction (HCMC Art. 13)
    # The proposals units recorded as good and creative in the period (HCMC Art. 7.3, 11.4: the
    # workflow's `commend` action), with the unit and its note.
    good_proposals: bool = False
    recipients: list[Recipient] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _month(self) -> "StatutoryReport":
        if self.every == "week" and (self.day > 7 or self.month is not None or self.covers != "previous"):
            raise ValueError("day: a weekly report is made on a day of the following week, 1 (Monday) to 7; "
                             "no month, covers the previous week")
        if self.every == "month" and self.month is not None:
            raise ValueError("month: a monthly report is made every month; give only `day`")
        if self.every == "quarter" and self.month is not None and self.month > 3:
            raise ValueError("month: within a quarter, 1 to 3")
        if self.every == "year" and self.month is None:
            raise ValueError("month: a yearly report needs the month it is made in")
        return self

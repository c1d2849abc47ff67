"""Calls the hotline makes to citizens (callbacks, click-to-call from a ticket, survey calls), and
how callback requests are worked: a profile's settings, validated at start."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from hotline.workhours import WEEKDAYS, WeeklyHours


class CallingHours(WeeklyHours):
    """When citizens may be called, local time (every day of the week by default: a callback on a
    Saturday is welcome; a call at night is not)."""

    hours: list[tuple[time, time]] = [(time(7, 0), time(21, 0))]

    def allows(self, instant: datetime, tz: str) -> bool:
        local = instant.astimezone(ZoneInfo(tz))
        if WEEKDAYS[local.weekday()] not in self.weekdays:
            return False
        return any(start <= local.time() < end for start, end in self.hours)

    def describe(self) -> str:
        return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.hours) or "không có"


class OutboundPolicy(BaseModel):
    """Outbound calls: only to the number a ticket or callback request holds, only Vietnamese
    numbers, only in calling hours, and at most `per_operator_per_hour` calls by one operator."""

    model_config = ConfigDict(extra="forbid")

    calling_hours: CallingHours = CallingHours()
    ring_seconds: int = Field(30, ge=10, le=120)  # how long the citizen's phone rings
    per_operator_per_hour: int = Field(40, ge=1, le=1000)
    # A call asked for in the desktop must start from the softphone within this time.
    start_within_seconds: int = Field(60, ge=5, le=600)


class CallbackPolicy(BaseModel):
    """Callback requests (after hours, queue timeout): attempts, retries and the deadline."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(3, ge=1, le=10)
    retry_minutes: int = Field(30, ge=0, le=1440)  # wait between two unanswered attempts
    # The request must be handled within this many working hours of the calendar (8: one working
    # day of Đồng Tháp's office hours), or supervisors are alerted.
    deadline_working_hours: float = Field(8, gt=0, le=200)
    # A request an operator took and left without an outcome returns to the list after this.
    hold_minutes: int = Field(15, ge=1, le=240)


# The prompts virtual hold and the queue announcement need (in the prompts file).
VIRTUAL_HOLD_PROMPTS = ("vhold_offer", "vhold_kept", "vhold_refused", "queue_estimate_intro", "queue_estimate_minutes")
# Numbers are said from the digits' prompts and these (mười, mươi, mốt, lăm, tư).
NUMBER_PROMPTS = ("number_ten", "number_tens", "number_one_after_tens", "number_five_after_tens",
                  "number_four_after_tens")


class VirtualHoldPolicy(BaseModel):
    """Virtual hold: a caller waiting in a queue may press `key` to hang up and be called back
    when their turn comes, keeping their place (a placeholder waits in the queue for them). Offered
    by the queue's periodic announcement after `offer_after_seconds` in it; the queue itself says
    the caller's place and the expected wait (`announce_position`: Asterisk's own announcements,
    with the Vietnamese prompts; the caller is in the queue from the key press)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    key: str = Field("1", pattern=r"^[0-9*#]$")
    offer_after_seconds: int = Field(90, ge=10, le=3600)
    announce_position: bool = True
    # When the citizen does not answer the callback: tries in all, and the wait between two.
    max_attempts: int = Field(2, ge=1, le=5)
    retry_seconds: int = Field(60, ge=5, le=3600)
    # A placeholder waits this long for an operator (not the queue's limit for callers on the line:
    # nobody holds a phone meanwhile), then the request goes to the callback work list.
    max_wait_seconds: int = Field(4 * 3600, ge=60, le=24 * 3600)


SURVEY_PROMPTS = ("survey_intro", "survey_result_intro", "survey_ask", "survey_invalid", "survey_thanks")


class SurveyPolicy(BaseModel):
    """Survey calls (Quảng Ninh's five levels; HCMC Art. 7.4): when a ticket that came by phone is
    answered, an automated call, in calling hours, reads the result's short form and asks for a
    rating 1-5 by keypad, stored as if given on the public page. No answer, or no rating: the
    result SMS with the look-up link, as without a survey."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    delay_minutes: int = Field(10, ge=0, le=1440)  # after the answer (time to read it first)
    max_chars: int = Field(300, ge=50, le=2000)  # of the result, read aloud
    max_tries: int = Field(2, ge=1, le=5)  # keys asked for before giving up

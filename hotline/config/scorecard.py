"""A profile's scorecard for verifying calls (issue #30 item 5): weighted criteria a supervisor
scores on a weekly random sample of each operator's calls, with the recording and the transcript
side by side.

Each criterion has a weight and says how, if at all, words can pre-check it from the operator's
side of the transcript (`check`):
  greeting   one of `phrases` among the operator's first `within_words` words (the line's name);
  ticket_code  the digits of the call's ticket code read back, in figures or in Vietnamese words;
  required   one of `phrases` said anywhere (courtesy);
  forbidden  none of `phrases` said anywhere;
  manual     words cannot check it (correct information): the supervisor alone.
Phrases are matched without diacritics, as whole words. Pre-checks are suggestions ("gợi ý tự
động"), never the score. `finding` names the verdict of the
recordings' weekly check that a failed criterion stands for (Đồng Nai CV 1407 item 2: wrong
information, buck-passing), so a scored call counts in that check too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CHECKS = ("greeting", "ticket_code", "required", "forbidden", "manual")


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: str = Field(..., min_length=1, max_length=200)
    weight: float = Field(..., gt=0, le=100)
    check: Literal["greeting", "ticket_code", "required", "forbidden", "manual"] = "manual"
    phrases: list[Phrase] = []
    within_words: int = Field(30, ge=1, le=500)  # greeting: how early the phrase must come
    finding: Literal["wrong_info", "buck_passing", "other"] | None = None

    @field_validator("phrases")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        for p in v:
            if not any(c.isalnum() for c in p):
                raise ValueError(f"{p!r} has no word")
        return v

    @model_validator(mode="after")
    def _phrases_match_check(self) -> "Criterion":
        if self.check in ("greeting", "required", "forbidden") and not self.phrases:
            raise ValueError(f"check {self.check!r} needs phrases")
        if self.check in ("ticket_code", "manual") and self.phrases:
            raise ValueError(f"check {self.check!r} takes no phrases")
        return self


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Calls drawn at random per operator per week for the supervisors to score.
    sample_per_operator: int = Field(3, ge=1, le=50)
    criteria: list[Criterion] = Field(..., min_length=1, max_length=30)

    @field_validator("criteria")
    @classmethod
    def _unique(cls, v: list[Criterion]) -> list[Criterion]:
        seen = set()
        for c in v:
            if c.id in seen:
                raise ValueError(f"criterion id {c.id!r} is listed twice")
            seen.add(c.id)
        return v

    def by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}

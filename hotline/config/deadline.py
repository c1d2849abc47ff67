"""A legal time limit, as configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Deadline(BaseModel):
    """A legal time limit: working time counts office hours only; clock time (days, hours,
    minutes) counts every minute, weekends and holidays included."""

    model_config = ConfigDict(extra="forbid")

    amount: float = Field(..., gt=0)
    unit: Literal["working_hours", "working_days", "days", "hours", "minutes"]

"""Written channels in a province's profile: how much an operator handles at once, and how soon
a citizen who wrote gets a first answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConversationPolicy(BaseModel):
    """An operator's capacity is one call or up to `max_per_operator` written conversations: a new
    conversation goes to an available operator (not on a call, not paused) with the fewest open
    ones below the limit, or waits in the inbox for anyone to take within the limit."""

    model_config = ConfigDict(extra="forbid")

    max_per_operator: int = Field(3, ge=1, le=20)
    # A citizen's message is answered within this many minutes of office hours; the operator who
    # has it is reminded `remind_before_minutes` earlier, supervisors are told when it is late.
    first_reply_minutes: int = Field(15, ge=1, le=24 * 60)
    remind_before_minutes: int = Field(5, ge=0, le=24 * 60)

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
    # E-mail: a message that fails to be kept this many times is quarantined for the supervisors;
    # the hotline's receipts reach one address at most `receipts_per_address_per_day` times, and one
    # sender starts at most `new_per_sender_per_day` conversations a day (more are quarantined).
    mail_tries: int = Field(3, ge=1, le=20)
    receipts_per_address_per_day: int = Field(3, ge=0, le=50)
    new_per_sender_per_day: int = Field(10, ge=1, le=1000)

"""The knowledge base's rules in a profile."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KnowledgePolicy(BaseModel):
    """Đồng Tháp Art. 9.1, 13.3, 14.5, 15.4: operators answer from the province's information on
    procedures and services, which agencies keep current. An approved article is due for review
    `review_months` after approval (unless its author set a date); after that it is flagged stale."""

    model_config = ConfigDict(extra="forbid")

    review_months: int = Field(12, ge=1, le=60)
    suggestions: int = Field(5, ge=1, le=20)  # articles suggested beside a call's ticket

"""Prompt texts: name -> Vietnamese sentence, spoken by espeak-ng at set-up."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

PROMPT_NAME = re.compile(r"^[a-z0-9_]{1,60}$")


class PromptsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str = "vi"
    voice: str = "vi"  # espeak-ng voice
    speed: int = 150  # espeak-ng words per minute
    prompts: dict[str, str]

    @field_validator("prompts")
    @classmethod
    def _names(cls, prompts: dict[str, str]) -> dict[str, str]:
        for name, text in prompts.items():
            if not PROMPT_NAME.match(name):
                raise ValueError(f"prompt name {name!r}: use a-z, 0-9 and _")
            if not str(text).strip():
                raise ValueError(f"prompt {name!r} has no text")
        return prompts

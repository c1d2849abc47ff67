"""Personal data in logs: phone numbers and ticket codes are shown masked, enough to tell two apart
when reading a log, not enough to call someone or look their ticket up."""

from __future__ import annotations

import re


def mask_phone(number: str | None) -> str:
    d = re.sub(r"\D", "", number or "")
    if len(d) < 7:
        return "*" * len(d)
    return f"{d[:3]}{'*' * (len(d) - 6)}{d[-3:]}"


def mask_code(code: str | None) -> str:
    c = code or ""
    return c[:2] + "*" * max(len(c) - 3, 0) + c[-1:] if len(c) > 3 else "*" * len(c)

"""Personal data in logs: phone numbers, e-mail addresses, chat platforms' user ids and ticket
codes are shown masked, enough to tell two apart when reading a log, not enough to call, write to
or find someone, or look their ticket up. `mask_text` masks whatever a free-form log line carries
(the logging filter of `hotline.security.logs` applies it to every record)."""

from __future__ import annotations

import re

# A phone number as people and systems write it: 0xxx, 84xxx, +84xxx, with spaces, dots or dashes
# (9 to 11 digits after the prefix). The lookarounds keep longer digit runs (ids) whole.
PHONE = re.compile(r"(?<![\w.])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w])")
EMAIL = re.compile(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")
# Zalo user ids are 15 to 19 digits, Messenger's page-scoped ids 15 to 17: any run of 13 or more
# digits is taken for one (call ids, ticket codes and Unix times are shorter).
PLATFORM_ID = re.compile(r"(?<![\d])\d{13,40}(?![\d])")


def mask_phone(number: str | None) -> str:
    d = re.sub(r"\D", "", number or "")
    if len(d) < 7:
        return "*" * len(d)
    return f"{d[:3]}{'*' * (len(d) - 6)}{d[-3:]}"


def mask_code(code: str | None) -> str:
    c = code or ""
    return c[:2] + "*" * max(len(c) - 3, 0) + c[-1:] if len(c) > 3 else "*" * len(c)


def mask_email(address: str | None) -> str:
    """'an.nguyen@example.vn' -> 'a***@e***.vn': the first letters and the top-level domain."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "*" * min(len(local), 3)
    top = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}***@{domain[:1]}***" + (f".{top}" if top else "")


def mask_platform_id(user_id: str | None) -> str:
    """A platform's user id: its last four characters."""
    u = user_id or ""
    return "*" * max(len(u) - 4, 0) + u[-4:] if len(u) > 4 else "*" * len(u)


def mask_text(text: str) -> str:
    """Every e-mail address, phone number and platform user id in free text, masked."""
    if not text:
        return text
    out = EMAIL.sub(lambda m: mask_email(m.group()), text) if "@" in text else text
    out = PLATFORM_ID.sub(lambda m: mask_platform_id(m.group()), out)
    return PHONE.sub(lambda m: mask_phone(m.group()), out)

"""Personal data out of published text: the reporter's own name, phone, address and e-mail, and
anything shaped like a phone number or an e-mail address (HCMC Art. 8.2, 9.1)."""

from __future__ import annotations

import re
import unicodedata

MASK = "***"
PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def redact(text: str | None, *personal: str | None) -> str:
    if not text:
        return ""
    out = unicodedata.normalize("NFC", text)
    for value in sorted({unicodedata.normalize("NFC", p).strip() for p in personal if p and p.strip()},
                        key=len, reverse=True):
        if len(value) >= 3:
            out = re.sub(re.escape(value), MASK, out, flags=re.IGNORECASE)
    out = EMAIL.sub(MASK, out)
    return PHONE.sub(MASK, out)

"""Vietnamese telephone numbers: one national form, and which numbers the hotline may call or text.

Pure functions, no I/O. A number the hotline dials or texts is digits only in national form
(0xxxxxxxxx), so nothing else can reach a dial string; foreign numbers, premium-rate and short
service numbers (1900, 1800, 113) are not citizens' numbers and are never dialled from a desktop.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"^0[35789][0-9]{8}$")  # 10 digits: 03x, 05x, 07x, 08x, 09x
LANDLINE = re.compile(r"^02[0-9]{9}$")  # 11 digits: 02 + area code + subscriber
WRITTEN = re.compile(r"^\+?[0-9 .\-()]+$")  # digits with the usual separators, nothing else


def national(number: str | None) -> str:
    """'+84 912 345 678', '84912345678', '0912.345.678' -> '0912345678' (digits only)."""
    d = re.sub(r"\D", "", number or "")
    if d.startswith("84") and len(d) in (11, 12):
        d = "0" + d[2:]
    return d


def vietnamese_mobile(number: str | None) -> str | None:
    """The number in national form if it is a Vietnamese mobile, else None."""
    d = national(number)
    return d if MOBILE.match(d) else None


def vietnamese_callable(number: str | None) -> str | None:
    """The number in national form if it is a Vietnamese mobile or fixed line written as a number
    (separators allowed, words not), else None."""
    if not number or not WRITTEN.match(number.strip()):
        return None
    d = national(number)
    return d if MOBILE.match(d) or LANDLINE.match(d) else None

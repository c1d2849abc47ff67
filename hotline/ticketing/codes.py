"""Public ticket codes: digits only, so a caller can key them in on the phone and an operator can
read them out; the last digit is a Luhn check digit, so a mistyped code is caught before any
look-up. Random, so codes do not reveal how many tickets exist."""

from __future__ import annotations

import secrets

CODE_LENGTH = 8


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # positions that get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_code(length: int = CODE_LENGTH) -> str:
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(length - 2))
    return body + luhn_check_digit(body)


def is_valid_code(code: str, length: int = CODE_LENGTH) -> bool:
    return len(code) == length and code.isdigit() and luhn_check_digit(code[:-1]) == code[-1]

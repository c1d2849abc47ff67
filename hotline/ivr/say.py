"""Numbers said in Vietnamese from short prompts: the digits' own prompts plus mười, mươi, mốt,
lăm and tư (21 is "hai mươi mốt", 15 "mười lăm", 25 "hai mươi lăm", 24 "hai mươi tư"). Pure."""

from __future__ import annotations


def number_prompts(n: int) -> list[str]:
    """The prompts that say `n` (0 to 99)."""
    if not 0 <= n <= 99:
        raise ValueError(f"{n} is not between 0 and 99")
    if n < 10:
        return [f"digit_{n}"]
    tens, unit = divmod(n, 10)
    out = ["number_ten"] if tens == 1 else [f"digit_{tens}", "number_tens"]
    if unit == 0:
        return out
    if unit == 5:
        return out + ["number_five_after_tens"]
    if tens > 1 and unit == 1:
        return out + ["number_one_after_tens"]
    if tens > 1 and unit == 4:
        return out + ["number_four_after_tens"]
    return out + [f"digit_{unit}"]

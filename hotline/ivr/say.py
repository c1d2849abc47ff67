"""Numbers said in Vietnamese from short prompts: the digits' own prompts plus mười, mươi, mốt,
lăm and tư (21 is "hai mươi mốt", 15 "mười lăm", 25 "hai mươi lăm", 24 "hai mươi tư"); and the same
words as the sound files Asterisk's queues say numbers with. Pure."""

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


# Asterisk's own Vietnamese number syntax (main/say.c, ast_say_number_full_vi), which its queues
# use to say a caller's position and the expected wait: 0-19 are one file each, tens are
# "digits/20".."digits/90", then the unit, where 1, 4 and 5 after the tens are "digits/1a" (mốt),
# "digits/4a" (tư) and "digits/5a" (lăm); hundreds and thousands add "hundred", "odd" (lẻ),
# "thousand", "0-hundred" and "0-hundred-odd".
_HUNDREDS = {"digits/hundred": ("number_hundred",), "digits/odd": ("number_odd",),
             "digits/thousand": ("number_thousand",), "digits/0-hundred": ("digit_0", "number_hundred"),
             "digits/0-hundred-odd": ("digit_0", "number_hundred", "number_odd")}


def asterisk_number_texts(texts: dict[str, str]) -> dict[str, str]:
    """The sound files Asterisk says Vietnamese numbers with ("digits/15" -> "mười lăm"), worded
    from the prompts that `number_prompts` uses, so both say a number alike. Files whose words the
    prompts lack are left out (Asterisk then skips them)."""
    def words(names) -> str | None:
        parts = [texts.get(n, "").strip() for n in names]
        return " ".join(parts) if all(parts) else None

    wanted = {f"digits/{n}": number_prompts(n) for n in range(20)}
    wanted.update({f"digits/{t * 10}": number_prompts(t * 10) for t in range(2, 10)})
    wanted.update({"digits/1a": ["number_one_after_tens"], "digits/4a": ["number_four_after_tens"],
                   "digits/5a": ["number_five_after_tens"], **_HUNDREDS})
    return {name: text for name, names in wanted.items() if (text := words(names))}

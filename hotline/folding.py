"""Vietnamese text without its diacritics, for search: "Đường" and "duong" are the same word to a
caller typing on a phone. Unicode decomposition removes the tone and vowel marks; "đ" has no
decomposition (it is a letter of its own) and is mapped to "d" by hand."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """`text` without diacritics (case kept)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _letters() -> tuple[str, str]:
    """Every precomposed Latin letter with diacritics (Latin-1 to Latin Extended Additional, which
    holds Vietnamese) and its plain ASCII letter: the arguments of SQL's translate()."""
    src, dst = [], []
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        c = chr(code)
        plain = fold(c)
        if plain != c and len(plain) == 1 and plain.isascii() and plain.isalpha():
            src.append(c)
            dst.append(plain)
    return "".join(src), "".join(dst)


# For PostgreSQL: translate(text, SQL_FROM, SQL_TO) folds what fold() folds, in the database.
SQL_FROM, SQL_TO = _letters()


_PLAIN = str.maketrans(SQL_FROM, SQL_TO)


def search_form(text: str | None) -> str:
    """Lowercase and without diacritics, as the search indexes hold text (stored text is NFC):
    several times faster than `fold` over a table. SQLite calls it as hotline_fold()
    (hotline.store.db); PostgreSQL's hotline_fold() (migration 0040) does the same in SQL."""
    return (text or "").lower().translate(_PLAIN)

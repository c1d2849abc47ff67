"""Vietnamese text for search: folded (lower case, no diacritics, đ as d), cut into words, and
typing mistakes corrected against the words the knowledge base holds. Pure."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict

WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_WORDS = 12


def fold(text: str) -> str:
    """'Cấp giấy phép Xây dựng' → 'cap giay phep xay dung'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours), cut
    at `limit` + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    """The words of the approved articles, with a deletion index to find the words one typing
    mistake away from a query word (SymSpell's idea at distance 1, checked by `distance`)."""

    def __init__(self, terms: set[str] | None = None):
        self.terms: set[str] = set()
        self._by_delete: dict[str, set[str]] = defaultdict(set)
        self._sorted: list[str] | None = None  # for prefixes; rebuilt after words are added
        self.add(terms or set())

    def add(self, terms: set[str]) -> None:
        new = terms - self.terms
        for t in new:
            self.terms.add(t)
            for d in _deletes(t):
                self._by_delete[d].add(t)
        if new:
            self._sorted = None

    def __len__(self) -> int:
        return len(self.terms)

    def corrections(self, word: str) -> list[str]:
        """Known words within one typing mistake of `word` (none for a known word or one shorter
        than three letters, where a mistake cannot be told from another word)."""
        if word in self.terms or len(word) < 3:
            return []
        found = set(self._by_delete.get(word, ()))  # a letter too many in the query
        for d in _deletes(word):
            if d in self.terms:  # a letter missing
                found.add(d)
            found.update(self._by_delete.get(d, ()))  # a letter wrong or two swapped
        return sorted(t for t in found if distance(word, t, 1) <= 1)

    def has_prefix(self, prefix: str) -> bool:
        if self._sorted is None:
            self._sorted = sorted(self.terms)
        i = bisect.bisect_left(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)


def query_groups(query: str, vocabulary: Vocabulary) -> tuple[list[list[str]], bool]:
    """The query as groups of alternatives (a word and its corrections), and whether the last word
    is still being typed (then it matches as a prefix)."""
    ws = words(query)[:MAX_QUERY_WORDS]
    typing = bool(ws) and not query[-1:].isspace()
    groups = []
    for i, w in enumerate(ws):
        last = typing and i == len(ws) - 1
        if last and vocabulary.has_prefix(w):
            groups.append([w])
            continue
        groups.append([w, *vocabulary.corrections(w)])
    return groups, typing

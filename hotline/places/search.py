"""Search of communes as an operator or a citizen types, without diacritics: today's names and the
old ones (an old commune found shows the commune it became). Every word typed must begin a word of
the name; the last word may be unfinished. An index of word beginnings keeps each search well under
a millisecond with the whole country loaded (bench/address_search.py)."""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from functools import lru_cache

from hotline.places.divisions import Commune, Divisions, bare, folded
from hotline.places.history import History


@dataclass(frozen=True)
class Hit:
    commune: Commune
    old: str | None = None  # the old name that matched ("Xã Tân Công Chí, Huyện Tân Hồng, Tỉnh Đồng Tháp")

    def public(self) -> dict:
        return {**self.commune.public(), "old": self.old}


class PlaceIndex:
    def __init__(self, divisions: Divisions, history: History):
        # One entry per name: (words, commune, old label or None, the name with and without its kind),
        # in the order shown when nothing else decides: today's names first, then shorter ones.
        entries = [(folded(c.label), c, None, self._names(c.name)) for c in divisions.communes.values()]
        entries += [(folded(w.label), divisions.communes[code], w.label, self._names(w.name))
                    for w in history.wards for code in w.became]
        entries.sort(key=lambda e: (e[2] is not None, len(e[0]), e[0]))
        self.entries: list[tuple[str, Commune, str | None, tuple[str, str]]] = entries
        self.of_province: dict[int, list[int]] = {}
        by_word: dict[str, set[int]] = {}
        for i, (words, commune, _, _) in enumerate(entries):
            self.of_province.setdefault(commune.province_code, []).append(i)
            for word in words.split():
                by_word.setdefault(word, set()).add(i)
        self.words = sorted(by_word)
        self.postings = [frozenset(by_word[w]) for w in self.words]
        self._cached = lru_cache(maxsize=4096)(self._search)
        self._starting = lru_cache(maxsize=2048)(self._starting_uncached)

    @staticmethod
    def _names(name: str) -> tuple[str, str]:
        return folded(name), bare(name)

    def _starting_uncached(self, prefix: str) -> frozenset[int]:
        i = bisect.bisect_left(self.words, prefix)
        j = bisect.bisect_left(self.words, prefix + "~")  # "~" sorts after every letter and digit
        return frozenset().union(*self.postings[i:j])

    def search(self, query: str, province: int | None = None, limit: int = 10) -> list[Hit]:
        """Communes whose name (or old name) has words beginning with every word of `query`; the
        communes of `province` (the line's) first, exact names first, today's names before old ones."""
        return list(self._cached(" ".join(folded(query).split()[:8]), province, max(1, min(limit, 50))))

    def _search(self, query: str, province: int | None, limit: int) -> tuple[Hit, ...]:
        words = query.split()
        if not words or len(query) < 2:
            return ()
        found: frozenset[int] | None = None
        for word in sorted(words, key=len, reverse=True):  # longest first: the smallest sets
            ids = self._starting(word)
            found = ids if found is None else found & ids
            if not found:
                return ()
        assert found is not None
        # The line's province first (a few hundred names: ranked in full), then the rest in order.
        local = [i for i in self.of_province.get(province, ()) if i in found] if province is not None else []
        local.sort(key=lambda i: query not in self.entries[i][3])
        chosen = local[:limit]
        if len(chosen) < limit:
            wanted, taken = limit - len(chosen), set(local)
            if len(found) > 256:  # a broad query ("xa", "phu"): the first entries in order hold the answer
                for i in range(len(self.entries)):
                    if i in found and i not in taken:
                        chosen.append(i)
                        wanted -= 1
                        if not wanted:
                            break
            else:
                chosen += heapq.nsmallest(wanted, found.difference(taken))
        return tuple(Hit(self.entries[i][1], self.entries[i][2]) for i in chosen)

"""Which field (topic) a caller speaks about, from the words of the call: each of the line's fields
is described by its name, a few keywords and the words of the knowledge base's approved articles
filed under it; a word (or pair of neighbouring words) of the call counts for the fields that use
it, more when few fields use it. A field is suggested only when it clearly leads; the operator
chooses it with a click. Also the call's most telling words, to find articles with. Pure.

Words are folded (no diacritics, "đ" as "d", hotline/knowledge/text.py), so what the recogniser
writes with or without its marks counts the same."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hotline.knowledge.text import words

# Words that say nothing of a matter: greetings, pronouns, particles, the commonest verbs.
STOPWORDS = frozenset("""
a ah alo oi xin chao cam on vang da u uh nhe nha ha hi
toi em anh chi ong ba co chu bac minh ban no ta
la co khong duoc o va cua cho dang se bi thi ma nay do kia mot nhung cac voi de nho giup
roi nua lam rat cung con vi nen neu hay hoac gi nao sao the vay ay day ra vao len xuong
tong dai thoai goi hoi biet muon can phai nhieu it lai di tu tai ve
""".split())
# Every line's usual fields (config/queues/*.yaml) in a few words each, beside the words of their
# articles. A field the table does not name is described by its name and its articles.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "administrative_procedures": ("thủ tục hành chính", "hồ sơ", "giấy phép", "cấp giấy", "đăng ký", "chứng thực",
                                  "khai sinh", "hộ tịch", "căn cước", "sổ đỏ", "một cửa", "quyền sử dụng đất"),
    "infrastructure": ("hạ tầng", "đường", "cầu", "cống", "điện", "đèn đường", "chiếu sáng", "nước sạch", "ngập",
                       "thoát nước", "giao thông", "ổ gà", "sụt lún", "cây xanh", "mất điện", "mất nước"),
    "socio_economic": ("kinh tế", "xã hội", "dịch vụ công", "y tế", "bệnh viện", "trường học", "giáo dục",
                       "bảo hiểm", "trợ cấp", "hộ nghèo", "việc làm", "giá cả"),
    "investment": ("đầu tư", "dự án", "khu công nghiệp", "doanh nghiệp", "du lịch", "nhà đầu tư"),
}
NEVER = frozenset({"general"})  # the catch-all queue's field is the operator's own choice
# A keyword (or a pair of its words) counts as much as this many articles holding it, and a word
# counts fully from this weight on (one article's chance word counts a third).
NAME_WEIGHT = 3.0
PAIR_BONUS = 2.0  # two neighbouring words together say more than each alone ("den duong")
MIN_SCORE = 1.0  # below this a field is not suggested
LEAD = 1.5  # the best field must score this many times the second


def terms(text: str) -> tuple[list[str], list[str]]:
    """The words of `text` that may tell a matter (no stop words, two letters or more), and the
    pairs of neighbouring such words ("den duong")."""
    ws = words(text)
    singles = [w for w in ws if len(w) > 1 and w not in STOPWORDS]
    pairs = [f"{a} {b}" for a, b in zip(ws, ws[1:])
             if len(a) > 1 and len(b) > 1 and a not in STOPWORDS and b not in STOPWORDS]
    return singles, pairs


@dataclass(frozen=True)
class FieldGuess:
    field: str
    name: str
    score: float
    words: tuple[str, ...]  # the call's words that weighed most for it, folded

    def as_dict(self) -> dict:
        return {"id": self.field, "name": self.name, "score": round(self.score, 2), "words": list(self.words)}


class FieldGuide:
    """The fields' words. `articles`: (field, text) of each approved article (question and answer)."""

    def __init__(self, topics: dict[str, str], articles: Iterable[tuple[str, str]],
                 keywords: dict[str, tuple[str, ...]] | None = None):
        self.names = {f: n for f, n in topics.items() if f not in NEVER}
        keywords = KEYWORDS if keywords is None else keywords
        self.weight: dict[str, Counter] = {f: Counter() for f in self.names}
        for field, name in self.names.items():
            for phrase in (name, *keywords.get(field, ())):
                singles, pairs = terms(phrase)
                for t in set(singles):  # "thu" of "thủ tục" alone is another word ("thu gom")
                    self.weight[field][t] += NAME_WEIGHT if len(singles) == 1 else 1.0
                for t in set(pairs):
                    self.weight[field][t] += NAME_WEIGHT
        self.in_articles: Counter = Counter()  # how many articles hold each word
        self.articles = 0
        for field, text in articles:
            singles, pairs = terms(text)
            self.articles += 1
            self.in_articles.update(set(singles))
            if field in self.weight:
                self.weight[field].update(set(singles) | set(pairs))
        self.fields_of: dict[str, list[str]] = defaultdict(list)
        for field, counts in self.weight.items():
            for t in counts:
                self.fields_of[t].append(field)

    def guess(self, text: str) -> FieldGuess | None:
        """The field `text` is most likely about, when it clearly leads the others; else None."""
        singles, pairs = terms(text)
        scores: Counter = Counter()
        evidence: dict[str, Counter] = defaultdict(Counter)
        n = len(self.names)
        for t in set(singles) | set(pairs):
            fields = self.fields_of.get(t)
            if not fields:
                continue
            total = sum(self.weight[f][t] for f in fields)
            # Rarer among the fields tells more; a word one article holds, less than a keyword.
            rarity = (math.log(1 + n / len(fields)) * (PAIR_BONUS if " " in t else 1.0)
                      * min(1.0, total / NAME_WEIGHT))
            for f in fields:
                share = self.weight[f][t] / total * rarity
                scores[f] += share
                evidence[f][t] += share
        ranked = scores.most_common(2)
        if not ranked or ranked[0][1] < MIN_SCORE:
            return None
        best, score = ranked[0]
        if len(ranked) > 1 and score < LEAD * ranked[1][1]:
            return None
        said = tuple(t for t, _ in evidence[best].most_common(5))
        return FieldGuess(best, self.names[best], score, said)

    def key_words(self, text: str, most: int = 10) -> list[str]:
        """The words of `text` that the articles hold, the most telling first: those said more
        often, then those fewer articles hold (the search's words for articles)."""
        singles, _ = terms(text)
        said = Counter(w for w in singles if self.in_articles[w])
        if not said:
            return []
        rarity = {w: math.log(1 + self.articles / self.in_articles[w]) for w in said}
        return sorted(said, key=lambda w: (-said[w] * rarity[w], w))[:most]

"""Automatic pre-checks of a call against the scorecard, from the operator's side of the transcript
(pure: no I/O). Each is a suggestion for the supervisor ("gợi ý tự động"), never the score: a
recogniser mishears, and only listening decides.

A suggestion is {"criterion", "passed": True | False | None, "reason"}; None where words cannot
tell (a manual criterion, no transcript of the operator, no ticket code to read back)."""

from __future__ import annotations

import re

from hotline.config.scorecard import Criterion, Scorecard
from hotline.folding import fold

TOKEN = re.compile(r"\w+", re.UNICODE)
# Vietnamese digit words (without diacritics, as compared): how a ticket code is read aloud.
DIGIT_WORDS = {"khong": "0", "linh": "0", "le": "0", "mot": "1", "hai": "2", "ba": "3", "bon": "4",
               "tu": "4", "nam": "5", "lam": "5", "nham": "5", "sau": "6", "bay": "7", "tam": "8", "chin": "9"}


def tokens(text: str) -> list[str]:
    """Words without diacritics, lower case."""
    return TOKEN.findall(fold(text).lower())


def operator_words(words: list[dict]) -> list[str]:
    """The operator's side of a transcript (its entries {"ch", "w", ...}: a word or a segment) as
    words, in the order said."""
    out: list[str] = []
    for w in sorted((w for w in words if w.get("ch") == "operator"), key=lambda w: w.get("s", 0)):
        out.extend(tokens(str(w.get("w", ""))))
    return out


def _find(said: list[str], phrase: str) -> int | None:
    """Where the phrase (as whole words) starts in `said`, or None."""
    want = tokens(phrase)
    n = len(want)
    for i in range(len(said) - n + 1):
        if said[i:i + n] == want:
            return i
    return None


def _digit_runs(said: list[str]) -> list[str]:
    """The digits said in a row, in figures or in words ("hai sáu một 1" is 2611)."""
    runs, run = [], ""
    for w in said:
        d = w if w.isdigit() else DIGIT_WORDS.get(w)
        if d is None:
            if run:
                runs.append(run)
            run = ""
        else:
            run += d
    if run:
        runs.append(run)
    return runs


def check(c: Criterion, said: list[str], codes: list[str]) -> dict:
    out = {"criterion": c.id, "passed": None, "reason": ""}
    if c.check == "manual":
        out["reason"] = "Cần nghe để đánh giá"
    elif not said:
        out["reason"] = "Không có lời thoại của tổng đài"
    elif c.check == "greeting":
        first = said[:c.within_words]
        hit = next((p for p in c.phrases if _find(first, p) is not None), None)
        out["passed"] = hit is not None
        out["reason"] = (f"Có “{hit}” trong {c.within_words} từ đầu" if hit else
                         f"Không có {' / '.join('“' + p + '”' for p in c.phrases)} trong {c.within_words} từ đầu")
    elif c.check == "required":
        hit = next((p for p in c.phrases if _find(said, p) is not None), None)
        out["passed"] = hit is not None
        out["reason"] = f"Có “{hit}”" if hit else f"Không nghe thấy {' / '.join('“' + p + '”' for p in c.phrases)}"
    elif c.check == "forbidden":
        hits = [p for p in c.phrases if _find(said, p) is not None]
        out["passed"] = not hits
        out["reason"] = ("Có " + ", ".join(f"“{p}”" for p in hits)) if hits else "Không có từ ngữ trong danh sách"
    elif c.check == "ticket_code":
        wanted = [(code, re.sub(r"\D", "", code)) for code in codes if re.sub(r"\D", "", code)]
        if not wanted:
            out["reason"] = "Cuộc gọi không có phiếu"
        else:
            runs = _digit_runs(said)
            read = next((code for code, digits in wanted if any(digits in r for r in runs)), None)
            out["passed"] = read is not None
            out["reason"] = (f"Đã đọc mã {read}" if read else
                             "Không nghe thấy mã " + ", ".join(code for code, _ in wanted))
    return out


def prechecks(card: Scorecard, words: list[dict] | None, codes: list[str]) -> list[dict]:
    """One suggestion per criterion of `card` for a call whose transcript entries are `words`
    (None: not transcribed) and whose tickets have `codes`."""
    said = operator_words(words or [])
    return [check(c, said, codes) for c in card.criteria]


def score(card: Scorecard, marks: dict[str, bool | None]) -> float | None:
    """The weighted score out of 100 of a supervisor's marks (criterion → passed, or None: does
    not apply, left out of the total). None when no criterion applies."""
    applicable = [(c.weight, marks[c.id]) for c in card.criteria if marks.get(c.id) is not None]
    total = sum(w for w, _ in applicable)
    if not total:
        return None
    return round(100 * sum(w for w, passed in applicable if passed) / total, 1)


def finding(card: Scorecard, marks: dict[str, bool | None]) -> str | None:
    """The verdict of the recordings' weekly check this scoring stands for, where the card names
    findings (Đồng Nai): the first failed criterion's finding, else "correct"; None otherwise."""
    named = [c for c in card.criteria if c.finding]
    if not named:
        return None
    failed = next((c.finding for c in named if marks.get(c.id) is False), None)
    return failed or "correct"

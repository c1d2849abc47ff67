"""The profile's alert phrases found in what was said: compared without diacritics, case or
punctuation, as whole words ("lũ" is in "nước lũ dâng" but not in "lũy tre"). Pure functions."""

from __future__ import annotations

import re

from hotline.folding import fold

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).lower())


class AlertMatcher:
    def __init__(self, phrases: list[str]):
        self.phrases = [(p, words(p)) for p in phrases if words(p)]

    def find(self, text: str) -> list[str]:
        """The phrases (as the profile writes them) said in `text`, in the profile's order."""
        said = words(text)
        found = []
        for phrase, ws in self.phrases:
            n = len(ws)
            if any(said[i:i + n] == ws for i in range(len(said) - n + 1)):
                found.append(phrase)
        return found

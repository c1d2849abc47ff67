"""Places in Vietnam's administrative structure since 1 July 2025: 34 provinces, each with its
communes, wards and special zones (no districts). The divisions come from the data package
`vietnam-provinces` (`divisions.py`); the names people still say, the communes, districts and
provinces before the 2025 mergers, and the commune each became, from `vietnam-address-converter`
(`history.py`); search by typing without diacritics over both (`search.py`)."""

from __future__ import annotations

from functools import lru_cache

from hotline.places.divisions import Commune, Divisions, Province, load_divisions
from hotline.places.history import Conversion, History
from hotline.places.search import Hit, PlaceIndex

__all__ = ["Commune", "Conversion", "Divisions", "Hit", "PlaceIndex", "Places", "Province", "places"]


class Places:
    """Everything above, loaded once: the divisions, the old names and the search index."""

    def __init__(self, divisions: Divisions, history: History):
        self.divisions = divisions
        self.history = history
        self.index = PlaceIndex(divisions, history)

    def commune(self, code: int | None) -> Commune | None:
        return self.divisions.communes.get(code) if code is not None else None

    def search(self, query: str, province: int | None = None, limit: int = 10) -> list[Hit]:
        return self.index.search(query, province, limit)

    def convert(self, text: str) -> Conversion:
        return self.history.convert(text)


@lru_cache(maxsize=1)
def places() -> Places:
    """The country's places, built on first use (about a second: call it at start-up, not on a
    request) and shared by the whole process (the data never changes while it runs)."""
    divisions = load_divisions()
    return Places(divisions, History.load(divisions))

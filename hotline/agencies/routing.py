"""Which agency answers for a matter, from its place and its field: the order in which the
transfer list, the slip and the ticket form suggest agencies. Plain Python, no I/O.

A matter is the commune's when an agency serving that commune (its People's Committee) handles the
field: that agency comes first. Otherwise it is the province's: the department handling the field
(an agency serving no commune in particular serves the whole province) comes first, and the
commune's own agencies follow. Agencies serving other communes are never suggested."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.places import Commune


@dataclass
class Listing:
    """An agency as the directory lists it: with its contacts, the communes it serves, and why it
    is suggested for the matter at hand (None: not suggested)."""

    agency: object  # hotline.store.agencies.Agency
    contacts: list = field(default_factory=list)
    communes: list[int] = field(default_factory=list)
    suggested: str | None = None


def rank(listing: Listing, commune: Commune | None, topic: str | None) -> tuple[int, str | None]:
    """(order, reason): lower first; a reason for the suggested ones, in Vietnamese for the operator."""
    fields = listing.agency.field_list
    handles = bool(topic) and topic in fields
    serves_here = commune is not None and commune.code in listing.communes
    province_wide = not listing.communes
    if serves_here and (handles or not topic):
        return 0, f"Phụ trách {commune.name}" + (" và lĩnh vực này" if handles else "")
    if handles and province_wide:
        return 1, "Cơ quan cấp tỉnh phụ trách lĩnh vực này"
    if serves_here:
        return 2, f"Phụ trách {commune.name}"
    if handles and commune is None:
        return 3, None
    return 4, None


def suggest(listings: list[Listing], commune: Commune | None, topic: str | None) -> list[Listing]:
    """`listings` in the order to offer them, the suggested ones first with their reason. Without a
    commune or a field nothing is suggested and the order is the directory's (by name)."""
    if commune is None and not topic:
        for item in listings:
            item.suggested = None
        return listings
    ranked = []
    for position, item in enumerate(listings):
        order, reason = rank(item, commune, topic)
        item.suggested = reason
        ranked.append((order, position, item))
    return [item for _, _, item in sorted(ranked, key=lambda r: r[:2])]

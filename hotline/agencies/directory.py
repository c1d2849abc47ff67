"""The agency directory in the store: search, read, create, update."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.agencies.routing import Listing, suggest
from hotline.agencies.schemas import AgencyIn, folded
from hotline.errors import Refused
from hotline.places import places
from hotline.store.agencies import Agency, AgencyCommune, AgencyContact


def agency_public(a: Agency, contacts: list[AgencyContact], with_phones: bool, communes: list[int] | None = None,
                  suggested: str | None = None) -> dict:
    """An agency as the desktop shows it. Contacts' phone numbers are personal: only for
    administrators; others see names and roles. The agency's own number is public information."""
    known = places().divisions.communes
    return {"id": a.id, "name": a.name, "level": a.level, "fields": a.field_list,
            "phone": a.phone, "route": a.route, "active": a.active,
            "communes": [known[c].public() for c in communes or [] if c in known],
            "suggested": suggested,
            "contacts": [{"id": c.id, "role": c.role, "name": c.name,
                          **({"phone": c.phone, "email": c.email} if with_phones else {})}
                         for c in contacts]}


def listing_public(item: Listing, with_phones: bool) -> dict:
    return agency_public(item.agency, item.contacts, with_phones, item.communes, item.suggested)


class AgencyDirectory:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def search(self, query: str = "", field: str | None = None, include_inactive: bool = False,
                     limit: int = 50) -> list[tuple[Agency, list[AgencyContact]]]:
        """Agencies whose name (diacritics ignored) contains every word of `query`, and that
        handle `field` if given. The directory is small (hundreds): filtered in Python."""
        words = folded(query).split()
        async with self.sessions() as s:
            q = select(Agency).order_by(Agency.name)
            if not include_inactive:
                q = q.where(Agency.active.is_(True))
            agencies = [a for a in await s.scalars(q)
                        if all(w in folded(a.name) for w in words)
                        and (not field or field in a.field_list)][:limit]
            contacts = await self._contacts(s, [a.id for a in agencies])
        return [(a, contacts.get(a.id, [])) for a in agencies]

    async def find(self, query: str = "", field: str | None = None, include_inactive: bool = False,
                   commune: int | None = None, topic: str | None = None, limit: int = 50) -> list[Listing]:
        """As `search`, with the communes each agency serves, the agencies responsible for a matter
        in `commune` and `topic` first (hotline.agencies.routing) with the reason."""
        found = await self.search(query, field, include_inactive, limit=10000)
        async with self.sessions() as s:
            served = await self._communes(s, [a.id for a, _ in found])
        listings = [Listing(a, c, served.get(a.id, [])) for a, c in found]
        return suggest(listings, places().commune(commune), topic)[:limit]

    async def _communes(self, s, ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if ids:
            for row in await s.execute(select(AgencyCommune.agency_id, AgencyCommune.commune_code)
                                       .where(AgencyCommune.agency_id.in_(ids))
                                       .order_by(AgencyCommune.commune_code)):
                out.setdefault(row.agency_id, []).append(row.commune_code)
        return out

    async def listing(self, agency_id: int) -> Listing | None:
        found = await self.get(agency_id)
        if found is None:
            return None
        async with self.sessions() as s:
            return Listing(*found, (await self._communes(s, [agency_id])).get(agency_id, []))

    async def _contacts(self, s, ids: list[int]) -> dict[int, list[AgencyContact]]:
        out: dict[int, list[AgencyContact]] = {}
        if ids:
            for c in await s.scalars(select(AgencyContact).where(AgencyContact.agency_id.in_(ids))
                                     .order_by(AgencyContact.id)):
                out.setdefault(c.agency_id, []).append(c)
        return out

    async def get(self, agency_id: int) -> tuple[Agency, list[AgencyContact]] | None:
        async with self.sessions() as s:
            a = await s.get(Agency, agency_id)
            if a is None:
                return None
            return a, (await self._contacts(s, [a.id])).get(a.id, [])

    async def save(self, data: AgencyIn, agency_id: int | None = None) -> tuple[Agency, list[AgencyContact]]:
        """Create (no id) or replace an agency and its contacts."""
        try:
            async with self.sessions() as s, s.begin():
                if agency_id is None:
                    a = Agency()
                    s.add(a)
                else:
                    a = await s.get(Agency, agency_id)
                    if a is None:
                        raise Refused(404, "Không có cơ quan này")
                    await s.execute(delete(AgencyContact).where(AgencyContact.agency_id == agency_id))
                    if data.communes is not None:
                        await s.execute(delete(AgencyCommune).where(AgencyCommune.agency_id == agency_id))
                a.name, a.level, a.fields = data.name, data.level, ",".join(data.fields)
                a.phone, a.route, a.active = data.phone, data.route, data.active
                await s.flush()
                contacts = [AgencyContact(agency_id=a.id, role=c.role, name=c.name, phone=c.phone, email=c.email)
                            for c in data.contacts]
                s.add_all(contacts)
                s.add_all(AgencyCommune(agency_id=a.id, commune_code=c) for c in data.communes or [])
        except IntegrityError as exc:
            raise Refused(409, "Đã có cơ quan cùng tên") from exc
        return a, contacts

    async def contact(self, agency_id: int, role: str) -> AgencyContact | None:
        async with self.sessions() as s:
            return await s.scalar(select(AgencyContact).where(AgencyContact.agency_id == agency_id,
                                                              AgencyContact.role == role)
                                  .order_by(AgencyContact.id).limit(1))

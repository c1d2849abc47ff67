"""Demo data for a first look and for the tests: two tickets, four fictitious agencies, and one
account per role with passwords generated per installation (never in the repository)."""

from __future__ import annotations

import logging
import secrets
import tomllib

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.agent_desktop.accounts import Accounts
from hotline.config.profile import Profile
from hotline.config.statuses import TicketStatus
from hotline.credentials import write_private
from hotline.settings import Settings
from hotline.ticketing.store import TicketStore

log = logging.getLogger(__name__)

DEMO_TICKETS = [
    ("26112029", TicketStatus.IN_PROGRESS, "infrastructure", "0912345678",
     "Đèn chiếu sáng đường Nguyễn Huệ bị hỏng"),
    ("26112037", TicketStatus.ANSWERED, "administrative_procedures", "0987654321",
     "Hỏi thủ tục cấp giấy phép xây dựng"),
]


# Demo agencies (fictitious people and numbers), dialled through the `local` route where
# `hotline agency-phone` answers.
DEMO_AGENCIES = [
    {"name": "Sở Giao thông vận tải", "level": "province", "fields": ["infrastructure"], "phone": "02773851001",
     "contacts": [{"role": "focal_point", "name": "Nguyễn Văn Bình", "phone": "0911000001"},
                  {"role": "head", "name": "Trần Thị Cúc", "phone": "0911000002"}]},
    {"name": "Công ty Điện lực Đồng Tháp", "level": "public_service", "fields": ["infrastructure"],
     "phone": "02773851002", "contacts": [{"role": "focal_point", "name": "Lê Văn Dũng", "phone": "0911000003"},
                                          {"role": "head", "name": "Phạm Thị Én", "phone": "0911000004"}]},
    {"name": "Sở Tài nguyên và Môi trường", "level": "province", "fields": ["socio_economic", "investment"],
     "phone": "02773851003", "contacts": [{"role": "focal_point", "name": "Võ Văn Giang", "phone": "0911000005"},
                                          {"role": "head", "name": "Đặng Thị Hoa", "phone": "0911000006"}]},
    {"name": "UBND phường Cao Lãnh", "level": "commune", "fields": ["administrative_procedures"],
     "phone": "02773851004", "contacts": [{"role": "focal_point", "name": "Huỳnh Văn Khoa", "phone": "0911000007"},
                                          {"role": "head", "name": "Bùi Thị Lan", "phone": "0911000008"}]},
]


async def seed_demo(store: TicketStore, directory: AgencyDirectory) -> None:
    for code, status, topic, phone, content in DEMO_TICKETS:
        if await store.status_by_code(code) is None:
            await store.create_ticket(code=code, status=status, topic=topic, caller_phone=phone, content=content)
            log.info("demo ticket %s (%s)", code, status)
    existing = {a.name for a, _ in await directory.search(include_inactive=True, limit=10000)}
    for data in DEMO_AGENCIES:
        if data["name"] not in existing:
            await directory.save(AgencyIn.model_validate(data))


async def demo_accounts(settings: Settings, accounts: Accounts, profile: Profile,
                        directory: AgencyDirectory | None = None) -> dict[str, str]:
    """Demo users (one per operator endpoint, plus a supervisor) with passwords generated per
    installation and kept in `<home>/demo-accounts.toml` (mode 0600), never in the repository."""
    path = settings.home / "demo-accounts.toml"
    known = tomllib.loads(path.read_text()) if path.exists() else {}
    wanted = [(o.id, o.name, "operator", o.id) for o in profile.queues.operators]
    sup_phone = profile.queues.supervisors[0].id if profile.queues.supervisors else None
    wanted.append(("giamsat", "Giám sát viên", "supervisor", sup_phone))
    wanted.append(("quantri", "Quản trị viên", "admin", None))
    agency_id = None
    if directory is not None:
        found = await directory.search(DEMO_AGENCIES[0]["name"])
        agency_id = found[0][0].id if found else None
    if agency_id:
        wanted.append(("daumoi", DEMO_AGENCIES[0]["contacts"][0]["name"], "agency", None))
    for username, name, role, operator_id in wanted:
        if username not in known:
            known[username] = secrets.token_urlsafe(9)
            if await accounts.user_exists(username):
                await accounts.set_password(username, known[username])
        if not await accounts.user_exists(username):
            await accounts.create_user(username, name, role, known[username], operator_id,
                                       agency_id=agency_id if role == "agency" else None)
    write_private(path, "# Demo accounts of this installation: username = password\n"
                  + "".join(f'{u} = "{p}"\n' for u, p in known.items()))
    return known

"""Demo data for a first look and for the tests: two tickets, four fictitious agencies, knowledge
base articles and applications to look up, and one account per role with passwords generated per installation (never in the repository)."""

from __future__ import annotations

import logging
import secrets
import tomllib

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.agent_desktop.accounts import Accounts
from hotline.applications.table_source import TableSource
from hotline.knowledge.articles import ArticleText, Editor, KnowledgeBase
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
    # A commune's People's Committee serves its commune (code 29869: Phường Cao Lãnh, Đồng Tháp):
    # suggested first for the commune's matters in its fields.
    {"name": "UBND phường Cao Lãnh", "level": "commune", "fields": ["administrative_procedures"],
     "phone": "02773851004", "communes": [29869],
     "contacts": [{"role": "focal_point", "name": "Huỳnh Văn Khoa", "phone": "0911000007"},
                  {"role": "head", "name": "Bùi Thị Lan", "phone": "0911000008"}]},
]


async def seed_demo(store: TicketStore, directory: AgencyDirectory, topics: dict[str, str]) -> None:
    """Demo tickets and agencies, within the profile's fields (`topics`: the line's topics)."""
    for code, status, topic, phone, content in DEMO_TICKETS:
        topic = topic if topic in topics else None
        if await store.status_by_code(code) is None:
            await store.create_ticket(code=code, status=status, topic=topic, caller_phone=phone, content=content)
            log.info("demo ticket %s (%s)", code, status)
    existing = {a.name for a, _ in await directory.search(include_inactive=True, limit=10000)}
    for data in DEMO_AGENCIES:
        if data["name"] not in existing:
            await directory.save(AgencyIn.model_validate({**data, "fields": [f for f in data["fields"] if f in topics]}))


DEMO_ARTICLES = [
    ("administrative_procedures", "Cấp giấy phép xây dựng nhà ở riêng lẻ",
     "Nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả của UBND cấp huyện nơi xây dựng, hoặc trực tuyến trên "
     "Cổng dịch vụ công. Thời hạn giải quyết 15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ.",
     "Đơn đề nghị cấp giấy phép xây dựng; bản sao giấy tờ về quyền sử dụng đất; hai bộ bản vẽ thiết kế.",
     "Theo Nghị quyết của HĐND tỉnh", "15/2021/NĐ-CP"),
    ("administrative_procedures", "Đăng ký khai sinh cho trẻ em",
     "Cha, mẹ hoặc người thân đăng ký tại UBND cấp xã nơi cư trú trong 60 ngày kể từ ngày sinh; "
     "giải quyết ngay trong ngày nhận hồ sơ.", "Tờ khai theo mẫu; giấy chứng sinh.", "Miễn lệ phí",
     "123/2015/NĐ-CP"),
    ("infrastructure", "Báo đèn chiếu sáng công cộng bị hỏng",
     "Tổng đài viên ghi nhận vị trí (tên đường, số nhà gần nhất) và chuyển đơn vị quản lý chiếu sáng; "
     "sự cố được khắc phục trong 2 ngày làm việc.", "", "", ""),
]
DEMO_APPLICATIONS = ("code,status,procedure,agency,received_on,due_on\n"
                     "H18.22-261120-0001,in_progress,Cấp giấy phép xây dựng,UBND TP Cao Lãnh,20/11/2026,04/12/2026\n"
                     "H18.22-261121-0003,ready,Đăng ký hộ kinh doanh,UBND TP Cao Lãnh,21/11/2026,28/11/2026\n")


async def seed_knowledge(kb: KnowledgeBase, applications: TableSource) -> None:
    """Approved articles for the operators' panel and the FAQ, and two applications to look up
    (receipt numbers 18222611200001 and 18222611210003 on the phone)."""
    editor = Editor("demo", "supervisor")
    if await kb.listing(editor, limit=1):
        return
    for field, question, answer, papers, fees, document in DEMO_ARTICLES:
        if field not in kb.topics:  # not a field of this profile's line
            continue
        v = await kb.save(editor, ArticleText(field=field, question=question, answer=answer, papers=papers, fees=fees,
                                              legal_document=document))
        await kb.submit(editor, v.id)
        await kb.review(editor, v.id, True, "Dữ liệu minh họa")
    await applications.import_rows(DEMO_APPLICATIONS.encode(), "demo.csv")


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
    wanted.append(("vanphong", profile.office.name[:120], "office", None))
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

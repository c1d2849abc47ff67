"""What the citizen is told while a report is handled (real store, SQLite and PostgreSQL):
a new completion date with its reason in every profile (Đồng Tháp Art. 9.3, HCMC Art. 7.2b), the
reason when the deadline has passed (Thanh Hóa Art. 12.4), the agency a report was forwarded to
(Quảng Ninh step 1.2), and the public timeline of a published result (HCMC Art. 8.2, Quảng Ninh
Art. 7.2), which names agencies and dates and nothing personal."""

import re
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.notifications.sms import MAX_SEGMENTS, segments
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.ticketing.attachments import Attachments, Upload
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province
from tests.store.test_workflow_profiles import MONDAY_9AM, PNG, local

REASON = "Cần khảo sát hiện trường và chờ vật tư thay thế từ nhà cung cấp"
# The step an agency holds after the transfer, and the topic that leads there.
TRANSFER = {"dong_thap": "infrastructure", "dong_nai": "infrastructure", "quang_ninh": "infrastructure",
            "thanh_hoa": "infrastructure", "ho_chi_minh": "socio_economic"}


class Site:
    """The citizen's pages of a province, served by a real HTTP server."""

    def __init__(self, sessions, p, tmp_path):
        self.app = web.Application()
        PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(self.app.router)

    async def __aenter__(self):
        self.server = TestServer(self.app)
        await self.server.start_server()
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc):
        await self.http.close()
        await self.server.close()

    async def lookup(self, code: str) -> str:
        async with self.http.post(self.server.make_url("/tra-cuu"), data={"code": code, "phone": CITIZEN_PHONE}) as r:
            assert r.status == 200
            return await r.text()

    async def results(self) -> str:
        async with self.http.get(self.server.make_url("/ket-qua")) as r:
            assert r.status == 200
            return await r.text()


def entries(html: str, list_id: str) -> list[str]:
    """The timeline's lines as text, tags removed."""
    block = re.search(rf'<ol class="timeline" id="{list_id}">(.*?)</ol>', html, re.S)
    assert block, f"no timeline {list_id}"
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


@pytest.mark.parametrize("profile", ["dong_thap", "ho_chi_minh", "quang_ninh", "thanh_hoa", "dong_nai"])
async def test_a_new_completion_date_reaches_the_citizen_with_its_reason(sessions, tmp_path, profile):
    p = await province(sessions, tmp_path, profile)
    t = await p.receive(MONDAY_9AM, topic=TRANSFER[profile])
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    if profile == "quang_ninh":  # the specialist takes it up first (step 2.1)
        t = await p.handling.act(t.id, "take_up", p.staff, Payload(), now=MONDAY_9AM + timedelta(hours=1))
    if profile == "ho_chi_minh":  # a progress update comes with photos (Art. 7.2b)
        files = Attachments(sessions, tmp_path / "attachments")
        await files.save(t.id, files.check([Upload("tien-do.png", PNG)]), "dungle", MONDAY_9AM + timedelta(hours=1))
    new_date = local(2026, 12, 4, 16, 30)
    t = await p.handling.act(t.id, "reschedule", p.staff, Payload(date=new_date, reason=REASON),
                             now=MONDAY_9AM + timedelta(hours=2))
    _, sms, _ = await p.ticket(t.id)
    delay = [m for m in sms if m.purpose == "delay"]
    assert len(delay) == 1 and delay[0].to_number == CITIZEN_PHONE
    assert f"{t.code} sẽ được trả lời trước 16:30 04/12/2026" in delay[0].text
    assert "Lý do: Cần khảo sát hiện trường" in delay[0].text and segments(delay[0].text) <= MAX_SEGMENTS
    assert f"/p/{t.public_secret}" in delay[0].text

    async with Site(sessions, p, tmp_path) as site:
        own = entries(await site.lookup(t.code), "t-timeline")
    assert own[0].endswith("Tiếp nhận phản ánh") and "Công ty Điện lực" in own[1]
    delay = [e for e in own if "hẹn trả lời trước" in e]
    assert len(delay) == 1 and "hẹn trả lời trước 16:30 04/12/2026" in delay[0] and REASON in delay[0]


async def test_past_its_deadline_the_agency_says_why_and_the_citizen_is_told(sessions, tmp_path):
    p = await province(sessions, tmp_path, "thanh_hoa")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    assert "explain_delay" not in p.handling.allowed(t, p.staff, MONDAY_9AM)  # only once it is late
    assert await p.handling.deadlines.scan(MONDAY_9AM + timedelta(days=15)) == [(t.code, "overdue")]
    t = await p.handling.act(t.id, "explain_delay", p.staff, Payload(reason="Chờ kết quả giám định của Sở Y tế"),
                             now=MONDAY_9AM + timedelta(days=15, hours=1))
    assert t.status == "overdue"  # still to be answered
    _, sms, _ = await p.ticket(t.id)
    assert [m.text for m in sms if m.purpose == "delay"] == [
        f"Phản ánh mã số {t.code} chưa được trả lời đúng hạn. Lý do: Chờ kết quả giám định của Sở Y tế. "
        f"Chi tiết: https://1022.example.vn/p/{t.public_secret}"]


async def test_quang_ninh_tells_the_citizen_where_the_report_went(sessions, tmp_path):
    qn = await province(sessions, tmp_path, "quang_ninh")
    t = await qn.receive(MONDAY_9AM)
    await qn.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=qn.agency_id), now=MONDAY_9AM)
    _, sms, _ = await qn.ticket(t.id)
    assert [(m.to_number, m.purpose) for m in sms if m.to_number == CITIZEN_PHONE] == [
        (CITIZEN_PHONE, "receipt"), (CITIZEN_PHONE, "forwarded")]
    assert "đã được chuyển đến Công ty Điện lực để xử lý" in sms[-2 if sms[-1].to_number != CITIZEN_PHONE else -1].text


async def test_dong_thap_sends_no_forwarding_notice(sessions, tmp_path):
    """Đồng Tháp's rules do not ask for one: the citizen's messages are the receipt and the result."""
    dt = await province(sessions, tmp_path, "dong_thap")
    t = await dt.receive(MONDAY_9AM)
    await dt.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=dt.agency_id), now=MONDAY_9AM)
    _, sms, _ = await dt.ticket(t.id)
    assert [m.purpose for m in sms if m.to_number == CITIZEN_PHONE] == ["receipt"]


async def test_a_published_result_shows_its_timeline_and_nothing_personal(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    t = await p.receive(MONDAY_9AM, content="Đèn đường hỏng trước nhà ông Nguyễn Văn An, số 12 Nguyễn Huệ")
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    # The focal point lets 8 working hours pass: the head has it.
    assert await p.handling.deadlines.scan(local(2026, 11, 17, 9, 1)) == [(t.code, "head")]
    t = await p.handling.act(t.id, "reschedule", p.staff, Payload(date=local(2026, 11, 27, 16, 0), reason=REASON),
                             now=local(2026, 11, 17, 10, 0))
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã thay bóng đèn ngày 19/11."),
                             now=local(2026, 11, 26, 15, 0))
    assert t.published_at is not None

    async with Site(sessions, p, tmp_path) as site:
        html = await site.results()
    lines = entries(html, f"timeline-{t.code}")
    assert lines == ["09:00 16/11/2026 Tiếp nhận phản ánh",
                     "09:00 16/11/2026 Chuyển cơ quan xử lý: Công ty Điện lực",
                     "09:01 17/11/2026 Đã chuyển Thủ trưởng",
                     "10:00 17/11/2026 Hẹn lại · hẹn trả lời trước 16:00 27/11/2026",
                     "15:00 26/11/2026 Trả lời người dân"]
    for personal in ("Nguyễn Văn An", CITIZEN_PHONE, REASON):  # the agency's reason is the citizen's own to read
        assert personal not in html


async def test_quang_ninh_timeline_shows_the_leaders_approval(sessions, tmp_path):
    p = await province(sessions, tmp_path, "quang_ninh")
    t = await p.receive(MONDAY_9AM)
    t = await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MONDAY_9AM)
    t = await p.handling.act(t.id, "take_up", p.staff, Payload(), now=MONDAY_9AM + timedelta(hours=1))
    t = await p.handling.act(t.id, "answer", p.staff, Payload(result="Đã xử lý"), now=MONDAY_9AM + timedelta(hours=4))
    t = await p.handling.act(t.id, "approve", p.leader, Payload(), now=MONDAY_9AM + timedelta(hours=5))
    async with Site(sessions, p, tmp_path) as site:
        lines = entries(await site.results(), f"timeline-{t.code}")
    assert [line.split(" ", 2)[2] for line in lines] == [
        "Tiếp nhận phản ánh", "Chuyển cơ quan xử lý: Công ty Điện lực", "Tiếp nhận xử lý", "Trình kết quả",
        "Phê duyệt"]

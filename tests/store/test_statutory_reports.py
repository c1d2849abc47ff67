"""Statutory reports on their dates (Đồng Tháp Art. 11.2/17; Quảng Ninh Art. 8.6-8.7; HCMC Art. 10.2
and 13; Thanh Hóa Art. 14.2), on a real store (SQLite and PostgreSQL) and a real SMTP server
(aiosmtpd): on a simulated clock across a month end, each profile's monthly report is made once,
kept as a file, and delivered with it to every recipient; HCMC's quarterly report ranks units."""

import email
import email.policy
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.notifications.email import EmailSender
from hotline.reports.statutory import StatutoryReports, latest_slot
from hotline.settings import Email
from hotline.store.outbox import EmailMessage
from hotline.store.reports import StatutoryReportRow
from hotline.ticketing.handling import Payload
from hotline.errors import Refused
from tests.store.support import CITIZEN, OFFICE, OPERATOR, province
from tests.store.test_weekly_report import smtp  # noqa: F401  (the SMTP server fixture)

UTC = timezone.utc


def local(*a) -> datetime:
    return datetime(*a, tzinfo=UTC) - timedelta(hours=7)


def cells(data: bytes) -> list[list]:
    """The sheet's rows, without the empty cells a sheet pads them with."""
    out = []
    for r in load_workbook(BytesIO(data)).active.iter_rows(values_only=True):
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        out.append(r)
    return out


async def october(p) -> None:
    """Three reports in October: one answered on time and rated 5, one answered late, one
    still open; one rejected."""
    start = local(2026, 10, 12, 9, 0)
    on_time = await p.receive(start)
    await p.handling.act(on_time.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=start)
    if "take_up" in p.handling.allowed(await p.store.ticket(on_time.id), p.staff, start):
        await p.handling.act(on_time.id, "take_up", p.staff, Payload(), now=start)
    await p.handling.act(on_time.id, "answer", p.staff, Payload(result="Đã sửa."), now=start + timedelta(hours=1))
    if "approve" in p.handling.allowed(await p.store.ticket(on_time.id), p.leader, start):
        await p.handling.act(on_time.id, "approve", p.leader, Payload(), now=start + timedelta(hours=1))
    await p.handling.act(on_time.id, "rate", CITIZEN, Payload(rating=5), now=start + timedelta(days=1))
    waiting = await p.receive(start)
    await p.handling.act(waiting.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id), now=start)
    refused = await p.receive(start)
    await p.handling.act(refused.id, "reject", OPERATOR, Payload(reason="Không thuộc phạm vi"), now=start)


@pytest.mark.parametrize("profile, day", [("dong_thap", 3), ("quang_ninh", 15), ("thanh_hoa", 5)])
async def test_the_monthly_report_is_made_once_and_delivered_with_its_file(sessions, tmp_path, smtp, profile,  # noqa: F811
                                                                           day):
    inbox, port = smtp
    p = await province(sessions, tmp_path, profile)
    await october(p)
    report = next(r for r in p.handling.profile.statutory_reports if r.every == "month")
    folder = tmp_path / "reports"
    reports = StatutoryReports(sessions, p.handling.profile, folder)

    # September ended before the hotline received anything: no report of it. October is made
    # on its day in November, once, across a restart.
    def monthly(names):  # the province's other reports have their own days
        return [n for n in names if n.startswith("monthly-")]

    assert monthly(await reports.run(local(2026, 10, 31, 23, 0))) == []
    assert monthly(await reports.run(local(2026, 11, day, 0, 0) - timedelta(minutes=1))) == []
    [name] = monthly(await reports.run(local(2026, 11, day, 0, 5)))
    assert name == "monthly-2026-10-01-2026-10-31.xlsx"
    assert monthly(await reports.run(local(2026, 11, day, 6, 0))) == []
    assert await StatutoryReports(sessions, p.handling.profile, folder).run(local(2026, 11, 25, 8, 0)) == []
    async with sessions() as s:
        rows = list(await s.scalars(select(StatutoryReportRow)))
        queued = list(await s.scalars(select(EmailMessage)))
    made = [r for r in rows if r.report_id == "monthly"]
    assert len(made) == 1 and (made[0].first_day, made[0].last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    queued = [m for m in queued if m.key.startswith("statutory:monthly:")]
    sheet = cells((folder / name).read_bytes())
    assert sheet[0][0] == report.title and sheet[3][:2] == ["Tổng cộng", 3]  # received in October
    assert ["Rất hài lòng", 1] in sheet

    sender = EmailSender(sessions, Email(gateway="smtp", host="127.0.0.1", port=port, starttls=False,
                                         sender="tongdai1022@example.vn"))
    await sender.send_due()
    delivered = {tuple(m.rcpt_tos): email.message_from_bytes(m.content, policy=email.policy.default)
                 for m in inbox.messages}
    delivered = {k: v for k, v in delivered.items() if name in str(list(v.iter_attachments())[0].get_filename())}
    assert len(delivered) == len(queued)
    assert set(delivered) == {(x.email,) for x in report.recipients}
    for msg in delivered.values():
        assert "01/10/2026 - 31/10/2026" in msg["Subject"]
        [attached] = [part for part in msg.walk() if part.get_filename()]
        assert attached.get_filename() == name and cells(attached.get_payload(decode=True)) == sheet
        body = next(part for part in msg.walk() if part.get_content_type() == "text/plain").get_content()
        assert "Tiếp nhận: 3" in body and "Nguyễn Văn An" not in body


async def test_hcmc_ranks_units_by_on_time_rate_and_satisfaction(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    start = local(2026, 7, 6, 9, 0)
    for agency_id, late in ((p.other_agency_id, True), (p.agency_id, False)):
        t = await p.receive(start, topic="socio_economic")
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=agency_id), now=start)
        when = start + (timedelta(days=30) if late else timedelta(hours=2))
        if late:
            await p.handling.deadlines.scan(when - timedelta(days=1))
        await p.handling.act(t.id, "answer", p.staff if agency_id == p.agency_id else
                             p.staff.__class__("binh", frozenset({"agency"}), agency_id), Payload(result="Xong"),
                             now=when)
    reports = StatutoryReports(sessions, p.handling.profile, tmp_path / "reports")
    by_id = {r.id: r for r in p.handling.profile.statutory_reports}
    quarterly, weekly = by_id["quarterly"], by_id["weekly_department"]
    slot = latest_slot(quarterly, date(2026, 10, 10))
    assert (slot.first, slot.last) == (date(2026, 7, 1), date(2026, 9, 30))
    made = await reports.run(local(2026, 10, 10, 8, 0))
    # Art. 14.5: the week's report too, Monday to Sunday, made the next Monday, once.
    assert sorted(made) == ["good_proposals-2026-07-01-2026-09-30.xlsx", "quarterly-2026-07-01-2026-09-30.xlsx",
                            "weekly_department-2026-09-28-2026-10-04.xlsx"]
    assert await reports.run(local(2026, 10, 11, 23, 0)) == []
    assert await reports.run(local(2026, 10, 12, 0, 30)) == ["weekly_department-2026-10-05-2026-10-11.xlsx"]
    async with sessions() as s:
        to = [m.to_address for m in await s.scalars(select(EmailMessage).where(EmailMessage.key.like("statutory:weekly%")))]
    assert to == [weekly.recipients[0].email] * 2
    name = next(n for n in made if n.startswith("quarterly"))
    ranked = await reports.figures(quarterly, slot)
    assert [(a["rank"], a["name"], a["on_time_rate"]) for a in ranked["agencies"]] == [
        (1, "Công ty Điện lực", 100.0), (2, "Sở Xây dựng", 0.0)]
    sheet = cells((tmp_path / "reports" / name).read_bytes())
    header = sheet.index(["Xếp hạng đơn vị"])
    assert sheet[header + 2][:2] == [1, "Công ty Điện lực"] and sheet[header + 3][:2] == [2, "Sở Xây dựng"]


def test_quang_ninhs_reports_due_before_their_period_ends_cover_it_to_date():
    from pathlib import Path

    from hotline.config.profile import load_profile
    profile = load_profile(Path(__file__).parents[2] / "config", "quang_ninh")
    by_id = {r.id: r for r in profile.statutory_reports}
    q = latest_slot(by_id["quarterly"], date(2026, 12, 16))  # before the 20th of the quarter's last month
    assert (q.made_on, q.first, q.last) == (date(2026, 12, 15), date(2026, 10, 1), date(2026, 12, 14))
    y = latest_slot(by_id["yearly"], date(2026, 12, 16))  # before 20/12
    assert (y.made_on, y.first, y.last) == (date(2026, 12, 15), date(2026, 1, 1), date(2026, 12, 14))
    r = latest_slot(by_id["reform_ranking"], date(2026, 11, 12))  # before 15/11
    assert (r.made_on, r.first, r.last) == (date(2026, 11, 10), date(2026, 1, 1), date(2026, 11, 9))


async def test_hcmc_units_commend_good_proposals_thank_the_citizen_and_report_them_each_quarter(sessions, tmp_path):
    p = await province(sessions, tmp_path, "ho_chi_minh")
    start = local(2026, 7, 6, 9, 0)
    h = await p.receive(start, topic="socio_economic", content="Hiến kế: mở tuyến xe buýt đường sông")
    await p.handling.act(h.id, "send_to_office", OPERATOR, Payload(), now=start)
    await p.handling.act(h.id, "dispatch_proposal", OFFICE, Payload(agency_id=p.agency_id), now=start)
    h = await p.handling.act(h.id, "answer", p.staff, Payload(result="Sở sẽ nghiên cứu mở tuyến"),
                             now=start + timedelta(days=3))
    other = await p.receive(start, topic="socio_economic")
    await p.handling.act(other.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=start)
    other = await p.handling.act(other.id, "answer", p.staff, Payload(result="Đã xử lý"), now=start)
    # Only a proposal can be commended, once, by its unit, with the unit's note.
    assert "commend" not in p.handling.allowed(other, p.staff, start + timedelta(days=4))
    assert "commend" in p.handling.allowed(h, p.staff, start + timedelta(days=4))
    with pytest.raises(Refused) as e:
        await p.handling.act(h.id, "commend", p.staff, Payload(), now=start + timedelta(days=4))
    assert e.value.status == 422
    await p.handling.act(h.id, "commend", p.staff, Payload(note="Giảm ùn tắc, tận dụng kênh rạch"),
                         now=start + timedelta(days=4))
    with pytest.raises(Refused):
        await p.handling.act(h.id, "commend", p.staff, Payload(note="lần hai"), now=start + timedelta(days=5))
    _, sms, _ = await p.ticket(h.id)
    thanks = [m.text for m in sms if m.purpose == "thanks"]
    assert len(thanks) == 1 and "cảm ơn hiến kế mã số" in thanks[0] and "hiến kế hay" in thanks[0] and h.code in thanks[0] \
        and "Công ty Điện lực" in thanks[0]

    reports = StatutoryReports(sessions, p.handling.profile, tmp_path / "reports")
    made = await reports.run(local(2026, 10, 10, 8, 0))
    name = next(n for n in made if n.startswith("good_proposals"))
    sheet = cells((tmp_path / "reports" / name).read_bytes())
    header = sheet.index(["Hiến kế hay, sáng tạo"])
    assert sheet[header + 2] == [h.code, "Kinh tế - văn hóa - xã hội", "Công ty Điện lực", "10/07/2026",
                                 "Giảm ùn tắc, tận dụng kênh rạch"] and len(sheet) > header + 2
    async with sessions() as s:
        body = await s.scalar(select(EmailMessage.body).where(EmailMessage.key.like("statutory:good_proposals%")))
    assert f"- {h.code} (Công ty Điện lực, 10/07/2026): Giảm ùn tắc, tận dụng kênh rạch" in body

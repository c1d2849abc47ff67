"""HCMC's weekly report to each agency's head by e-mail, on a real store (SQLite and PostgreSQL)
and a real SMTP server (aiosmtpd): last week's figures and the open tickets, queued once per week
and head across restarts, delivered, and retried when the mail server is down."""


from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from hotline.notifications.email import EmailSender
from hotline.reports.weekly import WeeklyReports, report_week
from hotline.settings import Email
from hotline.ticketing.handling import Payload
from hotline.store.outbox import EmailMessage
from hotline.testing.mail_server import SmtpInbox
from hotline.testing.ports import free_server_port
from tests.store.support import HEAD_EMAIL, OPERATOR, province

UTC = timezone.utc
MON_17 = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)  # Monday 16/11 10:00 local
SLOT = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 23/11 07:30 local


@pytest.fixture
def smtp():
    inbox = SmtpInbox()
    port = free_server_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_the_week_reported_is_the_one_before_the_latest_slot():
    from zoneinfo import ZoneInfo
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert report_week(SLOT, 0, "07:30", tz)[0].isoformat() == "2026-11-16"
    assert report_week(SLOT - timedelta(minutes=1), 0, "07:30", tz)[0].isoformat() == "2026-11-09"
    assert report_week(SLOT + timedelta(days=6), 0, "07:30", tz)[0].isoformat() == "2026-11-16"


async def test_each_head_gets_last_weeks_report_once(sessions, tmp_path, smtp):
    inbox, port = smtp
    p = await province(sessions, tmp_path, "ho_chi_minh")
    answered = await p.receive(MON_17, topic="socio_economic")
    await p.handling.act(answered.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MON_17)
    await p.handling.act(answered.id, "answer", p.staff, Payload(result="Đã giải quyết."), now=MON_17)
    waiting = await p.receive(MON_17, topic="socio_economic")
    await p.handling.act(waiting.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id), now=MON_17)
    elsewhere = await p.receive(MON_17, topic="socio_economic")
    await p.handling.act(elsewhere.id, "transfer", OPERATOR, Payload(agency_id=p.other_agency_id), now=MON_17)

    weekly = WeeklyReports(sessions, p.handling.profile)
    assert await weekly.run(SLOT) == 1  # the other agency's head has no e-mail address
    assert await weekly.run(SLOT + timedelta(hours=1)) == 0
    assert await WeeklyReports(sessions, p.handling.profile).run(SLOT + timedelta(days=1)) == 0  # a restart
    async with sessions() as s:
        (msg,) = list(await s.scalars(select(EmailMessage)))
    assert msg.to_address == HEAD_EMAIL and "16/11 - 22/11/2026" in msg.subject and "Công ty Điện lực" in msg.subject
    assert "Chuyển đến cơ quan: 2" in msg.body and "Trả lời đúng hạn: 1" in msg.body
    assert f"Phiếu {waiting.code}" in msg.body and f"Phiếu {answered.code}" not in msg.body
    assert elsewhere.code not in msg.body and "Nguyễn Văn An" not in msg.body  # no reporter's data

    # The mail server is down: the message waits and is retried; then it is delivered.
    down = EmailSender(sessions, Email(gateway="smtp", host="127.0.0.1", port=1, starttls=False,
                                       sender="tongdai1022@hcm.example.vn"))
    assert await down.send_due() == 1
    async with sessions() as s:
        row = await s.get(EmailMessage, msg.id)
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    async with sessions() as s, s.begin():
        (await s.get(EmailMessage, msg.id)).next_attempt_at = datetime.now(UTC)
    up = EmailSender(sessions, Email(gateway="smtp", host="127.0.0.1", port=port, starttls=False,
                                     sender="tongdai1022@hcm.example.vn"))
    assert await up.send_due() == 1 and await up.send_due() == 0
    (delivered,) = inbox.messages
    assert delivered.rcpt_tos == [HEAD_EMAIL]
    text = delivered.content.decode()
    assert "Subject:" in text and "tongdai1022@hcm.example.vn" in text
    async with sessions() as s:
        assert (await s.get(EmailMessage, msg.id)).status == "sent"


async def test_profiles_without_the_weekly_report_send_nothing(sessions, tmp_path):
    p = await province(sessions, tmp_path, "dong_thap")
    assert await WeeklyReports(sessions, p.handling.profile).run(SLOT) == 0

"""The SMS outbox on a real SQLite database: delivery, retries with back-off, failure with reason."""

from sqlalchemy import select

from hotline.notifications.gateways import GatewayError, LogGateway
from hotline.notifications.outbox import SmsSender, enqueue
from hotline.security.masking import mask_phone
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.store.outbox import SmsMessage


class FlakyGateway:
    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[tuple[int, str, str]] = []

    async def send(self, message_id, to, text):
        if self.failures > 0:
            self.failures -= 1
            raise GatewayError("HTTP 503: gateway busy")
        self.sent.append((message_id, to, text))

    async def close(self):
        pass


async def outbox(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    await migrate(engine)
    sessions = sessionmaker(engine)
    async with sessions() as s, s.begin():
        enqueue(s, "0911000001", "Tổng đài 1022 chuyển phiếu 12345678", "transfer_slip")
    return engine, sessions


async def one(sessions) -> SmsMessage:
    async with sessions() as s:
        return (await s.scalars(select(SmsMessage))).one()


async def test_a_message_is_retried_then_sent(tmp_path):
    engine, sessions = await outbox(tmp_path)
    gw = FlakyGateway(failures=2)
    sender = SmsSender(sessions, gw, max_attempts=5, retry_seconds=0)
    for _ in range(3):
        await sender.send_due()
    msg = await one(sessions)
    assert msg.status == "sent" and msg.attempts == 3 and msg.last_error is None
    assert gw.sent == [(msg.id, "0911000001", "Tổng đài 1022 chuyển phiếu 12345678")]
    assert await sender.send_due() == 0  # never sent twice
    await engine.dispose()


async def test_a_message_fails_for_good_with_its_reason_after_the_limit(tmp_path):
    engine, sessions = await outbox(tmp_path)
    sender = SmsSender(sessions, FlakyGateway(failures=99), max_attempts=3, retry_seconds=0)
    for _ in range(5):
        await sender.send_due()
    msg = await one(sessions)
    assert msg.status == "failed" and msg.attempts == 3 and "503" in msg.last_error
    await engine.dispose()


async def test_back_off_waits_before_the_next_attempt(tmp_path):
    engine, sessions = await outbox(tmp_path)
    sender = SmsSender(sessions, FlakyGateway(failures=1), max_attempts=3, retry_seconds=60)
    assert await sender.send_due() == 1
    assert await sender.send_due() == 0  # not due for a minute
    assert (await one(sessions)).status == "pending"
    await engine.dispose()


async def test_the_default_gateway_logs(tmp_path, caplog):
    engine, sessions = await outbox(tmp_path)
    caplog.set_level("INFO")
    await SmsSender(sessions, LogGateway()).send_due()
    assert (await one(sessions)).status == "sent"
    # The message is in the log with its number masked (logs keep no citizen's number).
    assert "Tổng đài 1022 chuyển phiếu 12345678" in caplog.text and "0911000001" not in caplog.text
    assert mask_phone("0911000001") in caplog.text
    await engine.dispose()

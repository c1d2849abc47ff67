"""The durable e-mail outbox and its sender (weekly reports to agency leaders). Messages are
rows with a unique `key`; the sender (an instance of the one outbox loop) hands due ones to the
gateway (the log, or an SMTP server) and retries with back-off."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage as MimeMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Lease
from hotline.credentials import secret
from hotline.notifications.gateways import GatewayError
from hotline.notifications.outbox import Outbox
from hotline.settings import Email
from hotline.store.outbox import EmailMessage

log = logging.getLogger(__name__)


async def add_once(s: AsyncSession, key: str, to: str, subject: str, body: str,
                   attachment: str | None = None, headers: dict[str, str] | None = None) -> bool:
    """Queue a message inside the caller's transaction unless one with this key exists;
    `attachment`: the path of a file sent with it; `headers`: its Message-ID and, for a reply,
    In-Reply-To and References (a citizen's thread)."""
    if await s.scalar(select(EmailMessage.id).where(EmailMessage.key == key)) is not None:
        return False
    s.add(EmailMessage(key=key, to_address=to, subject=subject, body=body, attachment=attachment, status="pending",
                       attempts=0, next_attempt_at=datetime.now(timezone.utc), headers=headers or {}))
    return True


async def enqueue_once(sessions: async_sessionmaker, key: str, to: str, subject: str, body: str) -> bool:
    """Queue a message unless one with this key exists; True if queued now."""
    try:
        async with sessions() as s, s.begin():
            return await add_once(s, key, to, subject, body)
    except IntegrityError:  # queued by another process in the same instant
        return False


class LogMailer:
    name = "log"

    def send(self, msg: MimeMessage) -> None:
        log.info("e-mail to %s: %s", msg["To"], msg["Subject"])


class SmtpMailer:
    name = "smtp"

    def __init__(self, config: Email, timeout: float = 30):
        self.config = config
        self.timeout = timeout
        self.password = secret(config.password_env)

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and host name (smtplib's own default does neither)."""
        return ssl.create_default_context(cafile=self.config.ca_file)

    def send(self, msg: MimeMessage) -> None:
        c = self.config
        if c.implicit_tls:
            connection = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=self.tls_context())
        else:
            connection = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
        with connection as smtp:
            if c.starttls and not c.implicit_tls:
                smtp.starttls(context=self.tls_context())
            if c.username:
                smtp.login(c.username, self.password)
            smtp.send_message(msg)


def make_mailer(config: Email):
    return SmtpMailer(config) if config.gateway == "smtp" else LogMailer()


class EmailSender(Outbox):
    """The e-mail outbox: each row becomes a MIME message (its thread's headers, its attachment)
    handed to the mailer (SMTP, or the log)."""

    def __init__(self, sessions: async_sessionmaker, config: Email, mailer=None, lease: Lease | None = None):
        self.config = config
        self.mailer = mailer or make_mailer(config)
        super().__init__("e-mail outbox", sessions, EmailMessage, self._deliver, config.max_attempts,
                         config.retry_seconds, config.poll_seconds, lease, batch=20,
                         describe=lambda row: f"e-mail to {row.to_address}")

    async def _deliver(self, row: EmailMessage) -> None:
        msg = MimeMessage()
        msg["From"], msg["To"], msg["Subject"] = self.config.sender, row.to_address, row.subject
        threading = row.headers or {}
        msg["Message-ID"] = threading.get("Message-ID") or f"<{row.key.replace(':', '.')}@hotline1022>"
        for name in ("In-Reply-To", "References", "Auto-Submitted"):  # receipts: RFC 3834
            if threading.get(name):
                msg[name] = threading[name]
        msg.set_content(row.body)
        if row.attachment:
            path = Path(row.attachment)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:  # the file is gone: say so rather than send without it
                raise GatewayError(f"attachment {path.name}: {exc}") from exc
            msg.add_attachment(data, maintype=kind.split("/")[0], subtype=kind.split("/")[1], filename=path.name)
        await asyncio.to_thread(self.mailer.send, msg)

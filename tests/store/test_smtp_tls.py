"""Outgoing e-mail trusts only a server whose certificate and host name check out: a real SMTP server
(aiosmtpd) with a self-signed certificate, over STARTTLS and over TLS from the first byte. A message
the server could not be trusted with stays in the outbox with the reason, and goes once the
province names its authority (`ca_file`)."""

import ssl
import subprocess
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError
from sqlalchemy import select

from hotline.notifications.email import EmailSender, enqueue_once
from hotline.settings import Email
from hotline.store.outbox import EmailMessage
from hotline.testing.ports import free_server_port
from hotline.testing.mail_server import SmtpInbox


def self_signed(folder, name: str):
    """A certificate for `name` (DNS) signed by itself, as a province's own mail server may have."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def servers(tmp_path):
    """Two servers with a certificate for `localhost`: one offering STARTTLS, one speaking TLS
    at once (port 465's way)."""
    cert, key = self_signed(tmp_path, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = SmtpInbox()
    starttls = Controller(inbox, hostname="127.0.0.1", port=free_server_port(), tls_context=context,
                          require_starttls=True)
    implicit = Controller(inbox, hostname="127.0.0.1", port=free_server_port(), ssl_context=context)
    starttls.start()
    implicit.start()
    yield inbox, cert, starttls.port, implicit.port
    starttls.stop()
    implicit.stop()


async def queued(sessions, key: str) -> EmailMessage:
    assert await enqueue_once(sessions, key, "lanhdao@so.example.vn", "Báo cáo tuần", "Nội dung")
    async with sessions() as s:
        return await s.scalar(select(EmailMessage).where(EmailMessage.key == key))


async def attempt(sessions, config: Email, row_id: int) -> EmailMessage:
    async with sessions() as s, s.begin():
        (await s.get(EmailMessage, row_id)).next_attempt_at = datetime.now(timezone.utc)
    await EmailSender(sessions, config).send_due()
    async with sessions() as s:
        return await s.get(EmailMessage, row_id)


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "implicit-tls"])
async def test_an_untrusted_certificate_keeps_the_message_until_its_authority_is_named(sessions, servers, implicit_tls):
    inbox, cert, starttls_port, implicit_port = servers
    port = implicit_port if implicit_tls else starttls_port
    row = await queued(sessions, f"tls-{implicit_tls}")

    untrusted = Email(gateway="smtp", host="localhost", port=port, implicit_tls=implicit_tls)
    after = await attempt(sessions, untrusted, row.id)
    assert after.status == "pending" and after.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in after.last_error
    assert inbox.messages == []

    trusted = Email(gateway="smtp", host="localhost", port=port, implicit_tls=implicit_tls, ca_file=str(cert))
    after = await attempt(sessions, trusted, row.id)
    assert after.status == "sent"
    (delivered,) = inbox.messages
    assert delivered.rcpt_tos == ["lanhdao@so.example.vn"]


async def test_a_certificate_for_another_host_is_refused_even_from_a_trusted_authority(sessions, servers):
    inbox, cert, starttls_port, _ = servers
    row = await queued(sessions, "tls-wrong-host")
    # The same server reached by its address: the certificate names `localhost`, not 127.0.0.1.
    config = Email(gateway="smtp", host="127.0.0.1", port=starttls_port, ca_file=str(cert))
    after = await attempt(sessions, config, row.id)
    assert after.status == "pending" and "127.0.0.1" in after.last_error
    assert inbox.messages == []


def test_a_missing_authority_file_is_named_at_start(tmp_path):
    with pytest.raises(ValidationError) as error:
        Email(gateway="smtp", host="mail.example.vn", ca_file=str(tmp_path / "none.pem"))
    assert "ca_file" in str(error.value) and "none.pem" in str(error.value)

"""Real mail servers for the e-mail channel's tests: Dovecot (Debian's IMAP server) with its own
configuration, users and port, and an SMTP server (aiosmtpd) that delivers each message it
accepts into the recipient's Dovecot mailbox (IMAP APPEND), as a mail provider would."""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import socket
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from hotline.testing.ports import free_server_port
from hotline.testing.processes import stop_group


class Dovecot:
    def __init__(self, users: dict[str, str]):
        """`users`: IMAP login → password."""
        self.users = users
        self.port = free_server_port()
        # Dovecot's login processes run as an unprivileged user: the folder must be reachable.
        self.folder = Path(tempfile.mkdtemp(prefix="hl-mail-"))
        self.folder.chmod(0o755)
        self.proc: asyncio.subprocess.Process | None = None

    def _config(self) -> Path:
        f = self.folder
        owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        (f / "mail").mkdir()
        os.chown(f / "mail", owner.pw_uid, owner.pw_gid)
        (f / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        (f / "users").chmod(0o644)
        conf = f / "dovecot.conf"
        conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {f}/run
state_dir = {f}/state
log_path = {f}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {owner.pw_uid}
mail_location = maildir:{f}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {f}/users
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={f}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
        return conf

    async def start(self, timeout: float = 20) -> None:
        conf = self._config()
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
        out = open(self.folder / "dovecot.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(dovecot, "-F", "-c", str(conf), stdout=out, stderr=out,
                                                         stdin=asyncio.subprocess.DEVNULL, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not start: {self.log[-3000:]}")
                await asyncio.sleep(0.2)

    @property
    def log(self) -> str:
        text = ""
        for name in ("dovecot.out", "dovecot.log"):
            path = self.folder / name
            if path.exists():
                text += path.read_text(errors="replace")
        return text

    async def stop(self) -> None:
        await stop_group(self.proc, 10)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- a mail client's view (blocking; tests run these in a thread) ----------------------------
    def _login(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(user, self.users[user])
        imap.select("INBOX")
        return imap

    def append(self, user: str, raw: bytes) -> None:
        imap = self._login(user)
        try:
            status, data = imap.append("INBOX", None, None, raw)
            assert status == "OK", data
        finally:
            imap.logout()

    def messages(self, user: str, unseen_only: bool = False) -> list[EmailMessage]:
        imap = self._login(user)
        try:
            _, data = imap.uid("SEARCH", None, "UNSEEN" if unseen_only else "ALL")
            found = []
            for uid in data[0].split():
                _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(p[1] for p in parts if isinstance(p, tuple))
                found.append(message_from_bytes(raw, policy=policy.default))
            return found
        finally:
            imap.logout()


class DeliveringSmtp:
    """An SMTP server on a free port: what it accepts for a known address is delivered into that
    user's Dovecot mailbox; mail for other addresses is refused (550)."""

    def __init__(self, dovecot: Dovecot, mailboxes: dict[str, str]):
        """`mailboxes`: e-mail address → Dovecot user."""
        from aiosmtpd.controller import Controller

        self.dovecot = dovecot
        self.mailboxes = {a.lower(): u for a, u in mailboxes.items()}
        self.port = free_server_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in self.mailboxes:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            await asyncio.to_thread(self.dovecot.append, self.mailboxes[rcpt.lower()], envelope.content)
        return "250 delivered"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class SmtpInbox:
    """An aiosmtpd handler that keeps every envelope it accepts (the tests' mail server of last resort)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

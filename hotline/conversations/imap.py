"""The hotline's mailbox, read over IMAP (Python's imaplib, in a thread): every unread message is
parsed in a worker process (`hotline.untrusted`: limits on time, memory, size, parts and nesting),
handed to the conversations, then flagged \\Seen, so that a message is read again after a crash
(the conversations keep it once) and never lost. A message that fails is tried again at the next
passes, up to the policy's `mail_tries`, then quarantined (kept raw with its reason for the
supervisors) and flagged \\Seen like the rest: no message can stop the mailbox. One refused by a
limit (size, parts, nesting) is quarantined at once; one whose parsing overran its worker's time
or memory counts as a failed try. Runs on one node at a time (a lease).

Where the server offers IDLE (RFC 2177), a second connection waits in it and wakes the reader as
soon as a message arrives; the reader also passes every `poll_seconds` (the only way where there
is no IDLE, and a safety net where there is)."""

from __future__ import annotations

import asyncio
import imaplib
import logging
import socket
import ssl
import threading

from hotline.background import Lease, Periodic
from hotline.conversations.mail import parse, summary
from hotline.conversations.quarantine import Quarantine
from hotline.conversations.service import Conversations, MailRefused
from hotline.credentials import secret
from hotline.settings import Imap
from hotline.untrusted import Overrun, Refusal, Sandbox, shared

log = logging.getLogger(__name__)


class _Renew(Exception):
    """An IDLE ran its length without news: a new connection for the next one."""


class MailboxReader:
    def __init__(self, config: Imap, conversations: Conversations, lease: Lease | None = None,
                 sandbox: Sandbox | None = None):
        self.config = config
        self.conversations = conversations
        self.sandbox = sandbox or shared()
        self.quarantine = Quarantine(conversations.sessions)
        self.password = secret(config.password_env)
        self._loop = Periodic("mailbox", self.read_new, config.poll_seconds, lease)
        self.wake = self._loop.wake
        self._stopping = threading.Event()
        self._idle: imaplib.IMAP4 | None = None
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self._loop.start()
        loop = asyncio.get_running_loop()
        self._watcher = threading.Thread(target=self._watch, args=(loop,), name="mailbox idle", daemon=True)
        self._watcher.start()

    async def stop(self) -> None:
        self._stopping.set()
        idle = self._idle
        if idle is not None:
            try:
                idle.shutdown()  # ends the wait at once
            except OSError:
                pass
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.join, 5)
        await self._loop.stop()

    # -- IDLE: told of new mail as it arrives -------------------------------------------------------
    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._stopping.is_set():
            try:
                imap = self._connect()
            except (OSError, imaplib.IMAP4.error) as exc:
                log.info("mailbox IDLE connection failed (%s); polling meanwhile", exc)
                self._stopping.wait(self.config.poll_seconds)
                continue
            self._idle = imap
            try:
                if "IDLE" not in imap.capabilities:
                    log.info("mailbox server offers no IDLE: polling every %s s", self.config.poll_seconds)
                    return
                while not self._stopping.is_set():
                    if self._idle_once(imap):
                        loop.call_soon_threadsafe(self.wake)
            except _Renew:
                pass
            except (OSError, imaplib.IMAP4.error, EOFError) as exc:
                if not self._stopping.is_set():
                    log.info("mailbox IDLE ended (%s); reconnecting", exc)
                    self._stopping.wait(1)
            finally:
                self._idle = None
                try:
                    imap.logout()
                except Exception:
                    pass

    def _idle_once(self, imap: imaplib.IMAP4, seconds: float = 240) -> bool:
        """One IDLE: whether the server said a message arrived. After `seconds` with nothing
        (servers drop idle clients after 30 minutes) the connection is renewed: a socket file
        that timed out cannot be read again."""
        imap.send(b"HLIDLE IDLE\r\n")
        if not imap.readline().startswith(b"+"):
            raise imaplib.IMAP4.error("IDLE refused")
        imap.sock.settimeout(seconds)
        try:
            line = imap.readline()
        except (socket.timeout, TimeoutError):
            raise _Renew() from None
        imap.sock.settimeout(30)
        if not line:
            raise EOFError("connection closed")
        arrived = line.rstrip().upper().endswith((b"EXISTS", b"RECENT"))
        imap.send(b"DONE\r\n")
        while True:  # what the server says until IDLE's tagged end
            line = imap.readline()
            if not line:
                raise EOFError("connection closed")
            if line.startswith(b"HLIDLE "):
                return arrived
            if line.rstrip().upper().endswith((b"EXISTS", b"RECENT")):
                arrived = True

    def _connect(self) -> imaplib.IMAP4:
        c = self.config
        if c.security == "ssl":
            imap = imaplib.IMAP4_SSL(c.host, c.port, ssl_context=ssl.create_default_context(), timeout=30)
        else:
            imap = imaplib.IMAP4(c.host, c.port, timeout=30)
            if c.security == "starttls":
                imap.starttls(ssl.create_default_context())
        imap.login(c.username, self.password)
        status, _ = imap.select(c.mailbox)
        if status != "OK":
            raise imaplib.IMAP4.error(f"mailbox {c.mailbox!r} cannot be opened")
        return imap

    def _unseen(self) -> list[tuple[bytes, bytes]]:
        imap = self._connect()
        try:
            status, data = imap.uid("SEARCH", None, "UNSEEN")
            uids = data[0].split()[: self.config.max_per_pass] if status == "OK" and data and data[0] else []
            found = []
            for uid in uids:
                status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: not \\Seen until kept
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if status == "OK" else None
                if raw:
                    found.append((uid, raw))
            return found
        finally:
            imap.logout()

    def _mark_seen(self, uids: list[bytes]) -> None:
        imap = self._connect()
        try:
            imap.uid("STORE", b",".join(uids), "+FLAGS", "(\\Seen)")
        finally:
            imap.logout()

    async def read_new(self) -> int:
        try:
            found = await asyncio.to_thread(self._unseen)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("mailbox %s@%s: %s; trying again at the next pass", self.config.username,
                        self.config.host, exc)
            return 0
        done = []
        for uid, raw in found:
            try:
                if await self._one(uid, raw):
                    done.append(uid)
            except Exception:  # not even its failure could be recorded (the database is away): unread
                log.exception("e-mail (uid %s): its failure could not be recorded; it stays unread", uid.decode())
        if done:
            await asyncio.to_thread(self._mark_seen, done)
        return len(done)

    async def _one(self, uid: bytes, raw: bytes) -> bool:
        """Whether the reader is done with the message: kept, ignored or quarantined."""
        try:
            mail = await self.sandbox.run(parse, raw)
        except Overrun as overrun:  # the message, or a busy machine: tried again, up to mail_tries
            sender, subject = await self._summary(raw)
            return await self._failed(uid, raw, f"không đọc được thư: {overrun.reason}", sender, subject)
        except Refusal as refused:  # a limit: the same answer every time
            sender, subject = await self._summary(raw)
            log.warning("e-mail (uid %s) from %s refused: %s; quarantined", uid.decode(), sender, refused.reason)
            await self.quarantine.refuse(raw, refused.reason, sender, subject)
            return True
        except Exception as exc:
            log.exception("e-mail (uid %s) could not be parsed", uid.decode())
            sender, subject = await self._summary(raw)
            return await self._failed(uid, raw, f"không đọc được thư ({type(exc).__name__}: {exc})", sender, subject)
        try:
            await self.conversations.receive_mail(mail)
        except MailRefused as refused:
            log.warning("e-mail %s from %s refused: %s; quarantined", mail.message_id, mail.sender, refused.reason)
            await self.quarantine.refuse(raw, refused.reason, mail.sender, mail.subject)
            return True
        except Exception as exc:  # one bad message must not stop the others
            log.exception("e-mail (uid %s) could not be kept", uid.decode())
            return await self._failed(uid, raw, f"không lưu được thư ({type(exc).__name__}: {exc})",
                                      mail.sender, mail.subject)
        await self.quarantine.kept(raw)
        return True

    async def _failed(self, uid: bytes, raw: bytes, reason: str, sender: str | None, subject: str | None) -> bool:
        tries = self.conversations.policy.mail_tries
        done = await self.quarantine.failed(raw, reason, sender, subject, tries)
        if done:
            log.warning("e-mail (uid %s) failed %d times: quarantined", uid.decode(), tries)
        return done

    async def _summary(self, raw: bytes) -> tuple[str | None, str | None]:
        try:
            return await self.sandbox.run(summary, raw[:65536], seconds=10)
        except Exception:
            return None, None

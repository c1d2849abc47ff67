"""E-mail as the conversations read and write it (pure, no I/O): an inbound message parsed into
what a conversation keeps, whether a machine sent it (auto-replies, bounces, lists: never a
ticket), and the headers that keep a reply in the citizen's thread."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid, parseaddr

MAX_BODY = 20000
CODE_TAG = "Mã phản ánh"
_ID = re.compile(r"<[^<>\s]{1,290}>")


@dataclass
class InboundMail:
    message_id: str
    in_reply_to: str | None
    references: list[str]
    sender: str  # the address, lower case
    sender_name: str | None
    subject: str
    text: str
    files: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str | None = None  # why a machine sent it; None: a person wrote it

    def thread_ids(self) -> list[str]:
        """The ids of earlier messages this one answers, nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return list(dict.fromkeys(ids))


def _ids(value: str | None) -> list[str]:
    return _ID.findall(value or "")


def automatic_reason(msg: EmailMessage, sender: str) -> str | None:
    """Auto-replies (RFC 3834 Auto-Submitted, vacation responders' headers), bounces and delivery
    reports (RFC 3464), and mailing lists: nothing a citizen wrote."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return name
    if str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "Precedence: " + str(msg.get("Precedence")).strip().lower()
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    local = sender.split("@")[0]
    if local in ("mailer-daemon", "postmaster") or str(msg.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "mailing list"
    return None


def _text_of(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: the bytes as best we can
        content = (body.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if body.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", " ", content))
    content = re.sub(r"[ \t]+\n", "\n", content.replace("\r\n", "\n"))
    return re.sub(r"\n{3,}", "\n\n", content).strip()[:MAX_BODY]


def parse(raw: bytes) -> InboundMail:
    msg = message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(str(msg.get("From", "")))
    address = address.strip().lower()
    ids = _ids(str(msg.get("Message-ID", "")))
    # A message without an id still gets one that is the same each time it is read.
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"
    reply_to = _ids(str(msg.get("In-Reply-To", "")))
    files = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        if payload:
            files.append((part.get_filename() or "tep", payload))
    return InboundMail(
        message_id=message_id, in_reply_to=reply_to[0] if reply_to else None,
        references=_ids(str(msg.get("References", ""))), sender=address, sender_name=name.strip() or None,
        subject=re.sub(r"\s+", " ", str(msg.get("Subject", ""))).strip()[:300], text=_text_of(msg), files=files,
        automatic=automatic_reason(msg, address))


def tagged(subject: str, code: str) -> str:
    """The subject with the ticket's code, once: citizens and their mail clients keep it."""
    tag = f"[{CODE_TAG} {code}]"
    return subject if tag in subject else f"{subject} {tag}".strip()


def reply_subject(subject: str | None, code: str) -> str:
    base = (subject or "Phản ánh gửi Tổng đài 1022").strip()
    if not re.match(r"(?i)^(re|tl|trả lời)\s*:", base):
        base = "Re: " + base
    return tagged(base, code)[:300]


def code_in(subject: str) -> str | None:
    m = re.search(re.escape(CODE_TAG) + r"\s+([0-9]{8})", subject)
    return m.group(1) if m else None


def new_message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2] or "hotline.invalid"
    return make_msgid(domain=domain)


def thread_headers(message_id: str, answering: str | None, references: list[str]) -> dict[str, str]:
    """Message-ID, In-Reply-To and References (RFC 5322 3.6.4) of a reply in a thread."""
    headers = {"Message-ID": message_id}
    if answering:
        chain = list(dict.fromkeys([*references, answering]))[-20:]
        headers["In-Reply-To"] = answering
        headers["References"] = " ".join(chain)
    return headers


def addresses(value: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([value]) if a]

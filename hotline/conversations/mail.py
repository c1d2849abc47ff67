"""E-mail as the conversations read and write it (pure, no I/O): an inbound message parsed into
what a conversation keeps, whether a machine sent it (auto-replies, bounces, lists: never a
ticket), and the headers that keep a reply in the citizen's thread."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, make_msgid, parseaddr

from hotline.untrusted import Refusal

# Every text step below is linear in its input (str.find/split/translate, and regular
# expressions whose repetitions are bounded): a body of 1 MiB of spaces or a line of 300 KiB of
# `<` costs what reading it costs. Parsing runs in a worker process (`hotline.untrusted`).
MAX_BODY = 20000
CODE_TAG = "Mã phản ánh"
_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,290}>")  # no controls: NUL has no place in a column
MAX_HEADER = 8000  # characters of a header looked at (ids, names, subject)


@dataclass(frozen=True)
class MailLimits:
    max_bytes: int = 25 * 1024 * 1024  # the whole message as read from the mailbox
    max_parts: int = 200  # MIME parts, at any depth
    max_depth: int = 20  # multiparts inside multiparts


LIMITS = MailLimits()
# The C0 controls (but tab and newline), DEL and NUL: PostgreSQL refuses NUL in text.
_CONTROLS = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 127]}
_LINE_CONTROLS = {c: " " for c in [*range(0, 32), 127]}


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


def one_line(value: str, limit: int) -> str:
    """A header's text fit for a column of `limit` characters: no control characters (CR, LF,
    NUL), whitespace collapsed."""
    return " ".join(value[: limit * 4].translate(_LINE_CONTROLS).split())[:limit]


def body_text(value: str) -> str:
    return value.translate(_CONTROLS)


def _ids(value: str | None) -> list[str]:
    return _ID.findall((value or "")[:MAX_HEADER])[:50]


def _header(msg: EmailMessage, name: str) -> str:
    """A header's value; a header the standard parser chokes on is decoded as plainly as possible
    (never an exception: a malformed header is no reason to lose the message)."""
    try:
        value = msg.get(name)
        return "" if value is None else str(value)[:MAX_HEADER]
    except Exception:
        pass
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    raw = str(raw)[:MAX_HEADER]
    try:
        return str(make_header(decode_header(raw)))
    except Exception:
        return raw


def automatic_reason(msg: EmailMessage, sender: str) -> str | None:
    """Auto-replies (RFC 3834 Auto-Submitted, vacation responders' headers), bounces and delivery
    reports (RFC 3464), and mailing lists: nothing a citizen wrote."""
    auto = _header(msg, "Auto-Submitted").strip().lower()[:60]
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return name
    precedence = _header(msg, "Precedence").strip().lower()[:30]
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return "Precedence: " + precedence
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    local = sender.split("@")[0]
    if local in ("mailer-daemon", "postmaster") or _header(msg, "Return-Path").strip() == "<>":
        return "bounce"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "mailing list"
    return None


_BREAKS = frozenset({"br", "br/", "/p", "/div", "/li", "/tr"})


def html_to_text(markup: str) -> str:
    """The text of an HTML body, in one pass: tags dropped (line breaks kept), scripts and styles
    dropped whole, entities decoded. An unclosed tag ends the text."""
    lower = markup.lower()
    out: list[str] = []
    pos, n = 0, len(markup)
    while pos < n:
        lt = markup.find("<", pos)
        if lt < 0:
            out.append(markup[pos:])
            break
        out.append(markup[pos:lt])
        gt = markup.find(">", lt + 1)
        if gt < 0:
            break
        words = lower[lt + 1:gt].split(None, 1)
        name = words[0] if words else ""
        if name in ("script", "style"):
            end = lower.find("</" + name, gt + 1)
            gt = markup.find(">", end) if end >= 0 else -1
            if gt < 0:
                break
            out.append(" ")
        else:
            out.append("\n" if name in _BREAKS else " ")
        pos = gt + 1
    return html.unescape("".join(out))


def tidy(content: str) -> str:
    """Lines without trailing blanks, at most one empty line in a row, trimmed, cut to MAX_BODY."""
    lines: list[str] = []
    blank = 0
    for line in content.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip(" \t")
        blank = blank + 1 if not line else 0
        if blank < 2:
            lines.append(line)
    return "\n".join(lines).strip()[:MAX_BODY]


def _text_of(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: the bytes as best we can
        content = (body.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if body.get_content_type() == "text/html":
        content = html_to_text(content)
    return tidy(body_text(content))


def _shape(msg: EmailMessage, limits: MailLimits) -> None:
    """Refusal for more parts or deeper nesting than `limits` (walked without recursion)."""
    parts, stack = 0, [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        parts += 1
        if parts > limits.max_parts:
            raise Refusal(f"quá nhiều phần MIME (hơn {limits.max_parts})")
        if depth > limits.max_depth:
            raise Refusal(f"các phần MIME lồng nhau quá sâu (hơn {limits.max_depth} lớp)")
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((p, depth + 1) for p in payload)


def precheck(raw: bytes, limits: MailLimits = LIMITS) -> None:
    """What can be refused before parsing, by counting: size, and (an upper bound of) the parts
    and multiparts the message declares."""
    if len(raw) > limits.max_bytes:
        raise Refusal(f"thư quá lớn ({len(raw) // 1024} KiB > {limits.max_bytes // 1024} KiB)")
    boundaries = raw.lower().count(b"boundary=")
    if boundaries > limits.max_parts:
        raise Refusal(f"quá nhiều phần MIME lồng nhau ({boundaries} > {limits.max_parts})")
    delimiters = raw.count(b"\n--")
    if delimiters > 4 * limits.max_parts + 100:
        raise Refusal(f"quá nhiều phần MIME (khoảng {delimiters} > {limits.max_parts})")


def parse(raw: bytes, limits: MailLimits = LIMITS) -> InboundMail:
    """The message as a conversation keeps it; Refusal (with its reason) for what exceeds
    `limits`. Fit for the database whatever the input: no NUL, fields cut to their columns."""
    precheck(raw, limits)
    try:
        msg = message_from_bytes(raw, policy=policy.default)
        _shape(msg, limits)
        return _read(msg, raw)
    except RecursionError:
        raise Refusal("các phần MIME lồng nhau quá sâu") from None


def _sender(msg: EmailMessage) -> tuple[str, str]:
    """(display name, address) of From, read from the header's structure: a display name whose
    encoded words decode to CR/LF or a colon cannot pass for another address."""
    try:
        found = msg.get("From")
        addresses = getattr(found, "addresses", ()) if found is not None else ()
        if addresses:
            return addresses[0].display_name or "", addresses[0].addr_spec or ""
    except Exception:
        pass
    raw = next((v for k, v in msg.raw_items() if k.lower() == "from"), "")
    name, address = parseaddr(one_line(str(raw), MAX_HEADER))  # undecoded: encoded words stay words
    try:
        name = str(make_header(decode_header(name)))  # the name alone, once the address is known
    except Exception:
        pass
    return name, address


def _read(msg: EmailMessage, raw: bytes) -> InboundMail:
    name, address = _sender(msg)
    address = one_line(address, 300).lower()
    if len(address) > 200 or " " in address:
        address = ""  # no column holds it, nor can mail be sent to it
    ids = _ids(_header(msg, "Message-ID"))
    # A message without an id still gets one that is the same each time it is read.
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"
    reply_to = _ids(_header(msg, "In-Reply-To"))
    files = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        if payload:
            try:
                filename = part.get_filename()
            except Exception:
                filename = None
            files.append((one_line(filename or "", 200) or "tep", payload))
    return InboundMail(
        message_id=message_id, in_reply_to=reply_to[0] if reply_to else None,
        references=_ids(_header(msg, "References")), sender=address, sender_name=one_line(name, 200) or None,
        subject=one_line(_header(msg, "Subject"), 300), text=_text_of(msg), files=files,
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


def summary(raw: bytes) -> tuple[str | None, str | None]:
    """(sender, subject) of a message that could not be parsed, for the supervisors' list: read
    plainly from the first 64 KiB of its header, never an exception."""
    try:
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:65536])
    except Exception:
        return None, None

    def text(name: str, limit: int) -> str | None:
        value = head.get(name)
        if value is None:
            return None
        try:
            value = str(make_header(decode_header(str(value)[:MAX_HEADER])))
        except Exception:
            value = str(value)
        return one_line(value, limit) or None

    return text("From", 200), text("Subject", 300)

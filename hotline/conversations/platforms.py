"""Zalo Official Account and Facebook Messenger as their documentation describes them: how each
signs the events it posts to our webhook, the shape of a citizen's message in those events, and
the send API a reply goes through. Verification and parsing are pure; `send` is the one I/O."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import aiohttp

from hotline.credentials import secret
from hotline.notifications.gateways import GatewayError
from hotline.settings import Facebook, Zalo

MAX_TEXT = 2000  # both platforms cut longer messages; the rest goes in the next one
ZALO_INVALID_TOKEN = -216  # Zalo's error code for an access token it does not accept


@dataclass
class PlatformFile:
    """A file a citizen sent on a platform: where the platform keeps it (fetched later, checked
    like an upload), or no `url` for what is not a file (a location, a sticker)."""

    kind: str  # the platform's type: image, video, audio, file, location...
    url: str | None
    name: str


@dataclass
class ChatIn:
    channel: str
    user_id: str  # the platform's id of the citizen (Zalo user id, Messenger page-scoped id)
    message_id: str
    text: str
    attachments: list[PlatformFile] = field(default_factory=list)  # what the citizen sent besides text


def _files(channel: str, items) -> list[PlatformFile]:
    """Both platforms give attachments as [{"type", "payload": {"url", ...}}] (Zalo adds the
    file's "name" for documents)."""
    files = []
    for n, a in enumerate(items or [], 1):
        if not isinstance(a, dict):
            continue
        kind = str(a.get("type", "file"))[:20]
        payload = a.get("payload") if isinstance(a.get("payload"), dict) else {}
        url = payload.get("url")
        url = url[:2000] if isinstance(url, str) and url.startswith(("https://", "http://")) else None
        name = payload.get("name") if isinstance(payload.get("name"), str) else f"{channel}-{kind}-{n}"
        files.append(PlatformFile(kind, url, name.replace("/", "_")[:200]))
    return files


@dataclass
class ChatRead:
    """The citizen read what the hotline sent on the platform up to `at`."""

    channel: str
    user_id: str
    at: datetime


def _moment(ms) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _env(name: str) -> str:
    return secret(name)


# -- Zalo OA ---------------------------------------------------------------------------------------
def zalo_signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """SHA-256 of the app id, the raw body, the event's timestamp and the OA secret key, in this
    order (Zalo's webhook documentation); sent as `X-ZEvent-Signature: mac=<hex>`."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()


# A timestamp as Zalo writes it at the top of an event: "timestamp":"1700000000000" (milliseconds).
# Found without parsing the body, so that nothing a stranger sends is parsed before its signature
# checks out; a match inside a string value cannot occur (its quotes would be escaped).
_ZALO_TIMESTAMP = re.compile(rb'"timestamp"[ \t\r\n]*:[ \t\r\n]*"?([0-9]{1,16})"?')


def same_secret(expected: str, given: str | None) -> bool:
    """A constant-time comparison of bytes: a header or query value with any characters at all is
    a mismatch, never an error."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def parse_event(body: bytes) -> dict | None:
    """The event's JSON object; None for anything else (not JSON, not an object, nested too deep)."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return event if isinstance(event, dict) else None


def zalo_signed_timestamp(config: Zalo, body: bytes, header: str | None) -> str | None:
    """The event's timestamp if the signature over the raw body is right, else None. Only the first
    few candidates are tried (a real event has one)."""
    secret = _env(config.oa_secret_env)
    if not secret or not header:
        return None
    given = header.strip()
    given = (given[4:] if given.startswith("mac=") else given).lower()
    for match in itertools.islice(_ZALO_TIMESTAMP.finditer(body), 4):
        timestamp = match.group(1).decode()
        if same_secret(zalo_signature(config.app_id, body, timestamp, secret), given):
            return timestamp
    return None


def zalo_fresh(timestamp: str, window_seconds: float, now: datetime) -> bool:
    """A signed event is taken only near its own time: an old one replayed is refused."""
    at = _moment(timestamp)
    return at is not None and abs((now - at).total_seconds()) <= window_seconds


def zalo_event(config: Zalo, body: bytes, timestamp: str) -> dict | None:
    """The signed body as an event for our app, carrying the timestamp that was signed."""
    event = parse_event(body)
    if event is None or str(event.get("app_id", "")) != config.app_id or str(event.get("timestamp", "")) != timestamp:
        return None
    return event


def zalo_messages(event: dict) -> list[ChatIn]:
    """A citizen's message (`user_send_text`, `user_send_image`, ...); other events say nothing."""
    name = str(event.get("event_name", ""))
    if not name.startswith("user_send_"):
        return []
    sender = str((event.get("sender") or {}).get("id", ""))
    message = event.get("message") or {}
    if not sender or not message.get("msg_id"):
        return []
    return [ChatIn("zalo", sender[:100], f"zalo:{message['msg_id']}"[:300], str(message.get("text", ""))[:20000],
                   _files("zalo", message.get("attachments")))]


def zalo_reads(event: dict) -> list[ChatRead]:
    """`user_seen_message`: the citizen (the event's recipient: the OA sent the messages) saw the
    OA's messages, at the event's timestamp (milliseconds)."""
    if event.get("event_name") != "user_seen_message":
        return []
    user = str((event.get("recipient") or {}).get("id", ""))
    at = _moment(event.get("timestamp"))
    return [ChatRead("zalo", user[:100], at)] if user and at else []


# -- Facebook Messenger ----------------------------------------------------------------------------
def facebook_signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def facebook_signed(config: Facebook, body: bytes, header: str | None) -> bool:
    secret = _env(config.app_secret_env)
    return bool(secret) and same_secret(facebook_signature(body, secret), (header or "").strip().lower())


def facebook_event(body: bytes) -> dict | None:
    event = parse_event(body)
    return event if event is not None and event.get("object") == "page" else None


def facebook_subscription(config: Facebook, mode: str | None, token: str | None) -> bool:
    """The webhook's subscription check (GET with hub.mode, hub.verify_token, hub.challenge)."""
    expected = _env(config.verify_token_env)
    return mode == "subscribe" and bool(expected) and same_secret(expected, token or "")


def facebook_messages(event: dict) -> list[ChatIn]:
    found = []
    for entry in event.get("entry") or []:
        for item in (entry or {}).get("messaging") or []:
            message = (item or {}).get("message") or {}
            sender = str(((item or {}).get("sender") or {}).get("id", ""))
            if not sender or not message.get("mid") or message.get("is_echo"):
                continue  # echoes are the page's own messages
            found.append(ChatIn("facebook", sender[:100], f"facebook:{message['mid']}"[:300],
                                str(message.get("text", ""))[:20000],
                                _files("facebook", message.get("attachments"))))
    return found


def facebook_reads(event: dict) -> list[ChatRead]:
    """`message_reads`: every message the page sent up to the watermark (milliseconds) was read."""
    found = []
    for entry in event.get("entry") or []:
        for item in (entry or {}).get("messaging") or []:
            sender = str(((item or {}).get("sender") or {}).get("id", ""))
            at = _moment(((item or {}).get("read") or {}).get("watermark"))
            if sender and at:
                found.append(ChatRead("facebook", sender[:100], at))
    return found


# -- sending ---------------------------------------------------------------------------------------
def zalo_payload(recipient: str, text: str) -> dict:
    return {"recipient": {"user_id": recipient}, "message": {"text": text[:MAX_TEXT]}}


def facebook_payload(recipient: str, text: str, tag: str | None = None) -> dict:
    """An answer within the standard window (RESPONSE), or an update outside it with its tag."""
    if tag:
        return {"recipient": {"id": recipient}, "messaging_type": "MESSAGE_TAG", "tag": tag,
                "message": {"text": text[:MAX_TEXT]}}
    return {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": text[:MAX_TEXT]}}


class PlatformSender:
    """Sends one message through a platform's send API; raises GatewayError with the reason."""

    def __init__(self, zalo: Zalo | None, facebook: Facebook | None, timeout: float = 15,
                 zalo_token: Callable[[], Awaitable[str]] | None = None,
                 zalo_refused: Callable[[], None] = lambda: None):
        self.zalo = zalo
        self.facebook = facebook
        self.zalo_token = zalo_token  # the OA's current access token (None: the environment's)
        self.zalo_refused = zalo_refused  # Zalo said the token is invalid
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def send(self, channel: str, recipient: str, text: str, tag: str | None = None) -> None:
        send = self._senders().get(channel)
        if send is None:
            raise GatewayError(f"{channel}: not configured")
        await self._guarded(channel, lambda: send(recipient, text, tag))

    def _senders(self) -> dict[str, Callable[[str, str, str | None], Awaitable[None]]]:
        """The configured platforms' send calls, by channel (a tag: Messenger's only)."""
        senders = {}
        if self.zalo is not None:
            senders["zalo"] = lambda recipient, text, tag: self._zalo(recipient, text)
        if self.facebook is not None:
            senders["facebook"] = lambda recipient, text, tag: self._facebook(
                facebook_payload(recipient, text, tag), "message_id")
        return senders

    async def action(self, channel: str, recipient: str, action: str) -> None:
        """Messenger's sender actions (`typing_on`, `mark_seen`): the citizen sees the page writing
        or having read. Best effort: not kept, not retried (Zalo's OA API has no such call; the
        Messenger adapter alone asks for them)."""
        payload = {"recipient": {"id": recipient}, "sender_action": action}
        acts = {"facebook": lambda: self._facebook(payload, "recipient_id")} if self.facebook is not None else {}
        if channel in acts:
            await self._guarded(f"{channel} {action}", acts[channel])

    async def _guarded(self, what: str, call: Callable[[], Awaitable[None]]) -> None:
        """One request on the shared client; a network failure becomes a GatewayError."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        try:
            await call()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise GatewayError(f"{what}: {type(exc).__name__}: {exc}") from exc

    async def _zalo(self, recipient: str, text: str) -> None:
        token = await self.zalo_token() if self.zalo_token else _env(self.zalo.access_token_env)
        headers = {"access_token": token, "Content-Type": "application/json"}
        async with self._http.post(self.zalo.send_url, json=zalo_payload(recipient, text), headers=headers) as r:
            body = await r.json(content_type=None) if r.status < 500 else None
            if r.status != 200 or not isinstance(body, dict) or body.get("error") != 0:
                if isinstance(body, dict) and body.get("error") == ZALO_INVALID_TOKEN:
                    self.zalo_refused()
                raise GatewayError(f"zalo: HTTP {r.status} {str(body)[:200]}")

    async def _facebook(self, payload: dict, expected: str) -> None:
        """The Send API (a message or a sender action); its answer carries `expected`."""
        params = {"access_token": _env(self.facebook.page_token_env)}
        async with self._http.post(self.facebook.send_url, json=payload, params=params) as r:
            body = await r.json(content_type=None) if r.status < 500 else None
            if r.status != 200 or not isinstance(body, dict) or expected not in body:
                raise GatewayError(f"facebook: HTTP {r.status} {str(body)[:200]}")

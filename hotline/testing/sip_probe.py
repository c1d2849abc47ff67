"""A minimal SIP client for tests of who Asterisk lets in: one request (REGISTER or INVITE) over
UDP from a chosen source address, or over the softphones' WebSocket, answering a digest challenge
with the given password. Returns the final status code (0: no answer)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import socket


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _status(reply: str) -> int:
    m = re.match(r"SIP/2\.0 (\d{3})", reply)
    return int(m.group(1)) if m else 0


def _challenge(reply: str) -> dict[str, str] | None:
    m = re.search(r"^WWW-Authenticate:\s*Digest\s+(.*)$", reply, re.MULTILINE | re.IGNORECASE)
    if not m:
        return None
    return {k.lower(): v for k, v in re.findall(r'(\w+)="?([^",]*)"?', m.group(1))}


class SipRequest:
    def __init__(self, method: str, user: str, host: str, transport: str, local: str, target_user: str | None = None):
        self.method, self.user, self.host, self.transport, self.local = method, user, host, transport, local
        self.ruri = f"sip:{target_user}@{host}" if target_user else f"sip:{host}"
        self.call_id = secrets.token_hex(8)
        self.tag = secrets.token_hex(4)
        self.cseq = 1

    def text(self, auth: str | None = None) -> str:
        branch = "z9hG4bK" + secrets.token_hex(6)
        contact_host = "probe.invalid" if self.transport == "WS" else self.local
        lines = [f"{self.method} {self.ruri} SIP/2.0",
                 f"Via: SIP/2.0/{self.transport} {contact_host};branch={branch};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{self.user}@{self.host}>;tag={self.tag}",
                 f"To: <{self.ruri if self.method == 'INVITE' else f'sip:{self.user}@{self.host}'}>",
                 f"Call-ID: {self.call_id}", f"CSeq: {self.cseq} {self.method}",
                 f"Contact: <sip:{self.user}@{contact_host};transport={self.transport.lower()}>"]
        if self.method == "REGISTER":
            lines.append("Expires: 60")
        if auth:
            lines.append(auth)
        lines.append("Content-Length: 0")
        self.cseq += 1
        return "\r\n".join(lines) + "\r\n\r\n"

    def authorization(self, challenge: dict[str, str], username: str, password: str) -> str:
        ha1 = _md5(f"{username}:{challenge['realm']}:{password}")
        ha2 = _md5(f"{self.method}:{self.ruri}")
        nc, cnonce = "00000001", secrets.token_hex(4)
        if "auth" in challenge.get("qop", ""):
            resp = _md5(f"{ha1}:{challenge['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            resp, extra = _md5(f"{ha1}:{challenge['nonce']}:{ha2}"), ""
        opaque = f', opaque="{challenge["opaque"]}"' if "opaque" in challenge else ""
        return (f'Authorization: Digest username="{username}", realm="{challenge["realm"]}", '
                f'nonce="{challenge["nonce"]}", uri="{self.ruri}", response="{resp}", algorithm=MD5{extra}{opaque}')


async def _final(recv) -> tuple[int, str]:
    """The next final response, skipping provisional ones and any request the server sends on the
    same connection (Asterisk qualifies a new WebSocket contact at once, and that OPTIONS can reach
    the wire before the REGISTER's 200). (0, "") when nothing comes in time."""
    while True:
        reply = await recv()
        if not reply:
            return 0, ""
        status = _status(reply)
        if status >= 200:
            return status, reply


async def _exchange(send, recv, req: SipRequest, password: str | None, username: str) -> int:
    await send(req.text())
    status, reply = await _final(recv)
    if status == 401 and password is not None:
        challenge = _challenge(reply)
        if challenge:
            await send(req.text(req.authorization(challenge, username, password)))
            status, _ = await _final(recv)
    return status


async def over_udp(method: str, user: str, target: str, source: str = "127.0.0.1", password: str | None = None,
                   target_user: str | None = None, timeout: float = 5) -> int:
    """`target` host:port; the request leaves from `source`."""
    host, port = target.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    req = SipRequest(method, user, host, "UDP", f"{source}:{sock.getsockname()[1]}", target_user)

    async def send(text: str) -> None:
        await loop.sock_sendto(sock, text.encode(), (host, int(port)))

    async def recv() -> str:
        try:
            data = await asyncio.wait_for(loop.sock_recv(sock, 65535), timeout)
        except asyncio.TimeoutError:
            return ""
        return data.decode(errors="replace")

    try:
        return await _exchange(send, recv, req, password, user)
    finally:
        sock.close()


async def over_websocket(ws_url: str, user: str, password: str | None, timeout: float = 15, ssl=None) -> int:
    """REGISTER over Asterisk's SIP WebSocket (or a TLS proxy's, with `ssl`), as a browser does."""
    import websockets

    host = re.sub(r"^wss?://", "", ws_url).split("/")[0]
    async with websockets.connect(ws_url, subprotocols=["sip"], ssl=ssl, close_timeout=2) as ws:
        req = SipRequest("REGISTER", user, host.rsplit(":", 1)[0], "WS", "probe.invalid")  # [::1] kept bracketed

        async def recv() -> str:
            try:
                data = await asyncio.wait_for(ws.recv(), timeout)
            except asyncio.TimeoutError:
                return ""
            return data if isinstance(data, str) else data.decode(errors="replace")

        return await _exchange(ws.send, recv, req, password, user)

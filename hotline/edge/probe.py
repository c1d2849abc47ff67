"""Is the edge answering? One SIP OPTIONS over UDP to its listening address (the container's
health check)."""

from __future__ import annotations

import secrets
import socket

from hotline.edge.settings import EdgeSettings, sip_host


def options_status(settings: EdgeSettings, timeout: float = 3, user: str = "") -> int:
    """The status code of the reply to an OPTIONS to `settings.listen_address` (0: no reply),
    for `user`'s extension there if given (as the edge probes a node)."""
    ip, port = settings.listen_address
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((ip, port))
        local_ip, local_port = sock.getsockname()[:2]
        here, there = f"{sip_host(local_ip)}:{local_port}", f"{sip_host(ip)}:{port}"
        tag, call_id = secrets.token_hex(4), secrets.token_hex(8)
        target = f"{user}@{there}" if user else there
        request = (f"OPTIONS sip:{target} SIP/2.0\r\nVia: SIP/2.0/UDP {here};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
                   f"From: <sip:health@{here}>;tag={tag}\r\nTo: <sip:{there}>\r\nCall-ID: {call_id}\r\n"
                   f"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        sock.send(request.encode())
        try:
            reply = sock.recv(65535).decode(errors="replace")
        except (socket.timeout, ConnectionRefusedError):
            return 0
    words = reply.split(" ", 2)
    return int(words[1]) if len(words) > 1 and words[0] == "SIP/2.0" and words[1].isdigit() else 0

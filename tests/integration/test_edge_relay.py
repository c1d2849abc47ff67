"""The SIP edge relays nothing for strangers, and reads the database with a role of its own, as
an attacker would try it: in-dialog requests (a To-tag and a Route through the edge) sent from an
address that is neither a node nor the trunk, and over a WebSocket on which no softphone signed
in, are refused; the same request from the trunk or from a signed-in softphone goes through. The
edge's PostgreSQL role cannot read tickets or anything of the SIP passwords but the digest."""

from __future__ import annotations

import asyncio
import secrets
import socket
import subprocess
import sys

import asyncpg
import pytest
import websockets

from hotline.edge import db_role
from hotline.security.sip_digest import ha1
from hotline.store.accounts import SipPassword
from hotline.store.base import utcnow
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.testing import sip_probe
from hotline.testing.edge import EdgeInstance
from hotline.testing.ports import free_server_port
from hotline.testing.postgres import TempPostgres

pytestmark = pytest.mark.integration

STRANGER = "127.0.0.2"
VICTIM = "127.0.0.3"


def in_dialog_bye(edge_port: int, via: str, transport: str, victim_port: int) -> str:
    """A BYE within a (made-up) call, routed through the edge to a host of the sender's choice."""
    return "\r\n".join([
        f"BYE sip:victim@{VICTIM}:{victim_port} SIP/2.0",
        f"Via: SIP/2.0/{transport} {via};branch=z9hG4bK{secrets.token_hex(6)};rport",
        f"Route: <sip:127.0.0.1:{edge_port};lr>",
        "Max-Forwards: 70",
        f"From: <sip:someone@example.invalid>;tag={secrets.token_hex(4)}",
        f"To: <sip:victim@{VICTIM}>;tag={secrets.token_hex(4)}",
        f"Call-ID: {secrets.token_hex(8)}", "CSeq: 2 BYE", "Content-Length: 0", "", ""])


class Victim:
    """A UDP port that counts the SIP requests relayed to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((VICTIM, 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    async def receive(self, timeout: float) -> str:
        try:
            data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(self.sock, 65535), timeout)
        except asyncio.TimeoutError:
            return ""
        return data.decode(errors="replace")

    def take(self) -> str:
        """Everything relayed here so far ("" when nothing), retransmissions included."""
        got = []
        while True:
            try:
                got.append(self.sock.recv(65535).decode(errors="replace"))
            except BlockingIOError:
                return "".join(got)


async def bye_over_udp(edge: EdgeInstance, source: str, victim: Victim) -> tuple[int, str]:
    """(the edge's final reply, what the victim got). A relayed BYE reaches the victim before the
    edge's reply: the victim does not answer, so the edge replies 408 once it gives up."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_sendto(sock, in_dialog_bye(edge.port, f"{source}:{sock.getsockname()[1]}", "UDP",
                                                   victim.port).encode(), ("127.0.0.1", edge.port))
        status = 0
        while status < 200:
            try:
                reply = await asyncio.wait_for(loop.sock_recv(sock, 65535), 15)
            except asyncio.TimeoutError:
                break
            status = sip_probe._status(reply.decode(errors="replace"))
        return status, victim.take()
    finally:
        sock.close()


async def test_in_dialog_requests_are_relayed_only_for_nodes_the_trunk_and_signed_in_softphones(workdir):
    pg = TempPostgres().start()
    edge = None
    victim = Victim()
    try:
        url = await pg.create_database("relay")
        engine = make_engine(url)
        await migrate(engine)
        async with sessionmaker(engine)() as s, s.begin():
            s.add(SipPassword(phone="op1", ha1=ha1("op1", "issued-to-op1"), issued_at=utcnow()))
        await engine.dispose()
        # The containers' set-up grants after each migration, only where the role exists.
        for database in (url, "sqlite+aiosqlite:///nowhere.db"):
            quiet = subprocess.run([sys.executable, "-m", "hotline.edge_cli", "db-role", "--if-exists",
                                    "--database-url", database], capture_output=True, text=True, timeout=60)
            assert quiet.returncode == 0 and "nothing to grant" in quiet.stdout, quiet.stderr
        assert await db_role.ensure_role(url, "hotline_edge", "edge-secret") is True
        assert await db_role.ensure_role(url, "hotline_edge") is False  # again: grants only
        edge_url = f"postgresql://hotline_edge:edge-secret@127.0.0.1:{pg.port}/relay"

        # The edge's role: what Kamailio uses, nothing more.
        conn = await asyncpg.connect(edge_url)
        try:
            assert await conn.fetchval("SELECT ha1 FROM sip_passwords WHERE phone = 'op1'") == ha1("op1", "issued-to-op1")
            for query in ("SELECT count(*) FROM tickets", "SELECT user_id FROM sip_passwords",
                          "SELECT count(*) FROM users", "SELECT count(*) FROM web_sessions",
                          "DELETE FROM sip_passwords", "UPDATE sip_passwords SET ha1 = ''"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(query)
        finally:
            await conn.close()

        # Only 127.0.0.1 is the trunk; the node is not running (nothing here needs it).
        edge = EdgeInstance(workdir / "edge-relay", [("a", f"127.0.0.1:{free_server_port()}", 10)],
                            database_url=edge_url, trunk_sources=["127.0.0.1/32"])
        await edge.start()

        assert await bye_over_udp(edge, STRANGER, victim) == (403, "")
        status, relayed = await bye_over_udp(edge, "127.0.0.1", victim)  # the trunk: within its calls
        assert status == 408 and relayed.startswith(f"BYE sip:victim@{VICTIM}:{victim.port}")

        async with websockets.connect(edge.ws_url, subprotocols=["sip"], close_timeout=2) as ws:
            async def recv() -> str:
                try:
                    data = await asyncio.wait_for(ws.recv(), 10)
                except asyncio.TimeoutError:
                    return ""
                return data if isinstance(data, str) else data.decode(errors="replace")

            # Connected, not signed in: refused.
            await ws.send(in_dialog_bye(edge.port, "probe.invalid", "WS", victim.port))
            assert sip_probe._status(await recv()) == 403
            assert victim.take() == ""
            # A wrong password does not sign the connection in either.
            register = sip_probe.SipRequest("REGISTER", "op1", "127.0.0.1", "WS", "probe.invalid")
            assert await sip_probe._exchange(ws.send, recv, register, "a-guess", "op1") == 401
            await ws.send(in_dialog_bye(edge.port, "probe.invalid", "WS", victim.port))
            assert sip_probe._status(await recv()) == 403
            # Registered with the issued password (through the edge's role): its calls' requests go through.
            register = sip_probe.SipRequest("REGISTER", "op1", "127.0.0.1", "WS", "probe.invalid")
            assert await sip_probe._exchange(ws.send, recv, register, "issued-to-op1", "op1") == 200
            await ws.send(in_dialog_bye(edge.port, "probe.invalid", "WS", victim.port))
            assert (await victim.receive(10)).startswith(f"BYE sip:victim@{VICTIM}:{victim.port}")
    finally:
        victim.sock.close()
        if edge is not None:
            await edge.stop()
        pg.stop()

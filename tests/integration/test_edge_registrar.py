"""The SIP edge as the operators' registrar, as an attacker would try it: a softphone registers on
its WebSocket only with the password the hotline issued to that phone (not another phone's, not
a guess), a registration is stored in the database, and nothing registers over the trunk's UDP."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hotline.security.sip_digest import ha1
from hotline.store.accounts import SipPassword
from hotline.store.base import utcnow
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.testing import sip_probe
from hotline.testing.edge import EdgeInstance
from hotline.testing.ports import free_server_port
from hotline.testing.postgres import TempPostgres

pytestmark = pytest.mark.integration


async def test_only_the_issued_password_registers_a_softphone(workdir):
    pg = TempPostgres().start()
    edge = None
    try:
        url = await pg.create_database("registrar")
        engine = make_engine(url)
        await migrate(engine)
        async with sessionmaker(engine)() as s, s.begin():
            s.add_all([SipPassword(phone="op1", ha1=ha1("op1", "issued-to-op1"), issued_at=utcnow()),
                       SipPassword(phone="op2", ha1=ha1("op2", "issued-to-op2"), issued_at=utcnow())])
        # A node that is not running: the registrar works without one.
        edge = EdgeInstance(workdir / "edge-registrar", [("a", f"127.0.0.1:{free_server_port()}", 10)],
                            database_url=url)
        await edge.start()

        assert await sip_probe.over_websocket(edge.ws_url, "op1", "a-guess") == 401
        assert await sip_probe.over_websocket(edge.ws_url, "op1", "issued-to-op2") == 401  # another phone's
        assert await sip_probe.over_websocket(edge.ws_url, "nobody", "issued-to-op1") == 401
        assert await sip_probe.over_websocket(edge.ws_url, "op1", None) == 401
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM sip_locations"))).scalar() == 0

        assert await sip_probe.over_websocket(edge.ws_url, "op1", "issued-to-op1") == 200
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT username, contact FROM sip_locations"))).all()
        assert [r.username for r in rows] == ["op1"] and "transport=ws" in rows[0].contact

        # A new password issued (a new desktop session): the old one stops working at once.
        async with sessionmaker(engine)() as s, s.begin():
            (await s.get(SipPassword, "op1")).ha1 = ha1("op1", "issued-again")
        assert await sip_probe.over_websocket(edge.ws_url, "op1", "issued-to-op1") == 401
        assert await sip_probe.over_websocket(edge.ws_url, "op1", "issued-again") == 200

        # The trunk side (UDP) is no registrar, whatever the password.
        assert await sip_probe.over_udp("REGISTER", "op2", edge.sip_target, password="issued-to-op2") == 405
        await engine.dispose()
    finally:
        if edge is not None:
            await edge.stop()
        pg.stop()

"""The generic HTTP SMS gateway against a real (in-process) HTTP server."""

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.notifications.gateways import GatewayError, HttpGateway


@pytest.fixture
async def provider():
    received, replies = [], []

    async def sms(request: web.Request) -> web.Response:
        received.append((request.headers.get("Authorization"), await request.json()))
        status = replies.pop(0) if replies else 200
        if status == "slow":
            await asyncio.sleep(2)
            status = 200
        return web.json_response({"ok": status == 200}, status=status)

    app = web.Application()
    app.router.add_post("/sms", sms)
    server = TestServer(app)
    await server.start_server()
    yield server, received, replies
    await server.close()


async def test_accepted_message_carries_token_id_and_text(provider):
    server, received, _ = provider
    gateway = HttpGateway(str(server.make_url("/sms")), "s3cret")
    try:
        await gateway.send(7, "0912345678", "Phiếu chuyển ĐT-123")
    finally:
        await gateway.close()
    assert received == [("Bearer s3cret", {"id": 7, "to": "0912345678", "text": "Phiếu chuyển ĐT-123"})]


async def test_refusal_timeout_and_unreachable_are_gateway_errors(provider):
    server, received, replies = provider
    replies.extend([503, "slow"])
    gateway = HttpGateway(str(server.make_url("/sms")), None, timeout=0.5)
    try:
        with pytest.raises(GatewayError, match="HTTP 503"):
            await gateway.send(1, "0912345678", "x")
        with pytest.raises(GatewayError, match="Timeout"):
            await gateway.send(2, "0912345678", "x")
    finally:
        await gateway.close()
    assert [auth for auth, _ in received] == [None, None]
    closed = HttpGateway("http://127.0.0.1:9/sms", None, timeout=2)
    try:
        with pytest.raises(GatewayError):
            await closed.send(3, "0912345678", "x")
    finally:
        await closed.close()

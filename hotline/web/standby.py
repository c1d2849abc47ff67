"""A node that does not serve the desktops (another node behind the SIP edge does, see
`hotline.nodes.serving`) answers every request 503, so that the proxy in front of the nodes sends
it to the node that serves; its own health check still answers."""

from __future__ import annotations

from typing import Callable

from aiohttp import web

from hotline.web.auth import error

HEALTH_PATH = "/healthz"


def standby_refusal(serving: Callable[[], bool]):
    @web.middleware
    async def refuse_on_standby(request: web.Request, handler):
        if request.path != HEALTH_PATH and not serving():
            resp = error(503, "Máy chủ này đang dự phòng; hệ thống đang chuyển sang máy chủ chính", "standby_node")
            resp.headers["Retry-After"] = "1"
            return resp
        return await handler(request)

    return refuse_on_standby

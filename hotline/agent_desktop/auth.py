"""Who may call an HTTP route: the session cookie and the role, checked before the handler runs."""

from __future__ import annotations

from aiohttp import web

from hotline.errors import Refused

COOKIE = "hl_session"


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def refusals(request: web.Request, handler):
    """A `Refused` raised anywhere below a route becomes its JSON error response."""
    try:
        return await handler(request)
    except Refused as exc:
        return error(exc.status, str(exc))


def path_id(request: web.Request, name: str, unknown: str) -> int:
    """The integer id in the URL's `name` part; anything else is an unknown thing (404)."""
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 9:
        raise Refused(404, unknown)
    return int(value)


def requires(*roles: str):
    """Route decorator for methods of an object with `accounts`: a valid session, and one of
    `roles` (none given: any role). State-changing requests must be JSON."""

    def wrap(handler):
        async def inner(self, request: web.Request):
            p = await self.accounts.session_user(request.cookies.get(COOKIE))
            if p is None:
                return error(401, "Chưa đăng nhập hoặc phiên đã hết hạn")
            if roles and p.role not in roles:
                return error(403, "Không có quyền thực hiện thao tác này")
            if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.content_type != "application/json":
                return error(415, "Yêu cầu phải ở dạng JSON")
            request["principal"] = p
            return await handler(self, request)

        inner.__name__ = handler.__name__
        return inner

    return wrap

"""Who may call an HTTP route: the session cookie and the role, checked before the handler runs."""

from __future__ import annotations

from aiohttp import web

from hotline.errors import Refused

COOKIE = "hl_session"
LOGIN_COOKIE = "hl_login"  # a sign-in waiting for its second factor
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


# The stable machine-readable `code` of an error, by status, where a route gives none of its own.
CODES = {400: "invalid_input", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict",
         410: "gone", 413: "body_too_large", 415: "unsupported_media_type", 422: "refused_input",
         423: "account_locked", 429: "rate_limited", 502: "telephony_refused"}


def error(status: int, message: str, code: str | None = None) -> web.Response:
    """The JSON error every route answers with: a Vietnamese message for the user and a stable
    machine-readable `code` for the client (a specific one where a client acts on it)."""
    return web.json_response({"error": message, "code": code or CODES.get(status, "error")}, status=status)


@web.middleware
async def refusals(request: web.Request, handler):
    """A `Refused` raised anywhere below a route becomes its JSON error response."""
    try:
        return await handler(request)
    except Refused as exc:
        return error(exc.status, str(exc), exc.code)


def path_id(request: web.Request, name: str, unknown: str) -> int:
    """The integer id in the URL's `name` part; anything else is an unknown thing (404)."""
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 9:
        raise Refused(404, unknown)
    return int(value)


UPLOAD_HEADER = "X-Hotline-Upload"


def _cross_site(request: web.Request, upload: bool) -> bool:
    """State-changing requests must be JSON, which a page of another site cannot send without
    the browser asking first. File uploads (multipart) must instead carry `X-Hotline-Upload`, a
    header another site cannot set either, and come from this origin if the browser names one."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.content_type == "application/json":
        return False
    if not upload or request.content_type != "multipart/form-data" or request.headers.get(UPLOAD_HEADER) != "1":
        return True
    origin = request.headers.get("Origin")
    return bool(origin) and origin.split("://", 1)[-1] != request.host


def _origin_host(origin: str) -> str | None:
    scheme, sep, rest = origin.partition("://")
    return rest if sep and scheme in ("http", "https") and rest else None


def cross_site_cookie(request: web.Request) -> bool:
    """A state-changing request that carries a session (or sign-in) cookie but was sent by a page
    of another site. Browsers name the page's site: `Sec-Fetch-Site` (anything but same-origin,
    or none for what the user typed, is refused), else `Origin` (its host must be this server's,
    as for the WebSocket). A request with neither does not come from a browser, where such
    forgery happens (the same rule as Go's CrossOriginProtection)."""
    if request.method not in STATE_CHANGING or not (COOKIE in request.cookies or LOGIN_COOKIE in request.cookies):
        return False
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return _origin_host(origin) != request.host


@web.middleware
async def cross_site_refusal(request: web.Request, handler):
    """403 before any handler for a state-changing request with a cookie of this site sent by a
    page of another (`cross_site_cookie`). Webhooks and public forms without a cookie pass."""
    if cross_site_cookie(request):
        return error(403, "Yêu cầu đến từ trang khác: bị từ chối", "cross_site")
    return await handler(request)


def same_origin(request: web.Request) -> bool:
    """The page that opens a WebSocket is this site's (browsers always name it): a page of another
    site must not open one with this site's cookie or a chat's secret."""
    origin = request.headers.get("Origin")
    return origin is not None and origin.split("://", 1)[-1] == request.host


MUST_CHANGE = "Bạn cần đổi mật khẩu trước khi tiếp tục"
PRINCIPAL = web.RequestKey("principal", object)


def principal(request: web.Request):
    """The logged-in user of a request that passed `requires` (`agent_desktop.accounts.Principal`)."""
    return request[PRINCIPAL]


def requires(*roles: str, upload: bool = False, before_password_change: bool = False):
    """Route decorator for methods of an object with `accounts`: a valid session, and one of
    `roles` (none given: any role). State-changing requests must be JSON (or, where `upload`,
    a same-site multipart upload). A user who must change their password reaches only the routes
    marked `before_password_change` (who am I, change password, log out)."""

    def wrap(handler):
        async def inner(self, request: web.Request):
            p = await self.accounts.session_user(request.cookies.get(COOKIE))
            if p is None:
                return error(401, "Chưa đăng nhập hoặc phiên đã hết hạn")
            if roles and p.role not in roles:
                return error(403, "Không có quyền thực hiện thao tác này")
            if p.must_change_password and not before_password_change:
                return error(403, MUST_CHANGE, "password_change_required")
            if _cross_site(request, upload):
                return error(415, "Yêu cầu phải ở dạng JSON")
            request[PRINCIPAL] = p
            return await handler(self, request)

        inner.__name__ = handler.__name__
        inner.__doc__ = handler.__doc__
        inner.roles = roles  # read by the route tables, the API document and the route-walk test
        inner.before_password_change = before_password_change
        return inner

    return wrap


def own_session_check(handler):
    """Marks a handler that checks the session itself, for any role (the WebSocket handshake,
    which answers 401/403 before it upgrades)."""
    handler.roles = ()
    return handler

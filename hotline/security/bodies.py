"""Request bodies of routes anyone can reach (handlers marked public: the citizens' pages and
their API, the login, the platforms' webhooks) are refused with 413 from their announced length,
before a byte is read; one without a length (chunked) gets 411. Routes behind a session check the
session first, then read their body with their own limit."""

from __future__ import annotations

from aiohttp import web

BODY_METHODS = ("POST", "PUT", "PATCH")


def anonymous(request: web.Request) -> bool:
    """Anyone may call the route this request matched (its handler is marked public); a request
    that matched no route is treated as anonymous too."""
    handler = request.match_info.handler
    return getattr(handler, "public", False) or request.match_info.http_exception is not None


def body_limits(small: int, uploads: dict[str, int]):
    """`small` bytes for anonymous bodies, `uploads[path]` for the anonymous routes that take more
    (the report form's files, the platforms' batches of events)."""

    @web.middleware
    async def limit(request: web.Request, handler):
        if request.method in BODY_METHODS and anonymous(request):
            most = uploads.get(request.path, small)
            length = request.content_length
            if length is None and request.body_exists:
                return _refuse(request, 411, "Yêu cầu cần ghi rõ độ dài nội dung (Content-Length)")
            if length is not None and length > most:
                return _refuse(request, 413, f"Nội dung quá lớn (tối đa {most // 1024} KB)")
        return await handler(request)

    return limit


def _refuse(request: web.Request, status: int, message: str) -> web.Response:
    headers = {"Connection": "close"}  # the rest of the body is not read
    if request.path.startswith("/api/"):
        return web.json_response({"error": message, "code": "body_too_large" if status == 413 else "length_required"},
                                 status=status, headers=headers)
    return web.Response(text=message, status=status, headers=headers, content_type="text/plain")

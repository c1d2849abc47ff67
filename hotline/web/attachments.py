"""Attachments over HTTP: reading a multipart form (text fields and files) with one clear refusal
when the body is larger than the server accepts, and sending a stored file back as a download."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from hotline.errors import Refused
from hotline.ticketing.attachments import Upload
from hotline.store.tickets import Attachment


async def read_form(request: web.Request, files_field: str = "files") -> tuple[dict[str, str], list[Upload]]:
    # aiohttp bounds the form as it reads it: the server's body size and 1,000 parts (its
    # client_max_fields), both refused with 413; a nested multipart or a part without a name is
    # a 400, not an error of the server.
    try:
        post = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "Nội dung hoặc tệp đính kèm quá lớn, hoặc biểu mẫu có quá nhiều phần") from None
    except ValueError:
        raise Refused(400, "Biểu mẫu không hợp lệ (phần lồng nhau hoặc thiếu tên)") from None
    fields = {k: v for k, v in post.items() if isinstance(v, str)}
    # aiohttp spools each file of the body to a temporary file: the upload is read from there. A
    # file input left empty (the camera's, beside the files') comes as an empty part with no name.
    uploads = [Upload(f.filename or "tep", f.file) for f in post.getall(files_field, [])
               if isinstance(f, web.FileField) and f.filename]
    return fields, uploads


def send_file(a: Attachment, path: Path, inline: bool = False) -> web.FileResponse:
    """The file as stored, with the type recognised on upload; never interpreted by the browser
    as a page (a download, except images and media shown inline where asked)."""
    disposition = "inline" if inline else "attachment"
    return web.FileResponse(path, headers={
        "Content-Type": a.content_type, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'", "X-Frame-Options": "DENY",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(a.filename)}"})


def send_document(html: str) -> web.Response:
    """A printable page the server wrote (a result letter): no scripts, only its own styles."""
    return web.Response(text=html, content_type="text/html", headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def send_pdf(pdf: bytes, filename: str) -> web.Response:
    """A document the server made, as PDF (shown in the browser, saved under `filename`)."""
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def wants_signed(value: str | None) -> bool:
    """The `signed` parameter of a document's PDF: 1 for the issuer's signed copy."""
    if value in (None, "", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise Refused(422, "Tham số signed: 1 (bản có chữ ký số) hoặc 0")

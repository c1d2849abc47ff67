"""HTML and PDF of the documents, from one set of templates (`templates/`, Jinja2, autoescaped:
what a citizen wrote is shown as text).

The PDF is WeasyPrint's print of the same page (A4, the templates' `@page`), with the fonts the
machine has (fontconfig: DejaVu where "Times New Roman" is missing), embedded and with their
Unicode map, so that Vietnamese text is drawn and can be copied and searched. It is made in a
worker process (`hotline.untrusted`), never on the event loop that serves calls, and fetches
nothing: a template or a citizen's text cannot make it read a file or a URL."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hotline.errors import Refused
from hotline.untrusted import Refusal, Sandbox, shared

TEMPLATES = Path(__file__).parent / "templates"
PDF_SECONDS = 60.0  # a letter of a few pages takes well under a second


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page (run in a worker process: module level, imported there by name)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


class Renderer:
    def __init__(self, sandbox: Sandbox | None = None):
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]))
        self._sandbox = sandbox

    def html(self, template: str, **values) -> str:
        return self.env.get_template(template).render(**values)

    async def pdf(self, html: str) -> bytes:
        try:
            return await (self._sandbox or shared()).run(html_to_pdf, html, seconds=PDF_SECONDS)
        except Refusal as exc:
            raise Refused(503, f"Không tạo được tệp PDF ({exc.reason}); vui lòng thử lại") from None


_renderer: Renderer | None = None


def renderer() -> Renderer:
    """The process's renderer (its templates are parsed once)."""
    global _renderer
    if _renderer is None:
        _renderer = Renderer()
    return _renderer

"""The public web pages (no account): report form, published results, look-up, rating, follow-up.
Rendered on the server with Jinja2 (autoescaped: whatever a citizen typed is shown as text)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hotline.applications.status import NoSource, StatusSource, Unavailable, clean_code
from hotline.knowledge.articles import Editor, KnowledgeBase
from hotline.web.validation import PublicReportIn, validated
from hotline.errors import Refused
from hotline.places import places
from hotline.security.clients import client_address
from hotline.security.limits import RateLimiter
from hotline.settings import Maps, Security
from hotline.public.desk import PublicDesk, digits, public_link
from hotline.web.attachments import read_form, send_document, send_file, send_pdf, wants_signed
from hotline.web.routes import Resource, Route, public
from hotline.ticketing.codes import is_valid_code
from hotline.ticketing.attachments import MAX_FILES
from hotline.ticketing.handling import RATINGS, Payload

TEMPLATES = Path(__file__).parent / "templates"
# The address field's commune search, per client address: typing with the picker's pause asks a
# few times a second at most; a script walking the list is slowed down.
PLACE_SEARCHES_PER_MINUTE = 120
PUBLIC_READER = Editor("citizen", "citizen")  # sees approved versions only


def _limited(limiter: RateLimiter, key: str) -> None:
    wait = limiter.take(key)
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        raise Refused(429, f"Quá nhiều yêu cầu; vui lòng thử lại sau khoảng {minutes} phút")


class PublicPages(Resource):
    def __init__(self, desk: PublicDesk, security: Security | None = None, kb: KnowledgeBase | None = None,
                 applications: StatusSource | None = None, maps: Maps | None = None):
        self.desk = desk
        self.maps = maps or Maps()
        self.kb = kb
        self.applications = applications or NoSource()
        sec = security or Security()
        window = sec.public_window_seconds
        self.reports_by_address = RateLimiter(sec.reports_per_address, window)
        self.reports_by_phone = RateLimiter(sec.reports_per_phone, window)
        self.lookups_by_address = RateLimiter(sec.lookups_per_address, sec.lookup_window_seconds)
        self.feedback_by_address = RateLimiter(sec.feedback_per_address, window)
        self.place_searches = RateLimiter(PLACE_SEARCHES_PER_MINUTE, 60)
        self.places = places()  # loaded at start, not on a citizen's first keystroke
        province = self.places.divisions.province_named(desk.handling.profile.name)
        self.province = province.code if province else None
        profile = desk.handling.profile
        tz = ZoneInfo(profile.calendar.timezone)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]))
        self.env.filters["day"] = lambda d: d.strftime("%d/%m/%Y") if d else ""
        self.env.filters["localtime"] = lambda d: d.astimezone(tz).strftime("%H:%M %d/%m/%Y") if d else ""
        self.common = {"province": profile.name, "max_files": MAX_FILES, "max_mb": desk.max_bytes // (1024 * 1024),
                       "letters": profile.result_letter.enabled,
                       "topics": profile.queues.queues and [q for q in profile.queues.queues if q.topic],
                       "ratings": dict(sorted(RATINGS.items(), reverse=True)), "map": self.maps.public()}

    def routes(self) -> list[Route]:
        page = {"documented": False}  # HTML forms for citizens, not the JSON API
        return [
            Route("GET", "/phan-anh", self.report_form, "Report form", **page),
            Route("POST", "/phan-anh", self.report, "Send a report", **page),
            Route("GET", "/ket-qua", self.results, "Published results", **page),
            Route("GET", "/ket-qua/{code}/tep/{file}", self.result_file, "A published result's file", **page),
            Route("GET", "/tra-cuu", self.lookup_form, "Look-up form", **page),
            Route("POST", "/tra-cuu", self.lookup, "Look up one's own report (code and phone; the code alone: "
                  "its public progress)", **page),
            Route("GET", "/p/{secret}", self.by_secret, "A ticket's public page by the secret of its receipt's link",
                  **page),
            Route("GET", "/p/{secret}/tep/{file}", self.secret_file,
                  "A file the unit made public (a progress update's photo), from the receipt link's page", **page),
            Route("POST", "/tra-cuu/danh-gia", self.rate, "Rate the answer", **page),
            Route("POST", "/tra-cuu/hoi-them", self.ask, "Ask a follow-up question", **page),
            Route("POST", "/tra-cuu/thong-bao", self.letter, "The result letter", **page),
            Route("POST", "/tra-cuu/thong-bao/pdf", self.letter_pdf,
                  "The result letter as PDF (signed=1: signed by the agency that answered, where it has a certificate)",
                  **page),
            Route("GET", "/hoi-dap", self.faq, "Questions and answers (the approved knowledge base), searchable",
                  **page),
            Route("GET", "/hoi-dap/{id}", self.faq_article, "One question and its answer", **page),
            Route("GET", "/tra-cuu-ho-so", self.application, "An administrative application's status", **page),
            Route("GET", "/api/public/places", self.search_places,
                  "The report form's address field: communes, wards and special zones by name typed without "
                  "diacritics, today's or before 1 July 2025 (q); limited per client address", extra=("429",)),
        ]

    @public
    async def search_places(self, request: web.Request) -> web.Response:
        try:
            _limited(self.place_searches, client_address(request))
        except Refused as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        hits = self.places.search(request.query.get("q", "")[:100], self.province, limit=8)
        return web.json_response([h.public() for h in hits])

    def render(self, template: str, status: int = 200, scripts: bool = False, private: bool = False,
               **values) -> web.Response:
        """A citizens' page: no script runs on it, but on the chat page (its own script only). A
        `private` page (its address is a secret) is kept by no cache and indexed by no robot."""
        html = self.env.get_template(template).render(**self.common, **values)
        script = "script-src 'self'; connect-src 'self'" if scripts else "script-src 'none'"
        script += f"; img-src 'self' data: blob: {self.maps.origin}"  # the maps' tiles come from their server
        extra = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"} if private else {}
        return web.Response(text=html, status=status, content_type="text/html",
                            headers={**extra, "Content-Security-Policy": f"default-src 'self'; {script}; "
                                                                "frame-ancestors 'none'",
                                     "X-Frame-Options": "DENY",  # no page of another site may frame these
                                     "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    @public
    async def report_form(self, request: web.Request) -> web.Response:
        return self.render("report_form.html.j2", scripts=True, title="Gửi phản ánh, kiến nghị", form={})

    @public
    async def report(self, request: web.Request) -> web.Response:
        try:
            _limited(self.reports_by_address, client_address(request))
            form, uploads = await read_form(request)
        except Refused as exc:
            return self.render("report_form.html.j2", exc.status, scripts=True, title="Gửi phản ánh, kiến nghị",
                               form={}, error=str(exc))
        try:
            body = validated(PublicReportIn, {**form, "confidential": bool(form.get("confidential"))})
            topics = {q.topic for q in self.desk.handling.profile.queues.queues}
            if body.topic not in topics:
                raise Refused(422, "Lĩnh vực không hợp lệ")
            fields = body.model_dump()
            fields["caller_phone"] = digits(fields["caller_phone"])
            if fields["commune_code"] is None:  # not picked (no script): the commune the address names, if one
                said = self.places.convert(fields["address"])
                if said.status in ("new", "matched"):
                    fields["commune_code"] = said.communes[0].code
                    fields["province_code"] = said.communes[0].province_code
            _limited(self.reports_by_phone, fields["caller_phone"])
            ticket = await self.desk.submit(fields, uploads)
        except Refused as exc:
            return self.render("report_form.html.j2", exc.status, scripts=True, title="Gửi phản ánh, kiến nghị",
                               form=form, error=str(exc))
        return self.render("receipt.html.j2", 201, private=True, title="Đã tiếp nhận phản ánh", code=ticket.code,
                           link=public_link(self.desk.handling.lookup_url, ticket.public_secret))

    @public
    async def results(self, request: web.Request) -> web.Response:
        page = request.query.get("trang", "1")
        page = int(page) if page.isdigit() and 0 < len(page) < 6 else 1
        results, total = await self.desk.published(page)
        return self.render("results.html.j2", title="Kết quả trả lời phản ánh", results=results, total=total,
                           page=page, per_page=20)

    @public
    async def result_file(self, request: web.Request) -> web.StreamResponse:
        code, file = request.match_info["code"], request.match_info["file"]
        if not (is_valid_code(code) and file.isdigit() and len(file) < 10):
            raise web.HTTPNotFound()
        try:
            a, path = await self.desk.published_file(code, int(file))
        except Refused:
            raise web.HTTPNotFound() from None
        return send_file(a, path, inline=a.content_type.startswith(("image/", "audio/", "video/")))

    @public
    async def lookup_form(self, request: web.Request) -> web.Response:
        """The look-up form; with a code (`?ma=`), that report's public progress as well."""
        code = request.query.get("ma", "")[:8]
        if not code.strip():
            return self.render("lookup.html.j2", title="Tra cứu phiếu", code="")
        return await self._progress(request, code)

    async def _progress(self, request: web.Request, code: str) -> web.Response:
        """A report's public progress by its code alone: nothing personal (HCMC Art. 8.2)."""
        try:
            _limited(self.lookups_by_address, client_address(request))  # guessing codes
            t = await self.desk.by_code(code)
        except Refused as exc:
            return self.render("lookup.html.j2", exc.status, private=True, title="Tra cứu phiếu", code=code,
                               error=str(exc))
        return self.render("lookup.html.j2", private=True, title="Tra cứu phiếu", code=code,
                           progress=await self.desk.secret_view(t, result=False))

    async def _own(self, request: web.Request, action: str | None = None):
        post = await request.post()
        code, phone = str(post.get("code", ""))[:20], str(post.get("phone", ""))[:20]
        if not action and not phone.strip():
            return await self._progress(request, code)
        try:
            _limited(self.lookups_by_address, client_address(request))  # guessing codes
            if action:
                _limited(self.feedback_by_address, client_address(request))
                payload = Payload()
                if action == "rate":  # 1..5; anything else is refused by the workflow
                    value = str(post.get("rating", ""))
                    payload.rating = int(value) if value.isdigit() and len(value) == 1 else 0
                else:
                    payload.question = str(post.get("question", "")).strip()[:5000] or None
                await self.desk.citizen_action(code, phone, action, payload)
            t = await self.desk.own_ticket(code, phone)
        except Refused as exc:
            return self.render("lookup.html.j2", exc.status, title="Tra cứu phiếu", code=code, error=str(exc))
        article = await self.kb.cited_in(t.id) if self.kb is not None and t.result else None
        return self.render("lookup.html.j2", private=True, title="Tra cứu phiếu", code=code, phone=phone,
                           t=await self.desk.own_view(t), article=article)

    @public
    async def by_secret(self, request: web.Request) -> web.Response:
        """The page a receipt's link opens: no phone asked, nothing personal shown."""
        title = "Theo dõi phản ánh"
        try:
            _limited(self.lookups_by_address, client_address(request))  # guessing secrets
            t = await self.desk.by_secret(request.match_info["secret"][:64])
        except Refused as exc:
            return self.render("public_ticket.html.j2", exc.status, private=True, title=title, error=str(exc))
        view = await self.desk.secret_view(t, files=True)
        view["files_base"] = f"/p/{t.public_secret}/tep"
        return self.render("public_ticket.html.j2", private=True, title=title, t=view)

    @public
    async def secret_file(self, request: web.Request) -> web.StreamResponse:
        file = request.match_info["file"]
        if not (file.isdigit() and len(file) < 10):
            raise web.HTTPNotFound()
        try:
            _limited(self.lookups_by_address, client_address(request))  # guessing secrets
            a, path = await self.desk.secret_file(request.match_info["secret"][:64], int(file))
        except Refused:
            raise web.HTTPNotFound() from None
        response = send_file(a, path, inline=a.content_type.startswith(("image/", "audio/", "video/")))
        response.headers["Cache-Control"] = "no-store"  # its address holds the ticket's secret
        return response

    @public
    async def lookup(self, request: web.Request) -> web.Response:
        return await self._own(request)

    @public
    async def letter(self, request: web.Request) -> web.Response:
        """The citizen's own result notice, by ticket code and phone (it bears their name)."""
        post = await request.post()
        code, phone = str(post.get("code", ""))[:20], str(post.get("phone", ""))[:20]
        try:
            _limited(self.lookups_by_address, client_address(request))
            t = await self.desk.own_ticket(code, phone)
            return send_document(await self.desk.handling.letters.render(t))
        except Refused as exc:
            return self.render("lookup.html.j2", exc.status, title="Tra cứu phiếu", code=code, error=str(exc))

    @public
    async def letter_pdf(self, request: web.Request) -> web.Response:
        """The same letter as PDF; with `signed=1` the copy signed by its issuer, recorded on the
        ticket as given to the citizen."""
        post = await request.post()
        code, phone = str(post.get("code", ""))[:20], str(post.get("phone", ""))[:20]
        try:
            signed = wants_signed(str(post.get("signed", ""))[:10])
            _limited(self.lookups_by_address, client_address(request))
            t = await self.desk.own_ticket(code, phone)
            handling = self.desk.handling
            html = await handling.letters.render(t)
            pdf = await handling.documents.copy(html, signed, "result_letter", lambda: handling.letters.issuer(t), t.id,
                                                "citizen")
            return send_pdf(pdf, f"thong-bao-ket-qua-{t.code}.pdf")
        except Refused as exc:
            return self.render("lookup.html.j2", exc.status, title="Tra cứu phiếu", code=code, error=str(exc))

    @public
    async def faq(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "")[:200]
        field = request.query.get("linh-vuc", "")[:40] or None
        found = []
        if self.kb is not None and (q.strip() or field):
            _limited(self.lookups_by_address, client_address(request))
            found = await self.kb.search(q, field, limit=30) if q.strip() else await self.kb.suggest(field, limit=30)
        return self.render("faq.html.j2", title="Hỏi đáp thủ tục hành chính và dịch vụ công", q=q, field=field,
                           articles=found)

    @public
    async def faq_article(self, request: web.Request) -> web.Response:
        value = request.match_info["id"]
        if self.kb is None or not value.isdigit() or len(value) > 9:
            raise web.HTTPNotFound()
        try:
            a = await self.kb.article(PUBLIC_READER, int(value))
        except Refused:
            raise web.HTTPNotFound() from None
        if a["current"] is None:
            raise web.HTTPNotFound()
        return self.render("faq_article.html.j2", title=a["current"]["question"], a=a, v=a["current"])

    @public
    async def application(self, request: web.Request) -> web.Response:
        """The status of an application by its receipt number, from the one-stop system."""
        raw = request.query.get("ma", "")[:60]
        values: dict = {"title": "Tra cứu hồ sơ thủ tục hành chính", "code": raw}
        if not raw.strip():
            return self.render("application.html.j2", **values)
        code = clean_code(raw)
        try:
            _limited(self.lookups_by_address, client_address(request))
            if code is None:
                raise Refused(422, "Số biên nhận không hợp lệ: chỉ gồm chữ, số, dấu chấm, gạch ngang")
            app = await self.applications.find(code)
        except Unavailable:
            return self.render("application.html.j2", 503, error="Hệ thống tra cứu hồ sơ của tỉnh đang tạm thời "
                               "gián đoạn. Xin vui lòng thử lại sau.", **values)
        except Refused as exc:
            return self.render("application.html.j2", exc.status, error=str(exc), **values)
        if app is None:
            return self.render("application.html.j2", 404, error="Không tìm thấy hồ sơ có số biên nhận này.",
                               **values)
        return self.render("application.html.j2", app=app, **values)

    @public
    async def rate(self, request: web.Request) -> web.Response:
        return await self._own(request, "rate")

    @public
    async def ask(self, request: web.Request) -> web.Response:
        return await self._own(request, "ask")

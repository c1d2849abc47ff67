"""Reports on a map (#35 item 4) in headless Chromium against a running hotline whose [maps]
tile server is one this test serves (PNG tiles made here; the pages keep their
Content-Security-Policy, so the tiles must be allowed by it):

- a citizen on a phone-sized screen opens the report form (no map library loaded yet), opens the
  pin picker, taps the map, takes a photo with the camera input and sends: the ticket holds the
  coordinates and the photo;
- the map of published results shows their dots, and nothing the page loads (HTML, scripts'
  JSON) holds the reporters' names, phones, e-mails, addresses, words or exact positions;
- a supervisor's map of open tickets follows the field and status chosen."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from sqlalchemy import select

from hotline.public.icons import solid_png
from hotline.store.tickets import Attachment, Ticket
from hotline.testing.browser import CHROMIUM, FLAGS, log_in
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url, session_for, url

pytestmark = pytest.mark.integration

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(900) + b"\xff\xd9"
CENTER = (10.4559, 105.6336)  # the settings' default: Cao Lãnh


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
async def tiles():
    """A tile server: every tile a 256-pixel PNG made here; the paths asked for are kept."""
    asked: list[str] = []
    tile = solid_png(256, 256, (220, 232, 214))

    async def serve(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(body=tile, content_type="image/png")

    app = web.Application()
    app.router.add_get("/tiles/{z}/{x}/{y}.png", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, asked
    await runner.cleanup()


@pytest.fixture(scope="module")
async def maps_line(workdir, config_dir, tiles):
    port, _ = tiles
    settings = f'[maps]\ntiles = "http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png"\nattribution = "© Bản đồ thử"\n'
    async with running_line(workdir, "maps", "test_open", config_dir, ivr=False, extra_settings=settings) as ln:
        store = Store(ln.instance.home)
        yield ln, store
        await store.close()


@pytest.fixture(scope="module")
async def chromium(playwright_session):
    browser = await playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield browser
    await browser.close()


async def phone_page(browser):
    """A phone-sized page that keeps the site's Content-Security-Policy (not bypassed)."""
    ctx = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                    locale="vi-VN")
    return ctx, await ctx.new_page()


async def test_a_citizen_pins_the_place_and_sends_a_camera_photo(chromium, maps_line, tiles):
    line, store = maps_line
    _, asked = tiles
    ctx, page = await phone_page(chromium)
    try:
        scripts: list[str] = []
        page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
        responses = []
        page.on("response", lambda r: responses.append(r))
        await page.goto(base_url(line) + "/phan-anh")
        await page.wait_for_load_state("networkidle")
        assert not any("leaflet" in u for u in scripts)  # the map's library only once the picker opens
        # A slow line: the form with its scripts and styles is small; the map comes when asked for.
        first = [(await r.request.sizes())["responseBodySize"] for r in responses]
        assert sum(first) < 40_000, first
        assert await page.get_attribute("#camera", "capture") == "environment"
        # Installable: Chromium's own verdict on the web app manifest (this test's browser context is
        # an incognito one, the only objection allowed).
        cdp = await ctx.new_cdp_session(page)
        manifest = await cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["manifest"]["startUrl"].endswith("/phan-anh")
        errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
        assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []

        await page.fill("input[name=reporter_name]", "Đặng Thị Thu")
        await page.fill("input[name=caller_phone]", "0918222333")
        await page.fill("input[name=address]", "Ngã ba chợ Mỹ Trà")
        await page.fill("textarea[name=content]", "Cột điện nghiêng sát mái nhà dân, sợi dây võng thấp.")
        await page.click("text=Chọn vị trí trên bản đồ")
        await page.wait_for_selector("[data-pin-picker][data-ready='1']")
        await page.wait_for_selector(".pin-map img.leaflet-tile-loaded")  # our tiles, allowed by the CSP
        assert any(p.startswith("/tiles/11/") for p in asked)
        assert any("leaflet" in u for u in scripts)
        leaflet = next(r for r in responses if r.url.endswith("/leaflet/leaflet.js"))
        assert (await leaflet.all_headers()).get("content-encoding") == "gzip"  # made at set-up beside it

        box = await page.locator(".pin-map").bounding_box()
        await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await page.wait_for_selector(".pin-map .leaflet-marker-icon")
        assert (await page.text_content(".pin-status")).startswith("Vị trí đã chọn: 10.4")
        lat = float(await page.input_value("input[name=latitude]"))
        lon = float(await page.input_value("input[name=longitude]"))
        assert abs(lat - CENTER[0]) < 0.01 and abs(lon - CENTER[1]) < 0.01

        await page.set_input_files("#camera", files=[{"name": "cot-dien.jpg", "mimeType": "image/jpeg",
                                                      "buffer": JPEG}])
        await page.click("#report-submit")
        code = (await page.text_content("#receipt-code", timeout=15000)).strip()
    finally:
        await ctx.close()

    async with store.tickets.sessions() as s:
        t = await s.scalar(select(Ticket).where(Ticket.code == code))
        files = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
    assert (round(t.latitude, 6), round(t.longitude, 6)) == (lat, lon) and t.channel == "web"
    assert [(f.filename, f.content_type, f.size) for f in files] == [("cot-dien.jpg", "image/jpeg", len(JPEG))]


PEOPLE = [  # name, phone, e-mail, address, what they wrote, exact position
    ("Hồ Văn Lực", "0918444555", "luc.ho@example.vn", "Số 18 Trần Hưng Đạo", "Đèn đường tắt cả tuần trước nhà",
     (10.4612345, 105.6398765)),
    ("Mai Thị Xuân", "0918444666", "xuan.mai@example.vn", "Tổ 3 ấp Hòa Long", "Cống thoát nước bị nghẹt bốc mùi",
     (10.4401234, 105.6187654)),
]


async def test_the_published_map_loads_nothing_personal(chromium, maps_line):
    line, store = maps_line
    op = await session_for(line, "tdv-map", await store.user("tdv-map", "operator", "op1"))
    codes = []
    try:
        for name, phone, email, address, content, (lat, lon) in PEOPLE:
            async with op.post(url(line, "/api/tickets"), json={
                    "channel": "app", "reporter_name": name, "caller_phone": phone, "email": email, "address": address,
                    "topic": "infrastructure", "content": content, "latitude": lat, "longitude": lon}) as r:
                assert r.status == 201, await r.text()
                t = await r.json()
            async with op.post(url(line, f"/api/tickets/{t['id']}/actions/answer_directly"),
                               json={"result": f"Đã xử lý. Cảm ơn {name}."}) as r:
                assert r.status == 200, await r.text()
            codes.append(t["code"])
        async with op.post(url(line, "/api/tickets"), json={  # confidential: never on the map
                "channel": "app", "reporter_name": "Người giấu tên", "caller_phone": "0918444777",
                "address": "Số 1 Lý Thường Kiệt", "topic": "infrastructure", "confidential": True,
                "content": "Phản ánh cần giữ bí mật", "latitude": 10.45, "longitude": 105.63}) as r:
            hidden = await r.json()
        async with op.post(url(line, f"/api/tickets/{hidden['id']}/actions/answer_directly"),
                           json={"result": "Đã xử lý."}) as r:
            assert r.status == 200
    finally:
        await op.close()

    ctx, page = await phone_page(chromium)
    loaded: list[str] = []

    async def keep(response):
        if response.url.startswith(base_url(line)) and response.request.resource_type in ("document", "fetch", "xhr"):
            loaded.append(await response.text())

    page.on("response", keep)
    try:
        await page.goto(base_url(line) + "/ket-qua/ban-do")
        await page.wait_for_selector("#results-map[data-shown]")
        await page.wait_for_selector("#results-map img.leaflet-tile-loaded")
        shown = await page.eval_on_selector_all("#results-map path.leaflet-interactive", "els => els.map(e => e.dataset.code)")
        assert sorted(c for c in shown if c in codes) == sorted(codes) and hidden["code"] not in shown
        await page.locator(f"#results-map path[data-code='{codes[0]}']").click()
        popup = page.locator(".leaflet-popup-content")
        await popup.wait_for()
        assert f"Phiếu {codes[0]}" in await popup.text_content()
        assert await popup.locator("a").get_attribute("href") == f"/tra-cuu?ma={codes[0]}"
        await page.wait_for_load_state("networkidle")
    finally:
        await ctx.close()

    assert len(loaded) >= 2  # the page and its results
    everything = "\n".join(loaded)
    assert codes[0] in everything
    for name, phone, email, address, content, (lat, lon) in PEOPLE:
        for personal in (name, phone, email, address, content, f"{lat:.4f}", f"{lon:.4f}"):
            assert personal not in everything, personal


async def test_the_supervisor_sees_open_tickets_by_field_and_status(chromium, maps_line):
    line, store = maps_line
    op = await session_for(line, "tdv-map2", await store.user("tdv-map2", "operator", "op2"))
    made = {}
    try:
        for key, topic, (lat, lon) in (("road", "infrastructure", (10.47, 105.65)),
                                       ("paper", "administrative_procedures", (10.43, 105.61))):
            async with op.post(url(line, "/api/tickets"), json={
                    "channel": "paper", "caller_phone": "0918555000", "address": "Phường Mỹ Phú", "topic": topic,
                    "content": "Cần kiểm tra hiện trường", "latitude": lat, "longitude": lon}) as r:
                assert r.status == 201, await r.text()
                made[key] = (await r.json())["code"]
    finally:
        await op.close()
    password = await store.user("gs-map", "supervisor")
    browser_ctx = await chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        page = await log_in(browser_ctx, base_url(line), "gs-map", password)
        await page.click("#map-link")
        await page.wait_for_selector("#tickets-map[data-shown]")
        await page.wait_for_selector("#tickets-map img.leaflet-tile-loaded")

        async def dots() -> dict[str, str]:
            return dict(await page.eval_on_selector_all(
                "#tickets-map path.leaflet-interactive", "els => els.map(e => [e.dataset.code, e.dataset.status])"))

        everything = await dots()
        assert everything[made["road"]] == "received" and everything[made["paper"]] == "received"

        async def choose(name: str, value: str, drawn: str) -> None:
            await page.select_option(f"#map-filter select[name={name}]", value)
            await page.wait_for_selector(f"#tickets-map[data-drawn='{drawn}']")

        await choose("topic", "administrative_procedures", "topic=administrative_procedures")
        shown = await dots()
        assert made["paper"] in shown and made["road"] not in shown
        await choose("topic", "", "")
        await choose("status", "overdue", "status=overdue")
        assert made["road"] not in await dots() and made["paper"] not in await dots()
        await choose("status", "received", "status=received")
        assert {made["road"], made["paper"]} <= set(await dots())
        assert "Đã tiếp nhận" in await page.text_content("#map-legend")
    finally:
        await browser_ctx.close()


async def test_the_operator_pins_the_place_on_the_ticket_of_a_call(chromium, maps_line, tiles):
    """The draft ticket of a call the operator answered (made as the CTI makes it on answer) opens
    in the ticket form; the operator pins the place from the keyboard and the ticket keeps it."""
    line, store = maps_line
    password = await store.user("tdv-pin", "operator", "op1")
    draft = await store.tickets.draft_for_call("1765000000.4242", "0918666777", "infrastructure", "op1", None)
    ctx = await chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        page = await log_in(ctx, base_url(line), "tdv-pin", password)
        await page.wait_for_selector("#topic-select option", state="attached")  # the page's script has run
        await page.evaluate("id => window.dispatchEvent(new CustomEvent('hotline:ticket', {detail: id}))", draft.id)
        await page.wait_for_selector(f"#ticket-code:has-text('{draft.code}')")
        await page.click("#ticket-pin .pin-open")
        await page.wait_for_selector("#ticket-pin img.leaflet-tile-loaded")
        # From the keyboard: the button that puts the pin at the map's centre.
        await page.focus("#ticket-pin .pin-center")
        async with page.expect_response(lambda r: r.url.endswith(f"/api/tickets/{draft.id}") and r.status == 200):
            await page.keyboard.press("Enter")
        assert await page.input_value("#ticket-form input[name=latitude]") == str(CENTER[0])
    finally:
        await ctx.close()
    t = await store.tickets.ticket(draft.id)
    assert (t.latitude, t.longitude) == CENTER

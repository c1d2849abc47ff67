"""A refusal reaches the citizen (Đồng Tháp Art. 8.2; HCMC Art. 3.6; Thanh Hóa Art. 12.1): in
every profile, a report the operator does not accept sends the citizen an SMS with the reason and
where to go instead, and the look-up page shows them (real store, SQLite and PostgreSQL)."""

from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hotline.notifications.sms import MAX_SEGMENTS, segments
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.ticketing.handling import Payload
from tests.store.support import CITIZEN_PHONE, OPERATOR, province

REASON = ("Khiếu nại về quyết định hành chính không thuộc phạm vi của Tổng đài. Đề nghị gửi đơn đến "
          "Ban Tiếp công dân tỉnh, số 12 đường 30/4, TP Cao Lãnh")


@pytest.mark.parametrize("profile", ["dong_thap", "ho_chi_minh", "quang_ninh", "thanh_hoa", "dong_nai"])
async def test_the_citizen_is_told_why_and_where_to_go(sessions, tmp_path, profile):
    p = await province(sessions, tmp_path, profile)
    t = await p.receive(datetime.now(timezone.utc), content="Tôi khiếu nại quyết định thu hồi đất")
    t = await p.handling.act(t.id, "reject", OPERATOR, Payload(reason=REASON))
    assert t.status == "rejected"
    _, sms, _ = await p.ticket(t.id)
    refusal = [m for m in sms if m.purpose == "refusal"]
    assert len(refusal) == 1 and refusal[0].to_number == CITIZEN_PHONE
    assert f"{t.code} không được tiếp nhận" in refusal[0].text
    assert f"https://1022.example.vn/p/{t.public_secret}" in refusal[0].text
    assert segments(refusal[0].text) <= MAX_SEGMENTS  # a long reason is cut; the page has it all

    app = web.Application()
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.make_url("/tra-cuu"), data={"code": t.code, "phone": CITIZEN_PHONE}) as r:
                html = await r.text()
        assert r.status == 200 and 'id="t-refusal"' in html and "Ban Tiếp công dân tỉnh" in html
    finally:
        await server.close()

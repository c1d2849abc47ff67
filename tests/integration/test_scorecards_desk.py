"""Scorecards in real browsers (issue #30 item 5), against the running hotline: a supervisor opens
the week's sample on /scorecards, sees the automatic suggestion that the operator did not name
the line (its transcript lacks "Đồng Tháp"), listens to the recording beside the transcript and
scores the call; the operator sees the review in their own view, and the reports API gives the
result per criterion. The call is a seeded catalogue row with a real audio file (espeak-ng) and a
transcript per side."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hotline.recordings.audio import sha256_of
from hotline.recordings.jobs import save_transcript
from hotline.settings import load_settings
from hotline.store.db import sessionmaker
from hotline.store.privacy import AuditEntry
from hotline.store.recordings import Recording
from hotline.testing.browser import launch, log_in
from hotline.testing.speech import speech_wav
from tests.integration.desktop_support import base_url, session_for, url

pytestmark = pytest.mark.integration
OPERATOR_SAID = "Alo tổng đài xin nghe, anh cần hỏi gì ạ"  # no line name


async def seeded_call(store, home, linkedid: str, operator: str) -> tuple[int, str]:
    """A catalogued call of `operator` with a real recording and a transcript per side, and its
    ticket; returns the recording id and the ticket's code."""
    rec_dir = load_settings(home).recordings_dir
    wav = rec_dir / "archive" / f"{linkedid}.wav"
    wav.parent.mkdir(parents=True, exist_ok=True)
    speech_wav(OPERATOR_SAID, wav, voice="vi")
    ticket = await store.tickets.create_ticket(draft=False, status="received", handling_stage="received",
                                               topic="general", content="Hỏi thủ tục", linkedid=linkedid)
    sessions = sessionmaker(store.engine)
    async with sessions() as s, s.begin():
        rec = Recording(linkedid=linkedid, started_at=datetime.now(timezone.utc), duration=4, status="ok",
                        operators=f",{operator},", path=str(wav.relative_to(rec_dir)), size=wav.stat().st_size,
                        sha256=sha256_of(wav), legs={})
        s.add(rec)
        await s.flush()
        words = [{"ch": "caller", "w": "Tôi muốn hỏi thủ tục cấp giấy phép xây dựng", "s": 0.0, "e": 1.5, "c": 1.0},
                 {"ch": "operator", "w": OPERATOR_SAID, "s": 1.8, "e": 3.8, "c": 1.0}]
        await save_transcript(s, rec.id, {"text": OPERATOR_SAID, "words": words, "audio_seconds": 4.0}, "test-model")
        return rec.id, ticket.code


async def test_a_supervisor_scores_a_sampled_call_and_the_operator_sees_it(playwright_session, desktop_line, store):
    line, home = desktop_line, desktop_line.instance.home
    rid, code = await seeded_call(store, home, "scorecard.1", "op8")
    sup_pw = await store.user("giamsat-sc", "supervisor")
    # An account of its own for the softphone op8: a user named "op8" made by another test file on
    # this worker's hotline may hold another phone (test_desktop_security gives it op2).
    op_pw = await store.user("op8-scorecards", "operator", "op8")
    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "giamsat-sc", sup_pw)
        await page.goto(base_url(line) + "/scorecards")
        row = f"#sample tr[data-recording='{rid}']"
        await page.wait_for_selector(row, timeout=15000)
        listed = await page.text_content(row)
        assert "op8" in listed and code in listed and "Chưa chấm" in listed
        assert "Chào hỏi, nêu tên tổng đài" in listed  # flagged by the automatic pre-check
        await page.click(f"{row} button")
        greeting = "#criteria tr[data-criterion='greeting']"
        await page.wait_for_selector(greeting, timeout=10000)
        suggestion = await page.text_content(greeting)
        assert "Gợi ý tự động: Không đạt" in suggestion and "Đồng Tháp" in suggestion
        assert "Gợi ý tự động: Không đạt" in await page.text_content("#criteria tr[data-criterion='ticket_code']")
        # Nothing is filled for the supervisor: her marks are the score.
        assert await page.eval_on_selector(f"{greeting} select", "s => s.value") == ""
        # The recording plays beside the transcript of each side.
        await page.wait_for_function("document.getElementById('player').duration > 3", timeout=15000)
        assert "Tổng đài: " + OPERATOR_SAID in await page.text_content("#transcript")
        # Playing from the operator's segment highlights it (a click on it seeks there).
        await page.evaluate("document.getElementById('player').muted = true")
        await page.click("#transcript .say.operator span")
        await page.wait_for_selector("#transcript .say.operator span.now", timeout=15000)
        for criterion, mark in (("greeting", "not_met"), ("ticket_code", "not_met"), ("correct_info", "met"),
                                ("courtesy", "met"), ("no_forbidden", "met")):
            await page.select_option(f"#criteria tr[data-criterion='{criterion}'] select", mark)
        await page.fill("#score-form textarea", "Chưa nêu tên tổng đài và chưa đọc lại mã phiếu")
        await page.click("#score-form button[type=submit]")
        await page.wait_for_function("document.getElementById('score-saved').textContent.includes('70')",
                                     timeout=10000)
        await page.wait_for_function(f"document.querySelector(\"{row}\").textContent.includes('70')", timeout=10000)

        # The reports page has the results per criterion for the period (this month by default).
        await page.goto(base_url(line) + "/reports")
        greeting_result = "#scorecard-results #by-criterion tr[data-criterion='greeting']"
        await page.wait_for_selector(greeting_result, timeout=10000)
        assert "0%" in await page.text_content(greeting_result)
        assert "70" in await page.text_content("#scorecard-results #by-operator tr[data-operator='op8']")
        # The recordings page shows the same call with the same transcript view.
        await page.goto(base_url(line) + "/recordings")
        await page.click("tr[data-linkedid='scorecard.1'] button")
        await page.wait_for_function("document.getElementById('transcript').textContent.includes('Alo tổng đài')",
                                     timeout=10000)

        op_ctx = await launch(playwright_session)
        try:
            own = await log_in(op_ctx, base_url(line), "op8-scorecards", op_pw)
            await own.goto(base_url(line) + "/scorecards")
            mine = f"#mine tr[data-recording='{rid}']"
            await own.wait_for_selector(mine, timeout=30000)  # the page's first load on a busy machine
            text = await own.text_content(mine)
            assert "70" in text and "Chào hỏi, nêu tên tổng đài" in text and "chưa đọc lại mã phiếu" in text
            assert await own.is_hidden("#sample")  # the sample is the supervisors'
        finally:
            await op_ctx.close()
    finally:
        await ctx.close()

    sup = await session_for(line, "giamsat-sc", sup_pw)
    op = await session_for(line, "op8-scorecards", op_pw)
    other = await session_for(line, "op9", await store.user("op9", "operator", "op9"))
    try:
        async with sup.get(url(line, "/api/reports/scorecards")) as r:
            assert r.status == 200
            report = await r.json()
        crit = {c["id"]: c for c in report["by_criterion"]}
        assert (crit["greeting"]["applied"], crit["greeting"]["met"], crit["greeting"]["rate"]) == (1, 0, 0.0)
        assert crit["correct_info"]["rate"] == 100.0
        assert {o["operator"]: o["average"] for o in report["by_operator"]}["op8"] == 70.0
        for path in ("/api/scorecards/week", f"/api/scorecards/samples/1", "/api/reports/scorecards"):
            async with op.get(url(line, path)) as r:
                assert r.status == 403, path  # operators read only their own reviews
        async with other.get(url(line, "/api/scorecards/mine")) as r:
            assert r.status == 200 and await r.json() == []
        async with sup.get(url(line, "/api/scorecards/mine")) as r:
            assert r.status == 403
    finally:
        for h in (sup, op, other):
            await h.close()
    async with sessionmaker(store.engine)() as s:
        reads = list(await s.scalars(select(AuditEntry).where(AuditEntry.recording_id == rid)))
    assert {(a.username, a.action) for a in reads} >= {("giamsat-sc", "transcript"), ("giamsat-sc", "listen")}

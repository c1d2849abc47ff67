import {Hotline} from "./common.js";
import {button, cell, el, option} from "./dom.js";

// The weekly review of written answers: each answer of the week with its latest verdict; a new
// verdict is recorded with a comment (a finding against an agency's answer goes to the agency).
const VERDICTS = {correct: "Trả lời đúng", wrong_info: "Thông tin sai", buck_passing: "Đùn đẩy, né tránh", other: "Khác"};

async function load(week) {
  const data = await Hotline.api(`/api/reviews/answers${week ? `?week=${week}` : ""}`);
  Hotline.text("week-range", `${data.week_start} – ${data.week_end}`);
  Hotline.text("week-total", String(data.total)); Hotline.text("week-reviewed", String(data.reviewed));
  document.querySelector("#answers tbody").replaceChildren(...data.items.map((a) => {
    const tr = el("tr");
    tr.dataset.code = a.code;
    cell(tr, a.code);
    cell(tr, a.answer_level === 1 ? "Cấp 1 (tổng đài)" : `Cấp 2 (${a.agency || "cơ quan"})`);
    cell(tr, a.answered_by);
    cell(tr, a.content);
    cell(tr, a.result);
    const td = el("td", undefined, "verdict");
    if (a.review) td.append(el("b", a.review.verdict_text), el("div", a.review.comment || ""));
    const select = el("select"); select.className = "review-verdict";
    for (const [k, v] of Object.entries(VERDICTS)) option(select, k, v);
    const comment = el("input"); comment.className = "review-comment"; comment.maxLength = 5000;
    comment.placeholder = "Nhận xét";
    td.append(select, comment, button("Ghi kết luận", async () => {
      Hotline.text("review-error", "");
      try {
        await Hotline.api(`/api/reviews/answers/${a.ticket_id}`, "POST", {verdict: select.value, comment: comment.value});
        await load(document.getElementById("week").value);
      } catch (e) { Hotline.text("review-error", e.message); }
    }, "review-save"));
    tr.append(td);
    const r = a.review;
    cell(tr, r && r.agency_id ? (r.response ? `Đã khắc phục: ${r.response}` :
      `Hạn ${Hotline.time(r.due_at)}${r.late ? " — quá hạn" : ""}`) : "—", "action");
    return tr;
  }));
}

document.getElementById("week-form").addEventListener("submit", (ev) => {
  ev.preventDefault(); load(document.getElementById("week").value);
});
const me = await Hotline.api("/api/me");
Hotline.text("user-name", me.full_name);
await load("");

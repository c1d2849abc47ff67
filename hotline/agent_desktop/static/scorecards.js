import {Hotline} from "./common.js";
import {el, row} from "./dom.js";
import {showTranscript} from "./transcript.js";
import {showScorecardResults} from "./scorecard_report.js";

// Scorecards: supervisors score the week's random sample of each operator's calls with the
// recording and the transcript side by side; the automatic suggestions are only suggestions.
// Operators see the scores of their own calls. What a user may see is decided by the server.
const S = {me: null, current: null};
const MARKS = {"": "— chọn —", met: "Đạt", not_met: "Không đạt", na: "Không áp dụng"};
const AUTO = {true: "Đạt", false: "Không đạt", null: "Không tự kiểm tra được"};

function auto(s) { return s ? `${AUTO[s.passed]} — ${s.reason}` : "Chưa có lời thoại"; }

function failed(item, criteria) {
  const names = Object.fromEntries(criteria.map((c) => [c.id, c.title]));
  return item.suggestions.filter((s) => s.passed === false).map((s) => names[s.criterion]);
}

async function week() {
  const day = document.getElementById("week").value;
  try {
    const w = await Hotline.api("/api/scorecards/week" + (day ? "?week=" + day : ""));
    Hotline.text("week-summary", `Tuần ${w.week_start} — ${w.week_end}: ${w.per_operator} cuộc gọi ngẫu nhiên mỗi điện thoại viên; ` +
                 `${w.total} cuộc trong mẫu, đã chấm ${w.reviewed}`);
    document.querySelector("#sample tbody").replaceChildren(...w.items.map((i) => {
      const flags = failed(i, w.criteria);
      const tr = row([i.operator, Hotline.time(i.started_at), i.codes.join(", ") || "—",
                      i.suggestions.length ? (flags.length ? "Chưa đạt: " + flags.join("; ") : "Không có cảnh báo")
                                           : "Chưa có lời thoại",
                      i.review ? (i.review.score ?? "—") : "Chưa chấm"]);
      tr.dataset.recording = i.recording_id; tr.dataset.sample = i.id;
      tr.children[3].className = flags.length ? "auto flagged" : "auto";
      const td = el("td"); const b = el("button", "Chấm điểm"); b.type = "button";
      b.addEventListener("click", () => open(i.id)); td.append(b); tr.append(td);
      return tr;
    }));
    Hotline.text("week-error", "");
  } catch (e) { Hotline.text("week-error", e.message); }
}

async function open(id) {
  const d = await Hotline.api(`/api/scorecards/samples/${id}`);
  S.current = d;
  const r = d.recording;
  document.getElementById("detail").hidden = false;
  Hotline.text("d-what", `${d.operator} — ${Hotline.time(r.started_at)}`);
  const player = document.getElementById("player");
  player.src = r.playable ? `/api/recordings/${r.id}/audio` : "";
  showTranscript(document.getElementById("transcript"), player, r.transcript ? r.transcript.words : [],
                 r.transcription === "failed" ? "Không chuyển được thành văn bản" : "Chưa có lời thoại");
  const by = Object.fromEntries(d.suggestions.map((s) => [s.criterion, s]));
  document.querySelector("#criteria tbody").replaceChildren(...d.criteria.map((c) => {
    const tr = row([c.title, c.weight, `Gợi ý tự động: ${auto(by[c.id])}`]);
    tr.dataset.criterion = c.id;
    tr.children[2].className = by[c.id] && by[c.id].passed === false ? "auto flagged" : "auto";
    const sel = el("select"); sel.name = c.id; sel.setAttribute("aria-label", c.title);
    for (const [k, v] of Object.entries(MARKS)) sel.append(new Option(v, k));
    const td = el("td"); td.append(sel); tr.append(td);
    return tr;
  }));
  const last = d.reviews[d.reviews.length - 1];  // the supervisor's own last marks, never the suggestions
  if (last) {
    for (const [k, v] of Object.entries(last.marks)) {
      const sel = document.querySelector(`#criteria select[name="${k}"]`);
      if (sel) sel.value = v === null ? "na" : (v ? "met" : "not_met");
    }
  }
  document.getElementById("reviews").replaceChildren(...d.reviews.map((v) =>
    el("li", `${Hotline.time(v.reviewed_at)} — ${v.reviewer}: ${v.score ?? "—"} điểm${v.comment ? " — " + v.comment : ""}`)));
  Hotline.text("score-saved", ""); Hotline.text("detail-error", "");
}

document.getElementById("score-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const marks = {};
  for (const c of S.current.criteria) {
    const v = ev.target.elements[c.id].value;
    if (!v) { Hotline.text("detail-error", `Chưa đánh giá tiêu chí: ${c.title}`); return; }
    marks[c.id] = v === "na" ? null : v === "met";
  }
  try {
    const out = await Hotline.api(`/api/scorecards/samples/${S.current.id}/reviews`, "POST",
                                  {marks, comment: ev.target.elements.comment.value});
    // Read again first, then confirm: opening the call clears the line the confirmation goes on.
    await open(S.current.id); await week(); await report();
    Hotline.text("score-saved", `Đã lưu: ${out.score ?? "—"} điểm`);
    Hotline.text("detail-error", "");
  } catch (e) { Hotline.text("detail-error", e.message); }
});

function report() {
  return showScorecardResults(document.getElementById("r-from").value, document.getElementById("r-to").value);
}

async function mine() {
  const items = await Hotline.api("/api/scorecards/mine");
  Hotline.text("mine-empty", items.length ? "" : "Chưa có cuộc gọi nào của bạn được chấm điểm");
  document.querySelector("#mine tbody").replaceChildren(...items.map((m) => {
    const notMet = Object.entries(m.marks).filter(([, v]) => v === false).map(([k]) => m.criteria[k]?.title || k);
    const tr = row([Hotline.time(m.started_at), m.score ?? "—", notMet.join("; ") || "—", m.comment || "—", m.reviewer]);
    tr.dataset.recording = m.recording_id; return tr;
  }));
}

(async () => {
  S.me = await Hotline.api("/api/me");
  Hotline.text("user-name", S.me.full_name);
  const staff = ["supervisor", "admin"].includes(S.me.role);
  for (const e of document.querySelectorAll(".staff")) if (e.id !== "detail") e.hidden = !staff;
  document.getElementById("mine-section").hidden = S.me.role !== "operator";
  if (staff) {
    document.getElementById("week").addEventListener("change", week);
    for (const id of ["r-from", "r-to"]) document.getElementById(id).addEventListener("change", report);
    await week(); await report();
  } else if (S.me.role === "operator") {
    await mine();
  }
})();

import {Hotline} from "./common.js";
import {el, option, row} from "./dom.js";
import {showTranscript} from "./transcript.js";

// Recordings: search, listen (the transcript follows playback), verify, lend to an agency, the
// weekly review and the audit log. What a user may reach is decided by the server.
const R = {me: null, current: null, words: [], agencies: []};
const VERDICTS = {correct: "Trả lời đúng", wrong_info: "Thông tin sai", buck_passing: "Đùn đẩy, né tránh", other: "Khác"};
const ACTIONS = {listen: "Nghe", download: "Tải về", grant: "Cấp quyền", revoke: "Thu hồi quyền", verify: "Kiểm tra"};

function duration(s) { const m = Math.floor(s / 60); return `${m}:${String(Math.round(s % 60)).padStart(2, "0")}`; }

async function search(ev) {
  if (ev) ev.preventDefault();
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(document.getElementById("filters"))) if (v) params.set(k, v);
  try {
    const items = await Hotline.api("/api/recordings?" + params);
    Hotline.text("search-error", items.length ? "" : "Không có bản ghi âm nào");
    document.querySelector("#results tbody").replaceChildren(...items.map((r) => {
      const tr = row([Hotline.time(r.started_at), duration(r.duration), r.operators.join(", "), r.caller_phone,
                      r.tickets.map((t) => t.code).join(", "),
                      {done: "Có", failed: "Lỗi", queued: "Đang chờ", running: "Đang xử lý"}[r.transcription] || "—",
                      VERDICTS[r.verdict] || (r.status === "damaged" ? "Tệp lỗi" : "")]);
      tr.dataset.linkedid = r.linkedid;
      const td = el("td"); const b = el("button", "Nghe"); b.addEventListener("click", () => open(r.id));
      td.append(b); tr.append(td); return tr;
    }));
  } catch (e) { Hotline.text("search-error", e.message); }
}

async function open(id) {
  const r = await Hotline.api(`/api/recordings/${id}`);
  R.current = r;
  document.getElementById("detail").hidden = false;
  Hotline.text("d-when", Hotline.time(r.started_at));
  Hotline.text("d-problem", r.problem || "");
  const player = document.getElementById("player");
  player.src = r.playable ? `/api/recordings/${id}/audio` : "";
  document.getElementById("download").href = `/api/recordings/${id}/audio?download=1`;
  R.words = r.transcript ? r.transcript.words : [];
  showTranscript(document.getElementById("transcript"), player, R.words, r.transcription === "failed"
    ? "Không chuyển được thành văn bản: " + (r.transcription_error || "") : "Chưa có lời thoại");
  document.getElementById("verifications").replaceChildren(...r.verifications.map((v) =>
    el("li", `${Hotline.time(v.checked_at)} — ${v.checked_by}: ${VERDICTS[v.verdict]}${v.comment ? " — " + v.comment : ""}`)));
  document.getElementById("grants").replaceChildren(...(r.grants || []).map((g) => {
    const li = el("li", `${g.agency_name} (${g.granted_by}, ${Hotline.time(g.granted_at)})${g.revoked ? " — đã thu hồi" : ""} `);
    if (!g.revoked) {
      const b = el("button", "Thu hồi");
      b.addEventListener("click", async () => { await Hotline.api(`/api/recording-grants/${g.id}`, "DELETE"); open(id); });
      li.append(b);
    }
    return li;
  }));
}

document.getElementById("verify-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await Hotline.api(`/api/recordings/${R.current.id}/verifications`, "POST",
                      {verdict: ev.target.elements.verdict.value, comment: ev.target.elements.comment.value});
    Hotline.text("verify-saved", "Đã lưu"); open(R.current.id); week(); audit();
  } catch (e) { Hotline.text("detail-error", e.message); }
});

document.getElementById("grant-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await Hotline.api(`/api/recordings/${R.current.id}/grants`, "POST",
                      {agency_id: Number(ev.target.elements.agency_id.value), note: ev.target.elements.note.value});
    open(R.current.id); audit();
  } catch (e) { Hotline.text("detail-error", e.message); }
});

async function week() {
  const day = document.getElementById("week").value;
  const w = await Hotline.api("/api/recordings/review" + (day ? "?week=" + day : ""));
  const parts = Object.entries(w.by_verdict).map(([k, n]) => `${VERDICTS[k]}: ${n}`).join(", ");
  Hotline.text("week-summary", `Tuần ${w.week_start} — ${w.week_end}: ${w.total} cuộc gọi, đã kiểm tra ${w.verified} (${parts})`);
}

async function audit() {
  const items = await Hotline.api("/api/recordings/audit");
  document.querySelector("#audit tbody").replaceChildren(...items.map((a) =>
    row([Hotline.time(a.at), `${a.username} (${a.role})`, ACTIONS[a.action] || a.action, a.recording_id, a.detail])));
}

// The search form is the page's own from the start: a search typed before the rest has loaded
// must not submit the form to the server as a plain POST (a 405 page instead of the results).
document.getElementById("filters").addEventListener("submit", search);

(async () => {
  R.me = await Hotline.api("/api/me");
  Hotline.text("user-name", R.me.full_name);
  const staff = ["supervisor", "admin"].includes(R.me.role);
  for (const e of document.querySelectorAll(".staff")) e.hidden = !staff;
  const f = document.getElementById("filters");
  for (const [k, v] of Object.entries(Hotline.topics)) option(f.elements.topic, k, v);
  for (const [k, v] of Object.entries(VERDICTS)) option(document.getElementById("verify-form").elements.verdict, k, v);
  if (R.me.role !== "agency") {
    R.agencies = await Hotline.api("/api/agencies").catch(() => []);
    for (const a of R.agencies) {
      option(f.elements.agency_id, a.id, a.name);
      option(document.getElementById("grant-form").elements.agency_id, a.id, a.name);
    }
  }
  document.getElementById("week").addEventListener("change", week);
  await search();
  if (staff) { await week(); await audit(); }
})();

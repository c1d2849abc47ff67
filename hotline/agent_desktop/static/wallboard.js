// The room's wallboard (a TV, logged in as a supervisor): callers waiting and the longest wait,
// live from the event socket; today's service level and answered calls, refreshed every 30 s;
// agents counted by state. Large type, names not ids.
import {Hotline} from "./common.js";
import {cell, el} from "./dom.js";

const today = {totals: null, byQueue: {}};
const ORDER = ["available", "ringing", "on_call", "wrapup", "paused", "unreachable", "logged_out"];

function clock(seconds) {
  const s = Math.round(seconds || 0);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function render(snapshot) {
  const queues = Object.entries(snapshot.queues || {});
  const waiting = queues.reduce((n, [, q]) => n + q.waiting, 0);
  const longest = Math.max(0, ...queues.map(([, q]) => q.longest_wait || 0));
  Hotline.text("wb-waiting", String(waiting));
  Hotline.text("wb-longest", clock(longest));
  document.getElementById("tile-waiting").dataset.alert = waiting > 0 ? (longest > 60 ? "high" : "some") : "";
  const counts = {};
  for (const a of snapshot.agents || []) counts[a.state] = (counts[a.state] || 0) + 1;
  document.getElementById("wb-agents").replaceChildren(...ORDER.filter((st) => counts[st]).map((st) => {
    const tile = el("div", undefined, "tile agents"); tile.dataset.state = st;
    tile.append(el("span", Hotline.name("agent_states", st)), el("b", String(counts[st])));
    return tile;
  }));
  document.querySelector("#wb-queues tbody").replaceChildren(...queues.map(([id, q]) => {
    const tr = el("tr"); const t = today.byQueue[id] || {};
    tr.dataset.queue = id;
    cell(tr, Hotline.name("queues", id)); cell(tr, String(q.waiting)); cell(tr, clock(q.longest_wait));
    cell(tr, t.offered ?? 0); cell(tr, t.answered ?? 0);
    cell(tr, t.service_level === null || t.service_level === undefined ? "—" : `${t.service_level}%`);
    return tr;
  }));
}

async function loadToday() {
  try {
    const r = await Hotline.api("/api/reports/today-calls");
    today.totals = r.totals;
    today.byQueue = Object.fromEntries(r.by_queue.map((q) => [q.key, q]));
    const t = r.totals;
    Hotline.text("wb-level", t.service_level === null ? "—" : `${t.service_level}%`);
    Hotline.text("wb-level-note", "trả lời trong ngưỡng của hàng đợi");
    Hotline.text("wb-answered", `${t.answered} / ${t.offered}`);
    Hotline.text("wb-abandoned", String(t.abandoned));
    Hotline.notice("");
  } catch (e) { Hotline.notice(e.message); }
}

setInterval(() => Hotline.text("wb-clock", new Date().toLocaleTimeString("vi-VN", {timeZone: "Asia/Ho_Chi_Minh"})), 1000);
Hotline.connect((msg) => {
  if (msg.type === "hello" && msg.data.snapshot) render(msg.data.snapshot);
  else if (msg.type === "queue.stats" && msg.data.agents) render(msg.data);
});
await loadToday();
setInterval(loadToday, 30000);

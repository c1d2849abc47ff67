import {Hotline} from "./common.js";
import {row} from "./dom.js";
import {showStatutory} from "./statutory.js";

// Reports page: figures of a period, bar charts drawn as SVG, CSV/XLSX links.
const NS = "http://www.w3.org/2000/svg";
const KEYS = ["received", "answered_directly", "transferred", "on_time", "late", "overdue", "pending", "rejected"];

function bars(svg, rows) {
  svg.replaceChildren();
  const max = Math.max(1, ...rows.map((r) => r.value));
  rows.forEach((r, i) => {
    const y = i * 24;
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", 0); label.setAttribute("y", y + 15); label.textContent = r.name;
    const bar = document.createElementNS(NS, "rect");
    bar.setAttribute("x", 220); bar.setAttribute("y", y + 3);
    bar.setAttribute("width", Math.round(360 * r.value / max)); bar.setAttribute("height", 16);
    bar.setAttribute("class", "bar");
    const value = document.createElementNS(NS, "text");
    value.setAttribute("x", 590); value.setAttribute("y", y + 15); value.textContent = r.value;
    svg.append(label, bar, value);
  });
  svg.setAttribute("height", Math.max(24, rows.length * 24));
}

function query() {
  const f = new FormData(document.getElementById("report-form"));
  const q = new URLSearchParams();
  for (const k of ["kind", "date", "until"]) if (f.get(k)) q.set(k, f.get(k));
  return q;
}

async function run() {
  const q = query();
  document.getElementById("export-csv").href = `/api/reports/export?format=csv&${q}`;
  document.getElementById("export-xlsx").href = `/api/reports/export?format=xlsx&${q}`;
  try {
    const r = await Hotline.api(`/api/reports?${q}`);
    document.getElementById("report-error").textContent = "";
    document.getElementById("report-label").textContent = `Báo cáo ${r.period.label}`;
    const tr = document.createElement("tr");
    for (const k of KEYS) { const td = document.createElement("td"); td.textContent = r.totals[k]; td.dataset.key = k; tr.append(td); }
    document.querySelector("#totals tbody").replaceChildren(tr);
    bars(document.getElementById("chart-field"), r.by_field.map((x) => ({name: x.name, value: x.received})));
    bars(document.getElementById("chart-agency"), r.by_agency.map((x) => ({name: x.name, value: x.received})));
    bars(document.getElementById("chart-channel"), r.by_channel.map((x) => ({name: x.name, value: x.received})));
    bars(document.getElementById("chart-commune"), r.by_commune.slice(0, 30).map((x) => ({name: x.name, value: x.received})));
    bars(document.getElementById("chart-satisfaction"), r.satisfaction.map((x) => ({name: x.name, value: x.count})));
    const callKeys = ["offered", "answered", "abandoned", "timed_out", "avg_wait_seconds", "avg_talk_seconds", "service_level"];
    const callRow = (name, c) => {
      const row = document.createElement("tr");
      for (const [k, v] of [["name", name], ...callKeys.map((k) => [k, c[k] ?? "–"])]) {
        const td = document.createElement("td"); td.textContent = v; td.dataset.key = k; row.append(td);
      }
      return row;
    };
    document.querySelector("#calls tbody").replaceChildren(callRow("Tổng cộng", r.calls.totals),
      ...r.calls.by_queue.map((q) => callRow(q.name, q)));
    const cb = r.callbacks;
    document.querySelector("#callbacks tbody").replaceChildren(row([cb.requested, cb.done, cb.unreached, cb.open,
      cb.overdue, cb.avg_hours_to_handle ?? "—", cb.calls_placed, cb.calls_answered]));
    const conv = (c) => row([c.name, c.conversations, c.answered, c.closed, c.waiting, c.late, c.messages_in,
      c.messages_out, c.median_first_reply_minutes ?? "—", c.p90_first_reply_minutes ?? "—"]);
    document.querySelector("#conversations tbody").replaceChildren(conv(r.conversations.totals),
      ...r.conversations.by_channel.map(conv));
    document.querySelector("#alerts tbody").replaceChildren(row(["Tổng cộng", r.alerts.alerts, r.alerts.calls]),
      ...r.alerts.by_phrase.map((a) => row([a.name, a.alerts, a.calls])));
    const kb = r.knowledge;
    document.querySelector("#kb-fields tbody").replaceChildren(
      row(["Tổng cộng", kb.totals.calls, kb.totals.level1, kb.totals.level1_share, kb.totals.from_articles]),
      ...kb.by_field.map((f) => row([f.name, f.calls, f.level1, f.level1_share, f.from_articles])));
    document.querySelector("#kb-used tbody").replaceChildren(...kb.most_used.map((a) => row([a.question, a.field, a.uses])));
    document.querySelector("#kb-corrected tbody").replaceChildren(...kb.corrected.map((a) =>
      row([a.question, a.tickets, a.version, Hotline.time(a.corrected_at)])));
    document.querySelector("#overdue tbody").replaceChildren(...r.overdue_list.map((t) => {
      const row = document.createElement("tr");
      for (const v of [t.code, t.field, t.agency || "", t.due_at ? Hotline.time(t.due_at) : ""]) {
        const td = document.createElement("td"); td.textContent = v; row.append(td);
      }
      return row;
    }));
  } catch (e) {
    document.getElementById("report-error").textContent = e.message;
  }
}

document.getElementById("report-form").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
document.getElementById("logout").addEventListener("click", async () => { await Hotline.api("/api/logout", "POST"); location.href = "/login"; });
Hotline.api("/api/me").then((me) => { document.getElementById("user-name").textContent = me.full_name; });
run();
showStatutory("#statutory tbody").catch((e) => { document.getElementById("report-error").textContent = e.message; });

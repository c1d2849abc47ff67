import {Hotline} from "./common.js";
import {row} from "./dom.js";

// The scorecard's results per operator and per criterion (GET /api/reports/scorecards), on the
// scorecards page and as a section of the reports page, where it follows the report's period.
export async function showScorecardResults(from, to) {
  const params = new URLSearchParams();
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  let r;
  try { r = await Hotline.api("/api/reports/scorecards?" + params); } catch (e) {
    Hotline.text("scorecard-note", e.message); return;  // e.g. a profile without a scorecard
  }
  Hotline.text("scorecard-note", `Các tuần từ ${r.from} đến ${r.to}`);
  document.querySelector("#by-operator tbody").replaceChildren(...r.by_operator.map((o) => {
    const tr = row([o.operator, o.sampled, o.reviewed, o.average ?? "—"]); tr.dataset.operator = o.operator; return tr;
  }));
  document.querySelector("#by-criterion tbody").replaceChildren(...r.by_criterion.map((c) => {
    const tr = row([c.title, c.weight, c.applied, c.met, c.rate === null ? "—" : c.rate + "%"]);
    tr.dataset.criterion = c.id; return tr;
  }));
}

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

// The reports page's period (kind, date, until) as first and last days.
function period(form) {
  const kind = form.elements.kind.value, until = form.elements.until.value;
  const d = form.elements.date.value ? new Date(form.elements.date.value + "T00:00") : new Date();
  if (kind === "custom" || until) return [iso(d), until || iso(new Date())];
  if (kind === "week") { const m = new Date(d); m.setDate(d.getDate() - (d.getDay() + 6) % 7); const s = new Date(m); s.setDate(m.getDate() + 6); return [iso(m), iso(s)]; }
  if (kind === "year") return [`${d.getFullYear()}-01-01`, `${d.getFullYear()}-12-31`];
  const months = kind === "quarter" ? 3 : 1;
  const first = new Date(d.getFullYear(), kind === "quarter" ? d.getMonth() - d.getMonth() % 3 : d.getMonth(), 1);
  return [iso(first), iso(new Date(first.getFullYear(), first.getMonth() + months, 0))];
}

const reportForm = document.getElementById("report-form");
if (reportForm && document.getElementById("scorecard-results")) {
  const follow = () => showScorecardResults(...period(reportForm));
  reportForm.addEventListener("submit", follow);
  follow();
}

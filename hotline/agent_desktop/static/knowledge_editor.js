// The knowledge base editors' page: agencies draft and update the articles of their fields and
// send them for approval; the hotline's supervisors approve or send back; both import files.
import {Hotline} from "./common.js";
import {el, cell, button, option} from "./dom.js";

const form = document.getElementById("kb-form");
let me = null, current = null;  // current: {article, version} being edited or reviewed

async function load() {
  const filter = document.getElementById("kb-filter").value;
  const query = filter === "stale" ? "?stale=1" : filter ? `?state=${filter}` : "";
  const rows = await Hotline.api(`/api/knowledge/articles${query}`);
  const body = document.querySelector("#kb-list tbody");
  body.replaceChildren();
  for (const a of rows) {
    const tr = el("tr"); tr.dataset.id = a.id;
    cell(tr, a.question); cell(tr, a.field_name); cell(tr, a.agency); cell(tr, a.latest);
    cell(tr, a.state_name, `state-${a.state}`);
    cell(tr, a.review_by ? a.review_by + (a.stale ? " (quá hạn)" : "") : "", a.stale ? "kb-stale" : "");
    cell(tr, "").append(button("Mở", () => open(a.id), "kb-open"));
    body.append(tr);
  }
}

function fill(v) {
  for (const name of ["question", "answer", "steps", "papers", "fees", "processing_time", "submit_where",
                      "legal_basis", "legal_document", "legal_effective", "review_by"]) {
    form.elements[name].value = (v && v[name]) || "";
  }
}

async function open(id) {
  const a = await Hotline.api(`/api/knowledge/articles/${id}`);
  const latest = a.versions[a.versions.length - 1];
  current = {article: a, version: latest};
  document.getElementById("kb-editor").hidden = false;
  Hotline.text("kb-editor-title", `Bài #${a.id} · ${a.field_name}${a.agency ? " · " + a.agency : ""}`);
  form.elements.field.value = a.field;
  form.elements.agency_id.value = a.agency_id || "";
  // Edit the open draft, or start the next version from the latest text.
  fill(latest);
  document.getElementById("kb-submit").disabled = !(latest && latest.state === "draft");
  document.getElementById("kb-review").hidden = !(me.role !== "agency" && latest && latest.state === "submitted");
  const body = document.querySelector("#kb-versions tbody");
  body.replaceChildren();
  for (const v of a.versions.slice().reverse()) {
    const tr = el("tr"); tr.dataset.version = v.number;
    cell(tr, v.number); cell(tr, v.state_name, `state-${v.state}`); cell(tr, v.author);
    cell(tr, Hotline.time(v.submitted_at || v.created_at)); cell(tr, v.reviewed_by || ""); cell(tr, v.review_note || "");
    body.append(tr);
  }
  Hotline.text("kb-form-error", ""); Hotline.text("kb-saved", "");
}

function text() {
  const f = form.elements, out = {field: f.field.value};
  if (me.role !== "agency" && f.agency_id.value) out.agency_id = Number(f.agency_id.value);
  for (const name of ["question", "answer", "steps", "papers", "fees", "processing_time", "submit_where",
                      "legal_basis", "legal_document"]) out[name] = f[name].value;
  for (const name of ["legal_effective", "review_by"]) if (f[name].value) out[name] = f[name].value;
  return out;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const v = current && current.article
      ? await Hotline.api(`/api/knowledge/articles/${current.article.id}`, "PUT", text())
      : await Hotline.api("/api/knowledge/articles", "POST", text());
    await open(v.article_id);
    Hotline.text("kb-saved", `Đã lưu bản nháp (phiên bản ${v.number})`);
    await load();
  } catch (e) { Hotline.text("kb-form-error", e.message); }
});

async function act(path, body, done) {
  try {
    await Hotline.api(path, "POST", body);
    await open(current.article.id);
    Hotline.text("kb-saved", done);
    await load();
  } catch (e) { Hotline.text("kb-form-error", e.message); }
}
document.getElementById("kb-submit").addEventListener("click", () =>
  act(`/api/knowledge/versions/${current.version.id}/submit`, {}, "Đã gửi duyệt"));
document.getElementById("kb-approve").addEventListener("click", () =>
  act(`/api/knowledge/versions/${current.version.id}/approve`, {note: document.getElementById("kb-note").value}, "Đã duyệt"));
document.getElementById("kb-reject").addEventListener("click", () =>
  act(`/api/knowledge/versions/${current.version.id}/reject`, {note: document.getElementById("kb-note").value}, "Đã trả lại"));
document.getElementById("kb-new").addEventListener("click", () => {
  current = null; fill(null);
  document.getElementById("kb-editor").hidden = false;
  document.getElementById("kb-submit").disabled = true;
  document.getElementById("kb-review").hidden = true;
  document.querySelector("#kb-versions tbody").replaceChildren();
  Hotline.text("kb-editor-title", "Soạn bài mới");
});
document.getElementById("kb-filter").addEventListener("change", load);

document.getElementById("kb-import").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const list = document.getElementById("kb-import-errors");
  list.replaceChildren();
  let data;
  try { data = await Hotline.upload("/api/knowledge/import", ev.target); }
  catch (e) { Hotline.text("kb-import-result", e.message); return; }
  Hotline.text("kb-import-result", `Đã nhập ${data.added} bản nháp; ${data.errors.length} dòng lỗi`);
  for (const m of data.messages) list.append(el("li", m));
  await load();
});

me = await Hotline.api("/api/me");
Hotline.text("user-name", me.full_name);
const scope = await Hotline.api("/api/knowledge/scope");
for (const select of [document.getElementById("kb-field"), document.getElementById("kb-import-field")]) {
  for (const [id, name] of Object.entries(scope.fields)) option(select, id, name);
}
if (me.role !== "agency") {
  document.getElementById("kb-agency-label").hidden = false;
  option(document.getElementById("kb-agency"), "", "—");
  for (const a of scope.agencies) option(document.getElementById("kb-agency"), a.id, a.name);
}
await load();

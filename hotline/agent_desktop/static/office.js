import {Hotline} from "./common.js";
import {button, cell, el, option} from "./dom.js";
import {showStatutory} from "./statutory.js";

// The provincial office's page: matters whose jurisdiction it decides, tickets overdue at
// agencies (with the letters sent about each), its letters with the agencies' explanations, the
// statutory reports, citizens' requests to see or erase their data, and who read a ticket's data.
const Office = {agencies: [], current: null};

async function loadPending() {
  const items = await Hotline.api("/api/office/pending");
  document.querySelector("#pending tbody").replaceChildren(...items.map((t) => {
    const tr = el("tr");
    tr.dataset.code = t.code;
    cell(tr, t.code);
    cell(tr, Hotline.name("topics", t.topic));
    cell(tr, Hotline.time(t.stage_entered_at));
    cell(tr, t.state_secret ? "(bí mật nhà nước)" : t.content);
    cell(tr, t.reason || "");
    const td = el("td");
    const assign = t.actions.find((a) => a.needs.includes("agency"));
    if (assign) {
      const select = el("select"); select.className = "assign-agency";
      option(select, "", "— chọn cơ quan —");
      for (const a of Office.agencies) option(select, a.id, a.name);
      td.append(select, button(assign.title, () => decide(t, assign.name, {agency_id: Number(select.value) || null}),
                               "assign"));
    }
    const reject = t.actions.find((a) => a.needs.includes("reason"));
    if (reject) {
      const reason = el("input"); reason.className = "reject-reason"; reason.maxLength = 2000;
      reason.placeholder = "Lý do, nơi người dân cần liên hệ";
      td.append(reason, button("Không thuộc thẩm quyền của tỉnh", () => decide(t, reject.name, {reason: reason.value}),
                               "reject"));
    }
    tr.append(td);
    return tr;
  }));
}

async function decide(t, action, body) {
  Hotline.text("pending-error", "");
  try {
    await Hotline.api(`/api/office/tickets/${t.id}/actions/${action}`, "POST", body);
    await Promise.all([loadPending(), loadOverdue()]);
  } catch (e) { Hotline.text("pending-error", e.message); }
}

async function loadOverdue() {
  const items = await Hotline.api("/api/office/overdue");
  document.querySelector("#overdue tbody").replaceChildren(...items.map((t) => {
    const tr = el("tr", undefined, "overdue");
    tr.dataset.code = t.code;
    cell(tr, t.code);
    cell(tr, t.agency_name);
    cell(tr, t.stage_text);
    cell(tr, Hotline.time(t.due_at));
    cell(tr, t.state_secret ? "(bí mật nhà nước)" : (t.content || "").slice(0, 160));
    cell(tr, String(t.letters));
    const td = el("td");
    td.append(button("Gửi văn bản", () => openLetter(t), "write-letter"));
    tr.append(td);
    return tr;
  }));
}

function openLetter(t) {
  Office.current = t;
  document.getElementById("letter-panel").hidden = false;
  Hotline.text("l-code", t.code); Hotline.text("l-agency", t.agency_name);
  Hotline.text("letter-error", ""); Hotline.text("letter-saved", "");
  document.getElementById("letter-body").value = "";
}

document.getElementById("letter-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  Hotline.text("letter-error", ""); Hotline.text("letter-saved", "");
  try {
    const letter = await Hotline.api(`/api/office/tickets/${Office.current.id}/letters`, "POST",
                                     {kind: f.kind.value, body: f.body.value});
    Hotline.text("letter-saved", `Đã gửi văn bản số ${letter.number}`);
    await Promise.all([loadOverdue(), loadLetters()]);
  } catch (e) { Hotline.text("letter-error", e.message); }
});

async function loadLetters() {
  const items = await Hotline.api("/api/office/letters");
  document.querySelector("#letters tbody").replaceChildren(...items.map((l) => {
    const tr = el("tr", undefined, l.late ? "overdue" : "");
    tr.dataset.number = l.number;
    cell(tr, l.number);
    cell(tr, l.kind_text);
    cell(tr, l.code);
    cell(tr, l.agency);
    cell(tr, Hotline.time(l.issued_at));
    cell(tr, l.due_at ? Hotline.time(l.due_at) : "—");
    cell(tr, l.kind === "explanation" ? (l.answer || (l.late ? "Chưa giải trình, đã quá hạn" : "Chưa giải trình")) : "—",
         "answer");
    const td = el("td");
    const a = el("a", "Xem, in"); a.href = `/api/office/letters/${l.id}`; a.target = "_blank"; a.rel = "noopener";
    const pdf = el("a", "PDF có chữ ký số"); pdf.href = `/api/office/letters/${l.id}/pdf?signed=1`;
    pdf.target = "_blank"; pdf.rel = "noopener";  // 409 with the reason when the office has no certificate
    td.append(a, " · ", pdf); tr.append(td);
    return tr;
  }));
}

const ACCESS = {read: "Xem thông tin người phản ánh", file: "Tải tệp đính kèm", document: "In văn bản",
                listen: "Nghe ghi âm", download: "Tải ghi âm"};

const RequestSearch = {query: ""};  // "" or "?phone=..." (or email, platform_id): requests made under it

async function loadRequests() {
  const items = await Hotline.api(`/api/data-requests${RequestSearch.query}`);
  document.querySelector("#requests tbody").replaceChildren(...items.map((r) => {
    const tr = el("tr");
    tr.dataset.request = r.id;
    cell(tr, String(r.id));
    cell(tr, r.kind_name);
    // In clear while the request needs it; afterwards only the masked hint (the rest is hashed).
    cell(tr, [r.phone, r.email, r.platform_id].filter(Boolean).join(", ") || r.hint, "who");
    cell(tr, Hotline.time(r.requested_at));
    cell(tr, r.status_name, "state");
    cell(tr, r.status === "refused" ? r.result.reason
      : [...Object.entries(r.result_names).map(([k, v]) => `${k}: ${v}`), r.held_note].filter(Boolean).join("; "),
    "result");
    const td = el("td");
    if (r.status === "open") {
      td.append(button(r.kind === "erasure" ? "Xoá dữ liệu" : "Thực hiện", () => carryOut(r), "carry-out"));
      const reason = el("input"); reason.className = "refuse-reason"; reason.maxLength = 2000;
      reason.placeholder = "Lý do từ chối";
      td.append(reason, button("Từ chối", () => act(r, "refuse", {reason: reason.value}), "refuse"));
    } else if (r.kind === "access" && r.status === "done") {
      const a = el("a", "Xem, in hồ sơ"); a.href = `/api/data-requests/${r.id}/dossier`; a.target = "_blank";
      a.rel = "noopener"; a.className = "dossier";
      td.append(a);
    }
    tr.append(td);
    return tr;
  }));
}

async function act(r, what, body) {
  Hotline.text("request-error", "");
  try {
    await Hotline.api(`/api/data-requests/${r.id}/${what}`, "POST", body);
    await loadRequests();
  } catch (e) { Hotline.text("request-error", e.message); }
}

function carryOut(r) {
  if (r.kind === "erasure" && !window.confirm(
    `Xoá mọi dữ liệu cá nhân của ${[r.phone, r.email, r.platform_id].filter(Boolean).join(", ")}? Không thể hoàn tác.`))
    return;
  return act(r, "carry-out", {confirm: true});
}

document.getElementById("request-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  Hotline.text("request-error", "");
  try {
    await Hotline.api("/api/data-requests", "POST", {kind: f.kind.value, phone: f.phone.value || null,
                                                     email: f.email.value || null,
                                                     platform_id: f.platform_id.value.trim() || null,
                                                     note: f.note.value});
    f.reset();
    await loadRequests();
  } catch (e) { Hotline.text("request-error", e.message); }
});

document.getElementById("request-search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  Hotline.text("request-error", "");
  const value = f.value.value.trim();
  RequestSearch.query = value ? `?${new URLSearchParams({[f.by.value]: value})}` : "";
  try { await loadRequests(); } catch (e) { Hotline.text("request-error", e.message); }
});

document.getElementById("request-search-all").addEventListener("click", async () => {
  document.getElementById("request-search").reset();
  RequestSearch.query = "";
  try { await loadRequests(); } catch (e) { Hotline.text("request-error", e.message); }
});

document.getElementById("audit-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  Hotline.text("audit-error", "");
  try {
    const code = encodeURIComponent(ev.target.ticket.value);
    const items = await Hotline.api(`/api/audit?ticket=${code}`);
    document.querySelector("#audit tbody").replaceChildren(...items.map((e) => {
      const tr = el("tr");
      cell(tr, Hotline.time(e.at)); cell(tr, e.username); cell(tr, e.role);
      cell(tr, ACCESS[e.action] || e.action, "access"); cell(tr, e.detail); cell(tr, e.address);
      return tr;
    }));
    if (!items.length) Hotline.text("audit-error", "Chưa có ai truy cập dữ liệu cá nhân của phiếu này");
  } catch (e) { Hotline.text("audit-error", e.message); }
});

const me = await Hotline.api("/api/me");
Hotline.text("user-name", me.full_name);
Office.agencies = await Hotline.api("/api/office/agencies");
await Promise.all([loadPending(), loadOverdue(), loadLetters(), showStatutory("#statutory tbody"), loadRequests()]);
// Kept current, except the list the user is choosing in.
setInterval(() => {
  const busy = document.getElementById("pending").contains(document.activeElement);
  Promise.all([busy ? null : loadPending(), loadOverdue(), loadLetters()]).catch(() => {});
}, 30000);

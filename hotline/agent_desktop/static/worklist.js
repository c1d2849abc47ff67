// The operator's work list outside calls: tickets the hotline holds (from the web form and other
// channels, returned by an agency, clarified by the citizen). The operator transfers, answers,
// rejects or closes them as the province's workflow allows, and links a report to an open one
// about the same incident (the later reporter is told by SMS).
import {Hotline} from "./common.js";
import {actionBody, button, cell, el, showNeeds} from "./dom.js";
import {callCitizen} from "./dialer.js";
import {ticketSearch} from "./ticket_search.js";

const Work = {items: [], current: null, agencies: null};

async function loadWork() {
  try { Work.items = await Hotline.api("/api/tickets"); } catch (e) { return; }
  document.querySelector("#work-table tbody").replaceChildren(...Work.items.map((t) => {
    const tr = el("tr", undefined, t.overdue ? "overdue" : "");
    tr.dataset.code = t.code;
    cell(tr, t.code); cell(tr, Hotline.name("channels", t.channel));
    cell(tr, Hotline.name("topics", t.topic)); cell(tr, t.stage_text);
    cell(tr, Hotline.time(t.due_at)); cell(tr, t.content);
    cell(tr, "").append(button("Xử lý", () => openWork(t.id)));
    return tr;
  }));
}

function showWorkNeeds() {
  const action = Work.current && Work.current.actions.find((a) => a.name === document.getElementById("w-action").value);
  showNeeds(action ? action.needs : [], {agency: "w-agency-label", result: "w-result-label", reason: "w-reason-label",
                                         question: "w-question-label", note: "w-note-label"});
  document.getElementById("w-also-label").hidden = !(action && action.several_agencies);
}

// Also from the screen pop: a caller's earlier ticket (e.g. a clarification given by phone).
export async function openWork(id) {
  const t = await Hotline.api(`/api/tickets/${id}`);
  Work.current = t;
  document.getElementById("work-detail").hidden = false;
  Hotline.text("w-code", t.code); Hotline.text("w-stage", t.stage_text); Hotline.text("w-content", t.content);
  Hotline.text("w-reason", t.reason ? `Lý do: ${t.reason}` : "");
  const doc = document.getElementById("w-transfer-doc");  // the printed transfer (where the profile has it)
  doc.hidden = !t.transfer_document; doc.href = `/api/tickets/${t.id}/transfer-document`;
  Hotline.text("w-error", ""); Hotline.text("w-saved", "");
  document.getElementById("w-candidates").replaceChildren();
  showScans(t);
  document.getElementById("w-action").replaceChildren(...t.actions.map((a) => {
    const o = document.createElement("option"); o.value = a.name; o.textContent = a.title; return o;
  }));
  document.getElementById("w-submit").disabled = t.actions.length === 0;
  // The agencies, the one responsible for the ticket's commune and field first (with the reason).
  const where = `commune=${encodeURIComponent(t.commune_code || "")}&topic=${encodeURIComponent(t.topic || "")}`;
  Work.agencies = await Hotline.api(`/api/agencies?${where}`);
  for (const id of ["w-agency", "w-also"]) {
    document.getElementById(id).replaceChildren(...Work.agencies.map((a) => {
      const o = document.createElement("option"); o.value = a.id;
      o.textContent = a.suggested ? `${a.name} (gợi ý: ${a.suggested})` : a.name; return o;
    }));
  }
  showWorkNeeds();
}

document.getElementById("w-action").addEventListener("change", showWorkNeeds);
document.getElementById("w-call").addEventListener("click", async () => {
  if (!Work.current) return;
  Hotline.text("w-error", "");
  try { await callCitizen(`/api/tickets/${Work.current.id}/call`); } catch (e) { Hotline.text("w-error", e.message); }
});
document.getElementById("work-refresh").addEventListener("click", loadWork);

document.getElementById("work-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const t = Work.current; if (!t) return;
  const f = ev.target.elements;
  const action = t.actions.find((a) => a.name === f.action.value);
  const body = actionBody(action, f);
  try {
    const updated = await Hotline.api(`/api/tickets/${t.id}/actions/${action.name}`, "POST", body);
    ev.target.reset();
    await openWork(t.id);  // then says what was done (said before, it would be cleared meanwhile)
    Hotline.text("w-saved", `Đã thực hiện: ${updated.stage_text}`);
    await loadWork();
  } catch (e) { Hotline.text("w-error", e.message); }
});

document.getElementById("w-find-duplicates").addEventListener("click", async () => {
  const t = Work.current; if (!t) return;
  const found = await Hotline.api(`/api/tickets/${t.id}/duplicate-candidates`);
  const list = document.getElementById("w-candidates");
  if (found.length === 0) { const li = document.createElement("li"); li.textContent = "Không tìm thấy"; list.replaceChildren(li); return; }
  list.replaceChildren(...found.map((c) => {
    const li = document.createElement("li");
    li.dataset.code = c.code;
    li.append(`${c.code} · ${(c.content || "").slice(0, 120)} `);
    const b = document.createElement("button"); b.type = "button"; b.textContent = "Gộp vào phiếu này";
    b.addEventListener("click", async () => {
      try {
        const linked = await Hotline.api(`/api/tickets/${t.id}/duplicate-of`, "POST", {code: c.code});
        Hotline.text("w-saved", `Đã gộp vào phiếu ${c.code}; người phản ánh được thông báo`);
        Work.current = linked; await loadWork();
      } catch (e) { Hotline.text("w-error", e.message); }
    });
    li.append(b);
    return li;
  }));
});

// Scanned letters kept on the ticket, with the state of their recognised text.
const SCAN_STATES = {pending: "đang nhận dạng chữ", running: "đang nhận dạng chữ", done: "đã nhận dạng chữ",
                     failed: "không nhận dạng được chữ"};

function showScans(t) {
  Hotline.text("w-scan-error", ""); Hotline.text("w-scan-saved", "");
  document.getElementById("w-scans").replaceChildren(...t.attachments.filter((a) => a.scan).map((a) => {
    const li = el("li");
    li.dataset.scan = a.id; li.dataset.state = a.text_status;
    const link = el("a", a.filename); link.href = `/api/tickets/${t.id}/attachments/${a.id}`;
    li.append(`${a.label}: `, link,
              ` · ${SCAN_STATES[a.text_status] || a.text_status}${a.text_error ? ` (${a.text_error})` : ""}`);
    return li;
  }));
}

document.getElementById("w-scan-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const t = Work.current; if (!t) return;
  Hotline.text("w-scan-error", "");
  try { await Hotline.upload(`/api/tickets/${t.id}/scans`, ev.target); }
  catch (e) { Hotline.text("w-scan-error", e.message); return; }
  ev.target.reset();
  await openWork(t.id);
  Hotline.text("w-scan-saved", "Đã tải lên; chữ trong bản quét đang được nhận dạng");
});

ticketSearch("ticket-search", "ticket-search-hits", openWork);

loadWork();
setInterval(loadWork, 30000);

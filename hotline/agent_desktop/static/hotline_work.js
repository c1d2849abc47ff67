// The supervisor's part of the hotline's work list: tickets the hotline holds, and the workflow
// actions open to the operating unit on each (HCMC Art. 6.3: the unit of a report no one could
// place; Art. 7.1e: a dangerous incident it leads and answers), besides the operators' own.
import {Hotline} from "./common.js";
import {actionBody, button, cell, el, option, showNeeds} from "./dom.js";

const Work = {current: null};
const NEEDS = {agency: "hw-agency-label", note: "hw-note-label", result: "hw-result-label", reason: "hw-reason-label",
               photos: "hw-photos"};

async function loadWork() {
  let items;
  try { items = await Hotline.api("/api/tickets"); } catch (e) { return; }
  Hotline.text("hw-count", items.length ? `(${items.length})` : "");
  document.querySelector("#hotline-work tbody").replaceChildren(...items.map((t) => {
    const tr = el("tr", undefined, t.overdue ? "overdue" : "");
    tr.dataset.code = t.code;
    cell(tr, t.code); cell(tr, Hotline.name("topics", t.topic)); cell(tr, t.stage_text);
    cell(tr, Hotline.time(t.due_at)); cell(tr, t.content);
    cell(tr, "").append(button("Xử lý", () => openWork(t.id)));
    return tr;
  }));
}

function showWorkNeeds() {
  const t = Work.current;
  const action = t && t.actions.find((a) => a.name === document.getElementById("hw-action").value);
  showNeeds(action ? action.needs : [], NEEDS);
}

async function openWork(id) {
  const t = await Hotline.api(`/api/tickets/${id}`);
  Work.current = t;
  document.getElementById("hw-detail").hidden = false;
  Hotline.text("hw-code", t.code); Hotline.text("hw-stage", t.stage_text); Hotline.text("hw-content", t.content);
  Hotline.text("hw-error", ""); Hotline.text("hw-saved", "");
  Hotline.text("hw-attach-error", ""); Hotline.text("hw-attach-saved", "");
  document.getElementById("hw-files").replaceChildren(...t.attachments.filter((f) => !f.scan).map((f) => {
    const li = el("li");
    const a = el("a", f.filename); a.href = `/api/tickets/${t.id}/attachments/${f.id}`;
    li.append(a, f.public ? " (công khai)" : "");
    return li;
  }));
  const select = document.getElementById("hw-action");
  select.replaceChildren();
  for (const a of t.actions) option(select, a.name, a.title);
  document.getElementById("hw-submit").disabled = t.actions.length === 0;
  // The agencies, the one responsible for the ticket's commune and field first (with the reason).
  const where = `commune=${encodeURIComponent(t.commune_code || "")}&topic=${encodeURIComponent(t.topic || "")}`;
  const agencies = document.getElementById("hw-agency");
  agencies.replaceChildren();
  for (const a of await Hotline.api(`/api/agencies?${where}`)) {
    option(agencies, a.id, a.suggested ? `${a.name} (gợi ý: ${a.suggested})` : a.name);
  }
  showWorkNeeds();
}

document.getElementById("hw-action").addEventListener("change", showWorkNeeds);

document.getElementById("hw-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const t = Work.current; if (!t) return;
  const f = ev.target.elements;
  const action = t.actions.find((a) => a.name === f.action.value);
  const body = actionBody(action, f);
  try {
    const updated = await Hotline.api(`/api/tickets/${t.id}/actions/${action.name}`, "POST", body);
    ev.target.reset();
    await openWork(t.id);  // then says what was done (said before, it would be cleared meanwhile)
    Hotline.text("hw-saved", `Đã thực hiện: ${updated.stage_text}`);
    await loadWork();
  } catch (e) { Hotline.text("hw-error", e.message); }
});

// Site photos of the operating unit's own handling (a progress update needs its own).
document.getElementById("hw-attach-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const t = Work.current; if (!t) return;
  Hotline.text("hw-attach-error", "");
  try { await Hotline.upload(`/api/tickets/${t.id}/attachments`, ev.target); }
  catch (e) { Hotline.text("hw-attach-error", e.message); return; }
  ev.target.reset();
  await openWork(t.id);
  Hotline.text("hw-attach-saved", "Đã tải lên");
});

document.getElementById("hw-refresh").addEventListener("click", loadWork);
loadWork();
setInterval(loadWork, 30000);

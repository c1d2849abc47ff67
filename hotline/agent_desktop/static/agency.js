import {Hotline} from "./common.js";
import {cell, showNeeds} from "./dom.js";

// The agency's inbox: tickets transferred to it with their deadlines; the focal point (or the head,
// after escalation) records the answer to the citizen.
const Inbox = {items: [], current: null};

async function load() {
  Inbox.items = await Hotline.api("/api/agency/tickets");
  document.querySelector("#inbox tbody").replaceChildren(...Inbox.items.map((t) => {
    const tr = document.createElement("tr");
    tr.dataset.code = t.code;
    if (t.overdue) tr.className = "overdue";
    cell(tr, t.code);
    cell(tr, Hotline.name("topics", t.topic));
    cell(tr, t.overdue ? `${t.stage_text} — quá hạn` : t.stage_text);
    cell(tr, Hotline.time(t.due_at));
    cell(tr, (t.content || "").slice(0, 100));
    const td = document.createElement("td");
    const open = document.createElement("button");
    open.textContent = "Xem"; open.addEventListener("click", () => show(t));
    td.append(open); tr.append(td);
    return tr;
  }));
}

// After a change: the inbox is read again first, then the change is confirmed, so that a row
// opened after the confirmation shows the ticket as it now is (not the list's copy from before).
async function saved(id, text) {
  await load();
  Hotline.text(id, text);
}

function show(t) {
  Inbox.current = t;
  document.getElementById("detail").hidden = false;
  for (const [id, v] of [["d-code", t.code], ["d-name", t.reporter_name], ["d-phone", t.caller_phone],
                         ["d-address", t.address], ["d-due", Hotline.time(t.due_at)], ["d-stage", t.stage_text],
                         ["d-content", t.content]]) Hotline.text(id, v);
  document.getElementById("d-files").replaceChildren(...(t.attachments || []).map((f) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/api/agency/tickets/${t.id}/attachments/${f.id}`; a.textContent = f.filename;
    li.append(a, f.public ? " (công khai)" : "");
    return li;
  }));
  const letter = document.getElementById("d-letter");
  letter.hidden = !t.letter; letter.href = `/api/agency/tickets/${t.id}/letter`;
  const signed = document.getElementById("d-letter-signed");  // 409 with the reason when the agency has no certificate
  signed.hidden = !t.letter; signed.href = `/api/agency/tickets/${t.id}/letter/pdf?signed=1`;
  const doc = document.getElementById("d-transfer-doc");
  doc.hidden = !t.transfer_document; doc.href = `/api/agency/tickets/${t.id}/transfer-document`;
  const docPdf = document.getElementById("d-transfer-doc-pdf");
  docPdf.hidden = !t.transfer_document; docPdf.href = `/api/agency/tickets/${t.id}/transfer-document/pdf`;
  Hotline.text("attach-error", ""); Hotline.text("attach-saved", "");
  const form = document.getElementById("answer-form");
  form.elements.result.value = t.result || "";
  const answer = t.actions.find((a) => a.name === "answer");
  document.getElementById("answer-submit").disabled = !answer;
  document.getElementById("answer-photos").hidden = !(answer && answer.needs.includes("photos"));
  Hotline.text("answer-error", ""); Hotline.text("answer-saved", "");
  // Reschedule (once), return with a reason, approve...: what the province's workflow allows now.
  const others = t.actions.filter((a) => a.name !== "answer");
  document.getElementById("action-form").hidden = others.length === 0;
  document.getElementById("action-name").replaceChildren(...others.map((a) => {
    const o = document.createElement("option"); o.value = a.name; o.textContent = a.title; return o;
  }));
  Hotline.text("action-error", ""); Hotline.text("action-saved", "");
  showActionNeeds();
  showCoordination(t);
}

// Coordination (where the province's workflow has it): what this agency asked of others on the
// ticket, and a form to ask one more.
function showCoordination(t) {
  const asked = t.coordination || [];
  document.getElementById("coordination").hidden = !t.may_coordinate && asked.length === 0;
  document.getElementById("coordinate-form").hidden = !t.may_coordinate;
  document.getElementById("d-coordination").replaceChildren(...asked.map((r) => {
    const li = document.createElement("li");
    li.dataset.agency = r.agency_id;
    const state = r.answered_at ? `đã trả lời: ${r.answer}` : `chờ trả lời trước ${Hotline.time(r.due_at)}`;
    li.textContent = `${r.agency} — ${r.question} — ${state}${r.late ? " (quá hạn)" : ""}`;
    return li;
  }));
  Hotline.text("coordinate-error", ""); Hotline.text("coordinate-saved", "");
}

document.getElementById("coordinate-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!Inbox.current) return;
  const f = ev.target.elements;
  try {
    const t = await Hotline.api(`/api/agency/tickets/${Inbox.current.id}/coordination`, "POST",
                                {agency_id: Number(f.agency_id.value), question: f.question.value});
    ev.target.reset();
    show(t);
    await saved("coordinate-saved", "Đã gửi đề nghị phối hợp");
  } catch (e) { Hotline.text("coordinate-error", e.message); }
});

// A one-field answer (to a coordination request, to a request for explanation): sent once, then
// the list is read again; a refusal is shown under the field.
function answerForm(label, rows, url, reload) {
  const form = document.createElement("form"); form.className = "answer-once";
  const text = document.createElement("textarea"); text.name = "answer"; text.required = true; text.rows = rows;
  text.maxLength = 20000;
  const b = document.createElement("button"); b.type = "submit"; b.textContent = label;
  const err = document.createElement("p"); err.className = "error"; err.setAttribute("role", "alert");
  form.append(text, b, err);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await Hotline.api(url, "POST", {answer: text.value});
      await reload();
    } catch (x) { err.textContent = x.message; }
  });
  return form;
}

// The operators' level-1 answers in the agency's fields, for its head where the profile says so
// (the server answers 403/404 otherwise, and the section stays hidden).
async function loadLevel1() {
  const r = await fetch("/api/agency/level1-answers");
  if (!r.ok) return;
  const items = await r.json();
  document.getElementById("level1-section").hidden = false;
  document.querySelector("#level1 tbody").replaceChildren(...items.map((t) => {
    const tr = document.createElement("tr");
    tr.dataset.code = t.code;
    cell(tr, t.code); cell(tr, Hotline.name("topics", t.topic)); cell(tr, t.content); cell(tr, t.result);
    cell(tr, Hotline.time(t.answered_at));
    return tr;
  }));
}

// Review findings against the agency's answers, with the deadline to act; it says what it did, once.
async function loadFindings() {
  const items = await Hotline.api("/api/agency/reviews");
  document.getElementById("findings-section").hidden = items.length === 0;
  document.querySelector("#findings tbody").replaceChildren(...items.map((f) => {
    const tr = document.createElement("tr");
    tr.dataset.code = f.code;
    if (f.late) tr.className = "overdue";
    cell(tr, f.code); cell(tr, f.verdict_text); cell(tr, f.comment); cell(tr, f.due_at ? Hotline.time(f.due_at) : "—");
    const td = document.createElement("td");
    if (f.responded_at) { td.textContent = f.response; } else {
      td.append(answerForm("Báo cáo việc khắc phục", 2, `/api/agency/reviews/${f.id}/respond`, loadFindings));
    }
    tr.append(td);
    return tr;
  }));
}

// The provincial office's letters about this agency's tickets; a request for explanation is
// answered here, once.
async function loadLetters() {
  const letters = await Hotline.api("/api/agency/office-letters");
  document.getElementById("office-letters-section").hidden = letters.length === 0;
  document.querySelector("#office-letters tbody").replaceChildren(...letters.map((l) => {
    const tr = document.createElement("tr");
    tr.dataset.number = l.number;
    if (l.late) tr.className = "overdue";
    cell(tr, l.number); cell(tr, l.kind_text); cell(tr, l.code); cell(tr, Hotline.time(l.issued_at));
    cell(tr, l.due_at ? Hotline.time(l.due_at) : "—");
    const td = document.createElement("td");
    if (l.kind !== "explanation") { td.textContent = "—"; } else if (l.answered_at) { td.textContent = l.answer; } else {
      td.append(answerForm("Gửi giải trình", 3, `/api/agency/office-letters/${l.id}/answer`, loadLetters));
    }
    tr.append(td);
    const open = document.createElement("td");
    const a = document.createElement("a"); a.href = `/api/agency/office-letters/${l.id}`; a.textContent = "Xem, in";
    a.target = "_blank"; a.rel = "noopener";
    const pdf = document.createElement("a"); pdf.href = `/api/agency/office-letters/${l.id}/pdf?signed=1`;
    pdf.textContent = "PDF có chữ ký số"; pdf.target = "_blank"; pdf.rel = "noopener";
    open.append(a, " · ", pdf); tr.append(open);
    return tr;
  }));
}

async function loadAsked() {
  const asked = await Hotline.api("/api/agency/coordination");
  document.getElementById("asked-section").hidden = asked.length === 0;
  document.querySelector("#asked tbody").replaceChildren(...asked.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.code = r.code;
    if (r.late && !r.answered_at) tr.className = "overdue";
    cell(tr, r.code); cell(tr, r.asking_agency); cell(tr, `${r.question} — ${(r.content || "").slice(0, 200)}`);
    cell(tr, r.answered_at ? "Đã trả lời" : Hotline.time(r.due_at) + (r.late ? " — quá hạn" : ""));
    const td = document.createElement("td");
    if (r.answered_at) { td.textContent = r.answer; } else {
      td.append(answerForm("Gửi trả lời phối hợp", 2, `/api/agency/coordination/${r.id}/answer`, loadAsked));
    }
    tr.append(td);
    return tr;
  }));
}

// Only the fields the chosen action needs (a reason, a note, a date, site photos).
function showActionNeeds() {
  const t = Inbox.current;
  const name = document.getElementById("action-name").value;
  const action = t && t.actions.find((a) => a.name === name);
  showNeeds(action ? action.needs : [], {reason: "action-reason-label", note: "action-note-label",
                                         question: "action-question-label", date: "action-date-label",
                                         photos: "action-photos"});
}
document.getElementById("action-name").addEventListener("change", showActionNeeds);

document.getElementById("action-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!Inbox.current) return;
  const f = ev.target.elements;
  const body = {};
  if (f.reason.value) body.reason = f.reason.value;
  if (f.note.value) body.note = f.note.value;
  if (f.question.value) body.question = f.question.value;
  if (f.date.value) body.date = f.time.value ? `${f.date.value}T${f.time.value}` : f.date.value;
  const answer = document.getElementById("answer-form").elements.result.value;
  if (answer && f.action.value === "approve_edited") body.result = answer;
  try {
    const t = await Hotline.api(`/api/agency/tickets/${Inbox.current.id}/actions/${f.action.value}`, "POST", body);
    ev.target.reset();
    show(t);
    await saved("action-saved", `Đã thực hiện: ${t.stage_text}`);
  } catch (e) { Hotline.text("action-error", e.message); }
});

document.getElementById("attach-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!Inbox.current) return;
  let data;
  try { data = await Hotline.upload(`/api/agency/tickets/${Inbox.current.id}/attachments`, ev.target); }
  catch (e) { Hotline.text("attach-error", e.message); return; }
  ev.target.reset();
  show(data);
  await saved("attach-saved", "Đã tải lên");
});

document.getElementById("answer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!Inbox.current) return;
  try {
    const t = await Hotline.api(`/api/agency/tickets/${Inbox.current.id}/answer`, "POST",
                                {result: ev.target.elements.result.value});
    show(t);
    await saved("answer-saved", "Đã gửi trả lời");
  } catch (e) { Hotline.text("answer-error", e.message); }
});

(async () => {
  const me = await Hotline.api("/api/me");
  Hotline.text("user-name", me.full_name);
  await load();
  await loadAsked();
  await loadLetters();
  await loadLevel1();
  await loadFindings();
  const partners = await Hotline.api("/api/agency/partners");
  document.getElementById("coordinate-agency").replaceChildren(...partners.map((a) => {
    const o = document.createElement("option"); o.value = a.id; o.textContent = a.name; return o;
  }));
  setInterval(() => { load(); loadAsked(); loadLetters(); }, 60000);
})();

// Written conversations (e-mail, web chat, Zalo, Facebook) beside the calls: the waiting ones
// first. An operator takes one (its draft ticket becomes hers to complete in the ticket form),
// answers in the citizen's thread, and closes it. New messages arrive by push with their text;
// the open conversation shows when the citizen is writing (web chat) and has read the answers, and
// tells the citizen when the operator has read and is writing.
import {Hotline} from "./common.js";
import {button, cell, el} from "./dom.js";
import {Knowledge} from "./knowledge.js";

export const Inbox = {items: [], me: null, open: null, channel: null, citizenRead: 0, lastIn: 0, readSent: 0,
                      lastTyping: 0, typingTimer: null, reloadTimer: null};

function fail(e) { Hotline.text("inbox-error", e.message); }

async function act(path, body) {
  Hotline.text("inbox-error", "");
  try { return await Hotline.api(path, "POST", body || {}); } catch (e) { fail(e); return null; }
}

export async function load() {
  try { Inbox.items = await Hotline.api("/api/conversations"); } catch (e) { return; }
  const waiting = Inbox.items.filter((c) => c.status === "open").length;
  Hotline.text("inbox-count", Inbox.items.length ? `(${waiting} chờ trả lời / ${Inbox.items.length})` : "");
  document.querySelector("#inbox-table tbody").replaceChildren(...Inbox.items.map((c) => {
    const soon = c.reply_due_at && Date.parse(c.reply_due_at) - Date.now() < 5 * 60000;
    const tr = el("tr", undefined, [c.status === "open" ? "waiting" : "", c.overdue ? "overdue" : (soon ? "due-soon" : "")].join(" ").trim());
    tr.dataset.id = c.id;
    cell(tr, Hotline.name("channels", c.channel)); cell(tr, c.citizen_name || c.citizen_address);
    cell(tr, c.subject); cell(tr, c.ticket_code); cell(tr, Hotline.time(c.last_message_at));
    cell(tr, c.reply_due_at ? Hotline.time(c.reply_due_at) : "—");
    cell(tr, (c.status === "open" ? "Chờ trả lời" : "Đã trả lời") + (c.unread ? ` · ${c.unread} chưa đọc` : ""));
    cell(tr, c.assignee);
    const td = el("td");
    if (!c.assignee) td.append(button("Nhận", async () => { if (await act(`/api/conversations/${c.id}/take`)) show(c.id); }, "inbox-take"));
    else if (c.assignee === Inbox.me) td.append(button("Mở", () => show(c.id), "inbox-open"));
    tr.append(td);
    return tr;
  }));
  if (Inbox.open && !Inbox.items.some((c) => c.id === Inbox.open)) {  // closed or given to someone else
    Inbox.open = null; document.getElementById("inbox-detail").hidden = true;
  } else if (Inbox.open) sendRead();
}

function messageItem(m, ticketId) {
  const li = el("li", undefined, m.direction === "in" ? "from-citizen" : "from-hotline");
  li.dataset.id = m.id;
  li.append(el("b", `${m.direction === "in" ? "Người dân" : (m.author || "Tổng đài (tự động)")} · ${Hotline.time(m.created_at)}`),
            el("pre", m.body));
  for (const a of m.attachments) {
    const link = el("a", a.filename);
    link.href = `/api/tickets/${ticketId}/attachments/${a.id}`;
    li.append(" ", link);
  }
  for (const r of m.refused) li.append(el("p", `Không nhận tệp ${r.filename}: ${r.reason}`, "error"));
  return li;
}

// "Người dân đã xem" under the last answer the citizen has read (web chat, Zalo, Messenger).
function markCitizenRead(upTo) {
  Inbox.citizenRead = Math.max(Inbox.citizenRead, upTo || 0);
  document.querySelectorAll("#inbox-messages .seen").forEach((s) => s.remove());
  const read = [...document.querySelectorAll("#inbox-messages li.from-hotline")]
    .filter((li) => Number(li.dataset.id) <= Inbox.citizenRead);
  if (read.length) read[read.length - 1].append(el("small", "Người dân đã xem", "seen"));
}

// The operator who has the conversation, with it in view, has read the citizen's messages.
function sendRead() {
  if (!Inbox.open || Inbox.lastIn <= Inbox.readSent || document.visibilityState !== "visible") return;
  const mine = Inbox.items.find((c) => c.id === Inbox.open && c.assignee === Inbox.me);
  if (!mine) return;
  Inbox.readSent = Inbox.lastIn;
  Hotline.api(`/api/conversations/${Inbox.open}/read`, "POST", {up_to: Inbox.lastIn})
    .then(() => reloadSoon(), () => {});  // the row's unread count goes
}
document.addEventListener("visibilitychange", sendRead);

async function show(id, quiet) {
  let c;
  try { c = await Hotline.api(`/api/conversations/${id}`); } catch (e) { if (!quiet) fail(e); return; }
  if (Inbox.open !== id) { Inbox.readSent = 0; Inbox.citizenRead = 0; }
  Inbox.open = id;
  Inbox.channel = c.channel;
  document.getElementById("inbox-detail").hidden = false;
  Hotline.text("inbox-subject", `${c.subject || "(không tiêu đề)"} · ${c.citizen_name || ""} <${c.citizen_address}>`);
  Hotline.text("inbox-code", c.ticket_code);
  document.getElementById("inbox-messages").replaceChildren(...c.messages.map((m) => messageItem(m, c.ticket_id)));
  Inbox.lastIn = Math.max(0, ...c.messages.filter((m) => m.direction === "in").map((m) => m.id));
  markCitizenRead(c.citizen_read_id);
  sendRead();
  // The knowledge base panel suggests answers from what the citizen wrote last.
  const last = [...c.messages].reverse().find((m) => m.direction === "in");
  if (!quiet && last) Knowledge.context(null, last.body);
  document.getElementById("inbox-ticket").onclick = () =>
    window.dispatchEvent(new CustomEvent("hotline:ticket", {detail: c.ticket_id}));
}

// "Dùng câu trả lời" in the knowledge base panel: with a conversation open, its answer becomes the
// reply (the operator edits it before sending).
export function useAnswer(article) {
  if (Inbox.open && !document.getElementById("inbox-detail").hidden) {
    document.getElementById("inbox-reply").value = article.answer;
  }
}

document.getElementById("inbox-reply-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = document.getElementById("inbox-reply");
  if (Inbox.open && await act(`/api/conversations/${Inbox.open}/reply`, {text: text.value})) {
    text.value = ""; Hotline.text("inbox-saved", "Đã gửi trả lời");  // the answer comes back by push
  }
});
document.getElementById("inbox-close").addEventListener("click", async () => {
  if (Inbox.open && await act(`/api/conversations/${Inbox.open}/close`)) {
    Inbox.open = null; document.getElementById("inbox-detail").hidden = true; load();
  }
});

// While the operator writes in a web chat (or on Messenger), the citizen sees it (at most every 3 s).
document.getElementById("inbox-reply").addEventListener("input", () => {
  if (Inbox.open && ["webchat", "facebook"].includes(Inbox.channel) && Date.now() - Inbox.lastTyping > 3000) {
    Inbox.lastTyping = Date.now();
    Hotline.api(`/api/conversations/${Inbox.open}/typing`, "POST", {}).catch(() => {});
  }
});

function citizenTyping() {
  const p = document.getElementById("inbox-typing");
  p.hidden = false;
  clearTimeout(Inbox.typingTimer);
  Inbox.typingTimer = setTimeout(() => { p.hidden = true; }, 5000);
}

function reloadSoon() {  // one listing for a burst of activity
  clearTimeout(Inbox.reloadTimer);
  Inbox.reloadTimer = setTimeout(() => load(), 300);
}

// Activity in one of the operator's conversations: the message itself, typing, reading.
function activity(d) {
  const here = Inbox.open === d.id && !document.getElementById("inbox-detail").hidden;
  if (here && d.message) {
    const c = Inbox.items.find((x) => x.id === d.id);
    const item = messageItem(d.message, c ? c.ticket_id : null);
    const shown = document.querySelector(`#inbox-messages li[data-id="${d.message.id}"]`);
    if (shown) shown.replaceWith(item);  // the same message again: its files were fetched since
    else document.getElementById("inbox-messages").append(item);
    if (!shown && d.message.direction === "in") {
      document.getElementById("inbox-typing").hidden = true;
      Inbox.lastIn = Math.max(Inbox.lastIn, d.message.id);
      sendRead();
    }
    markCitizenRead(0);
  }
  if (here && d.typing === "citizen") citizenTyping();
  if (here && d.read) markCitizenRead(d.read.up_to);
  if (d.message || ["reminder", "overdue", "answered"].includes(d.status)) reloadSoon();
}

export async function onEvent(msg) {
  if (msg.type === "hello") {  // (re)connected: what came meanwhile is fetched again
    Inbox.me = msg.data.user.operator_id;
    await load();
    if (Inbox.open) show(Inbox.open, true);
  }
  else if (msg.type === "conversations.changed") await load();
  else if (msg.type === "conversation.activity") {
    activity(msg.data);
    const mine = Inbox.items.find((c) => c.id === msg.data.id);
    const who = mine ? (mine.citizen_name || mine.citizen_address) : `#${msg.data.id}`;
    if (msg.data.status === "reminder") Hotline.notice(`Người dân đang chờ trả lời: ${who}${mine && mine.reply_due_at ? ` (hạn ${Hotline.time(mine.reply_due_at)})` : ""}`);
    if (msg.data.status === "overdue") Hotline.notice(`Quá hạn trả lời: ${who}`);
  }
}
document.getElementById("inbox-refresh").addEventListener("click", load);

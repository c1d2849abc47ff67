// Written conversations (citizens' e-mails) beside the calls: the waiting ones first. An operator
// takes one (its draft ticket becomes hers to complete in the ticket form), answers in the
// citizen's thread, and closes it; new messages arrive by push.
import {Hotline} from "./common.js";
import {button, cell, el} from "./dom.js";
import {Knowledge} from "./knowledge.js";

export const Inbox = {items: [], me: null, open: null};

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
    cell(tr, c.status === "open" ? "Chờ trả lời" : "Đã trả lời"); cell(tr, c.assignee);
    const td = el("td");
    if (!c.assignee) td.append(button("Nhận", async () => { if (await act(`/api/conversations/${c.id}/take`)) show(c.id); }, "inbox-take"));
    else if (c.assignee === Inbox.me) td.append(button("Mở", () => show(c.id), "inbox-open"));
    tr.append(td);
    return tr;
  }));
  if (Inbox.open) show(Inbox.open, true);
}

async function show(id, quiet) {
  let c;
  try { c = await Hotline.api(`/api/conversations/${id}`); } catch (e) { if (!quiet) fail(e); return; }
  Inbox.open = id;
  document.getElementById("inbox-detail").hidden = false;
  Hotline.text("inbox-subject", `${c.subject || "(không tiêu đề)"} · ${c.citizen_name || ""} <${c.citizen_address}>`);
  Hotline.text("inbox-code", c.ticket_code);
  document.getElementById("inbox-messages").replaceChildren(...c.messages.map((m) => {
    const li = el("li", undefined, m.direction === "in" ? "from-citizen" : "from-hotline");
    li.append(el("b", `${m.direction === "in" ? "Người dân" : (m.author || "Tổng đài (tự động)")} · ${Hotline.time(m.created_at)}`),
              el("pre", m.body));
    for (const a of m.attachments) {
      const link = el("a", a.filename);
      link.href = `/api/tickets/${c.ticket_id}/attachments/${a.id}`;
      li.append(" ", link);
    }
    for (const r of m.refused) li.append(el("p", `Không nhận tệp ${r.filename}: ${r.reason}`, "error"));
    return li;
  }));
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
    text.value = ""; Hotline.text("inbox-saved", "Đã gửi trả lời"); load();
  }
});
document.getElementById("inbox-close").addEventListener("click", async () => {
  if (Inbox.open && await act(`/api/conversations/${Inbox.open}/close`)) {
    Inbox.open = null; document.getElementById("inbox-detail").hidden = true; load();
  }
});

export async function onEvent(msg) {
  if (msg.type === "hello") { Inbox.me = msg.data.user.operator_id; load(); }
  else if (msg.type === "conversations.changed") {
    await load();
    const mine = Inbox.items.find((c) => c.id === msg.data.id && c.assignee === Inbox.me);
    if (mine && msg.data.status === "reminder") Hotline.notice(`Người dân đang chờ trả lời: ${mine.citizen_name || mine.citizen_address} (hạn ${Hotline.time(mine.reply_due_at)})`);
    if (mine && msg.data.status === "overdue") Hotline.notice(`Quá hạn trả lời: ${mine.citizen_name || mine.citizen_address}`);
  }
}
document.getElementById("inbox-refresh").addEventListener("click", load);

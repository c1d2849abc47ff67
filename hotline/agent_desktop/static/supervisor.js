// The supervisor view: live queues, agents and calls; listen / whisper from the supervisor's phone.
import {Hotline} from "./common.js";
import {Softphone} from "./softphone.js";
import {Captions} from "./captions.js";
import {ticketSearch} from "./ticket_search.js";
import "./hotline_work.js";  // the hotline's work list and the operating unit's actions

function person(id) { return id ? `${Hotline.name("operators", id)} (${id})` : "—"; }

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.append(c); else td.textContent = c ?? "—";
    tr.append(td);
  }
  return tr;
}

function spyButton(call, mode, label) {
  const b = document.createElement("button");
  b.textContent = label;
  b.dataset.linkedid = call.linkedid;
  b.dataset.mode = mode;
  return b;
}

// One listener for the calls table, and tables redrawn only when their content changed, so a
// button is never replaced under the supervisor's pointer by the once-a-second update.
async function spyOn(ev) {
  const b = ev.target.closest("button[data-mode]");
  if (!b) return;
  spy.expected = Date.now();  // before the request: Asterisk's call may arrive before its answer
  spy.linkedid = b.dataset.linkedid;
  try {
    await Hotline.api("/api/supervisor/listen", "POST", {linkedid: b.dataset.linkedid, mode: b.dataset.mode});
    Hotline.text("spy-result", "Đang kết nối vào máy của bạn…");
  } catch (e) { spy.expected = 0; Hotline.text("spy-result", e.message); }
}
document.querySelector("#calls tbody").addEventListener("click", spyOn);
document.querySelector("#alerts tbody").addEventListener("click", spyOn);  // an alert's "Nghe ngay"

const drawn = {};
function redraw(selector, data, rows) {
  const key = JSON.stringify(data);
  if (drawn[selector] === key) return;
  drawn[selector] = key;
  document.querySelector(selector).replaceChildren(...rows());
}

function render(s) {
  redraw("#queues tbody", s.queues, () => Object.entries(s.queues).map(([id, st]) =>
    row([Hotline.name("queues", id), st.waiting, Math.round(st.longest_wait)])));
  redraw("#agents tbody", s.agents, () => s.agents.map((ag) => row([person(ag.id),
    Hotline.name("agent_states", ag.state), Hotline.time(ag.since),
    ag.pause_reason ? Hotline.name("pause_reasons", ag.pause_reason) : "—", ag.call ? "Có" : "—"])));
  const calls = s.calls.map((c) => [c.linkedid, c.caller, c.topic, c.direction, c.state, c.agent, c.transferred_to]);
  redraw("#calls tbody", calls, () => s.calls.map((call) => {
    const actions = document.createElement("span");
    if (call.state === "talking") actions.append(spyButton(call, "listen", "Nghe"), spyButton(call, "whisper", "Nhắc"));
    const topic = call.direction === "outbound" ? "Gọi ra cho công dân" : Hotline.name("topics", call.topic);
    return row([call.caller, topic, Hotline.name("call_states", call.state),
                call.agent ? person(call.agent) : call.transferred_to || "—", actions]);
  }));
}

// The supervisor's phone only receives the calls it asked for (listen / whisper): answer those.
const spy = {session: null, expected: 0, linkedid: null};
const captions = new Captions(document.getElementById("captions"));
window.hotlinePhone = {spy, bytesReceived: () => Softphone.bytesReceived(spy.session)};
function onIncoming(session) {
  if (Date.now() - spy.expected > 30000 || spy.session) { session.terminate({status_code: 486}); return; }
  spy.session = session;
  Softphone.playRemote(session, document.getElementById("remote-audio"));
  session.on("confirmed", () => {
    Hotline.text("spy-state", "Đang nghe cuộc gọi"); document.getElementById("spy-stop").disabled = false;
    captions.follow(spy.linkedid);  // the captions of the call listened to
  });
  const end = () => {
    spy.session = null; Hotline.text("spy-state", ""); document.getElementById("spy-stop").disabled = true;
  };
  session.on("ended", end);
  session.on("failed", end);
  session.answer({mediaConstraints: {audio: true, video: false}});
}
document.getElementById("spy-stop").addEventListener("click", () => spy.session && spy.session.terminate());
Softphone.start({onIncoming}).catch((e) => Hotline.text("sip-status", e.message));

// Alert phrases heard in live calls ("call.alert"), newest first, with a button to listen at once.
const alertsShown = new Set();
let alertCount = 0;
function showAlert(a) {
  if (alertsShown.has(a.id)) return;
  alertsShown.add(a.id);
  const listen = spyButton({linkedid: a.linkedid}, "listen", "Nghe ngay");
  const tr = row([Hotline.time(a.at), a.phrase, a.heard, a.caller || "—", person(a.operator), listen]);
  tr.className = "alert-new";
  tr.dataset.linkedid = a.linkedid;
  document.querySelector("#alerts tbody").prepend(tr);
  Hotline.text("alert-count", `(${++alertCount})`);
}

async function loadAlerts() {  // the last day's, when the page opens (and after a reconnect)
  try { (await Hotline.api("/api/alerts")).reverse().forEach(showAlert); } catch (e) { /* next hello */ }
}

Hotline.connect((msg) => {
  captions.onEvent(msg);
  if (msg.type === "call.alert") showAlert(msg.data);
  if (msg.type === "hello") {
    Hotline.text("user-name", msg.data.user.full_name); render(msg.data.snapshot); loadAlerts();
  }
  else if (msg.type === "queue.stats") render(msg.data);
  else if (msg.type === "callbacks.changed") loadCallbacks();
  else if (msg.type === "conversations.changed") loadConversations();
  else if (msg.type === "conversation.activity" && msg.data.status) conversationsSoon();  // not typing
});

let conversationsTimer = null;
function conversationsSoon() {  // one listing for a burst of messages
  clearTimeout(conversationsTimer);
  conversationsTimer = setTimeout(loadConversations, 1000);
}

// Every written conversation not closed (e-mail, Zalo, Facebook, web chat): who has it, and
// giving it to another operator.
async function loadConversations() {
  let list;
  try { list = await Hotline.api("/api/conversations"); } catch (e) { setTimeout(loadConversations, 2000); return; }
  const waiting = list.filter((c) => c.status === "open").length;
  Hotline.text("conv-count", list.length ? `(${waiting} chờ trả lời / ${list.length})` : "");
  document.querySelector("#conversations tbody").replaceChildren(...list.map((c) => {
    const tr = row([Hotline.name("channels", c.channel), c.citizen_name || c.citizen_address, c.subject || "—",
                    c.ticket_code || "—", Hotline.time(c.last_message_at), c.reply_due_at ? Hotline.time(c.reply_due_at) : "—",
                    c.status === "open" ? "Chờ trả lời" : "Đã trả lời", c.assignee ? Hotline.name("operators", c.assignee) : "—"]);
    tr.dataset.id = c.id;
    tr.className = c.overdue ? "overdue" : "";  // past the first-reply time: catches the eye
    const td = document.createElement("td");
    const select = document.createElement("select");
    select.className = "conv-operator";
    for (const [id, name] of Object.entries(Hotline.meta.operators)) select.append(new Option(name, id));
    const give = document.createElement("button");
    give.type = "button"; give.textContent = "Giao"; give.className = "conv-assign";
    give.addEventListener("click", async () => {
      Hotline.text("conv-error", "");
      try { await Hotline.api(`/api/conversations/${c.id}/assign`, "POST", {operator_id: select.value}); }
      catch (e) { Hotline.text("conv-error", e.message); }
      loadConversations();
    });
    td.append(select, give);
    tr.append(td);
    return tr;
  }));
}
loadConversations();

// E-mails the mailbox could not keep: the reason, and the message as received to download.
async function loadQuarantine() {
  try {
    const list = await Hotline.api("/api/mail-quarantine");
    Hotline.text("quarantine-count", list.length ? `(${list.length})` : "");
    document.querySelector("#quarantine tbody").replaceChildren(...list.map((q) => {
      const link = document.createElement("a");
      link.href = `/api/mail-quarantine/${q.id}/raw`;
      link.textContent = "Tải về";
      link.className = "quarantine-raw";
      link.setAttribute("download", `thu-cach-ly-${q.id}.eml`);
      const tr = row([q.sender || "—", q.subject || "—", `${Math.ceil(q.size / 1024)} KiB`, q.reason, q.attempts,
                      Hotline.time(q.quarantined_at), link]);
      tr.dataset.id = q.id;
      return tr;
    }));
  } catch (e) { /* shown again at the next refresh */ }
}
loadQuarantine();
setInterval(loadQuarantine, 30000);

// Callback requests not yet handled; those past their deadline first catch the eye (class overdue).
async function loadCallbacks() {
  try {
    const list = await Hotline.api("/api/callbacks");
    Hotline.text("cb-count", list.length ? `(${list.length}, quá hạn ${list.filter((r) => r.overdue).length})` : "");
    document.querySelector("#callbacks tbody").replaceChildren(...list.map((r) => {
      const tr = row([r.caller_number, Hotline.name("callback_reasons", r.reason), Hotline.time(r.requested_at),
                      Hotline.time(r.due_at), r.attempts,
                      Hotline.name("callback_statuses", r.status) + (r.taken_by ? ` (${r.taken_by})` : "")]);
      tr.className = r.overdue ? "overdue" : "";
      tr.dataset.id = r.id;
      return tr;
    }));
  } catch (e) { setTimeout(loadCallbacks, 2000); /* a passing failure: try again soon, not in 30 s */ }
}
loadCallbacks();
setInterval(loadCallbacks, 30000);

async function loadOverdue() {
  try {
    const list = await Hotline.api("/api/supervisor/overdue");
    document.querySelector("#overdue tbody").replaceChildren(...list.map((t) =>
      row([t.code, t.agency_name || "—", Hotline.name("topics", t.topic), Hotline.time(t.due_at)])));
  } catch (e) { /* shown again at the next refresh */ }
}
loadOverdue();
setInterval(loadOverdue, 30000);

// Knowledge base versions waiting for the hotline's approval.
async function loadWaitingArticles() {
  try {
    const waiting = await Hotline.api("/api/knowledge/articles?state=submitted");
    Hotline.text("knowledge-link", waiting.length ? `Bài hỏi đáp (${waiting.length} chờ duyệt)` : "Bài hỏi đáp");
  } catch (e) { /* shown again at the next refresh */ }
}
loadWaitingArticles();
setInterval(loadWaitingArticles, 60000);

ticketSearch("ticket-search", "ticket-search-hits");  // the hits' tickets open on the operator's work list

// The operator desktop: softphone (JsSIP over Asterisk's WebSocket), call bar, screen pop, ticket
// form; transfers and the work list in their own modules.
import {Hotline} from "./common.js";
import {state} from "./call_state.js";
import {Softphone} from "./softphone.js";
import {Transfer, setUpTransfers} from "./transfer.js";
import {attachAddressPicker} from "./address_picker.js";
import {attachPinPicker} from "./pin_picker.js";
import * as Callbacks from "./callbacks.js";
import * as Inbox from "./inbox.js";
import {openWork} from "./worklist.js";
import {Knowledge} from "./knowledge.js";
import {Captions} from "./captions.js";
import {Assist} from "./assist.js";

window.hotlinePhone = {state, bytesReceived: () => Softphone.bytesReceived(state.session), ua: () => Softphone.ua};

// The call bar: what the phone is doing, in colour, and for how long.
function callBar(phase, text) {
  document.getElementById("call-bar").dataset.phase = phase;
  Hotline.text("call-state", text);
  state.since = phase === "idle" || phase === "ended" ? null : (phase === state.phase ? state.since : Date.now());
  state.phase = phase;
  tick();
}
function tick() {
  const s = state.since ? Math.floor((Date.now() - state.since) / 1000) : null;
  Hotline.text("call-timer", s === null ? "" : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`);
}
setInterval(tick, 1000);

function setButtons() {
  const s = state.session;
  const ringing = s && !s.isEstablished() && s.direction === "incoming";
  document.getElementById("answer").disabled = !ringing;
  for (const id of ["hangup"]) document.getElementById(id).disabled = !s;
  for (const id of ["hold", "mute"]) document.getElementById(id).disabled = !(s && s.isEstablished());
  document.querySelectorAll("#keypad button").forEach((b) => { b.disabled = !(s && s.isEstablished()); });
  Transfer.refreshButtons();
}

function showPop(call, previous) {
  state.call = call;
  const pop = document.getElementById("pop");
  pop.className = call ? (call.state === "talking" ? "talking" : "ringing") : "empty";
  pop.classList.toggle("urgent", !!(call && call.urgent));
  Hotline.text("pop-kind", !call ? "" : call.urgent ? "KHẨN CẤP: sự cố cần xử lý gấp (phím khẩn cấp)" : call.virtual_hold ? "Gọi lại giữ chỗ: khi bạn trả lời, hệ thống gọi công dân"
                : call.direction === "outbound" ? "Cuộc gọi ra cho công dân" : "");
  Hotline.text("pop-caller", call && call.caller);
  Hotline.text("bar-caller", call && call.caller);
  Hotline.text("pop-topic", call && Hotline.name("topics", call.topic));
  Hotline.text("pop-path", call && call.ivr_path);
  Hotline.text("pop-queue", call && Hotline.name("queues", call.queue));
  Hotline.text("pop-wait", call && call.wait_seconds);
  Hotline.text("pop-ticket-code", call && call.ticket_code);
  if (previous === undefined) return;  // an update of the same call: its caller's history stays
  const list = document.getElementById("pop-history");
  list.replaceChildren();
  for (const t of previous || []) {
    const li = document.createElement("li");
    li.textContent = `${t.code} · ${Hotline.time(t.created_at)} · ${Hotline.name("topics", t.topic)} · ${Hotline.name("statuses", t.status)} — ${t.state_secret ? "(nội dung bí mật nhà nước)" : (t.content || "").slice(0, 120)} `;
    li.dataset.code = t.code;
    const open = document.createElement("button");
    open.type = "button"; open.className = "open-previous"; open.textContent = "Mở phiếu";
    open.addEventListener("click", () => openWork(t.id).catch((e) => Hotline.text("w-error", e.message)));
    li.append(open);
    list.append(li);
  }
}

function showTicket(t) {
  state.ticket = t;
  const form = document.getElementById("ticket-form");
  Hotline.text("ticket-code", t ? `mã ${t.code}` : "");
  for (const name of ["reporter_name", "caller_phone", "address", "email", "content"]) {
    form.elements[name].value = (t && t[name]) || "";
  }
  form.elements.topic.value = (t && t.topic) || "";
  addressPicker.set(t && t.commune_code ? {code: t.commune_code, label: t.commune} : null);
  form.elements.latitude.value = t && t.latitude != null ? t.latitude : "";
  form.elements.longitude.value = t && t.longitude != null ? t.longitude : "";
  pinPicker.refresh();
  form.elements.confidential.checked = !!(t && t.confidential);
  form.elements.answer.value = "";
  useArticle(null);
  Knowledge.context((t && t.topic) || (state.call && state.call.topic), t && t.content);
  assist.ticket(t);
}

// The knowledge base version the level-1 answer was taken from, cited when the ticket is sent.
let article = null;
function useArticle(a) {
  article = a;
  if (a) Inbox.useAnswer(a);
  Hotline.text("ticket-article", a ? `Trích từ bài hỏi đáp: ${a.question} (phiên bản ${a.version})` : "");
  if (a) document.getElementById("ticket-answer").value = a.answer;
}

function formFields() {
  const f = document.getElementById("ticket-form").elements;
  return {reporter_name: f.reporter_name.value, caller_phone: f.caller_phone.value, address: f.address.value,
          commune_code: f.commune_code.value ? Number(f.commune_code.value) : null,
          latitude: f.latitude.value ? Number(f.latitude.value) : null,
          longitude: f.longitude.value ? Number(f.longitude.value) : null,
          email: f.email.value, topic: f.topic.value, content: f.content.value, confidential: f.confidential.checked};
}

let saveTimer = null;
async function saveTicket(submit = false) {
  if (!state.ticket) return;
  try {
    const answer = document.getElementById("ticket-answer").value.trim();
    const t = await Hotline.api(`/api/tickets/${state.ticket.id}`, "PUT", {...formFields(), submit});
    state.ticket = t;
    if (submit && answer) {  // the operator answered on the call: a level-1 answer
      await Hotline.api(`/api/tickets/${t.id}/actions/answer_directly`, "POST",
                        article ? {result: answer, article_version: article.version_id} : {result: answer});
    }
    Hotline.text("ticket-saved", submit ? "Đã gửi phiếu" : "Đã lưu nháp");
    Hotline.text("ticket-error", "");
    if (submit) showTicket(null);
  } catch (e) { Hotline.text("ticket-error", e.message); }
}

const captions = new Captions(document.getElementById("captions"));
const assist = new Assist(useArticle);  // suggestions from what the caller says

function onEvent(msg) {
  const d = msg.data;
  captions.onEvent(msg);
  assist.onEvent(msg);
  Transfer.onEvent(msg);
  Callbacks.onEvent(msg);
  Inbox.onEvent(msg);
  if (msg.type === "hello") {
    Hotline.text("user-name", d.user.full_name);
    showAgentState(d.agent);
    if (d.call) showPop(d.call, d.previous_tickets);
    if (d.call && d.call.state === "talking") captions.follow(d.call.linkedid);
    if (d.ticket) showTicket(d.ticket);
  } else if (msg.type === "call.offered") {
    state.timings.push({linkedid: d.linkedid, popAt: performance.timeOrigin + performance.now()});
    showPop(d, d.previous_tickets);
    callBar("ringing", "Cuộc gọi đến");
  } else if (msg.type === "call.dialing") {
    showPop(d, null);
    callBar("dialing", `Đang gọi ${d.caller}`);
  } else if (msg.type === "call.answered") {
    captions.follow(d.linkedid);
    showPop({...(state.call || {}), ...d}, state.call && state.call.linkedid === d.linkedid ? undefined : null);
    callBar("talking", "Đang nói chuyện");
  } else if (msg.type === "ticket.draft") {
    showTicket(d);
  } else if (msg.type === "call.ended" || msg.type === "call.missed") {
    callBar("ended", "Cuộc gọi đã kết thúc");
    document.getElementById("pop").className = "empty";
  } else if (msg.type === "queue.stats") {
    const strip = document.getElementById("queue-strip");
    strip.textContent = Object.entries(d.queues).map(([q, s]) =>
      `${Hotline.name("queues", q)}: ${s.waiting} đang chờ` +
      (s.waiting ? ` (lâu nhất ${Math.round(s.longest_wait)} giây)` : "")).join(" · ");
  } else if (msg.type === "agent.state") {
    showAgentState(d);
  }
}

function showAgentState(agent) {
  const reason = agent.pause_reason ? ` (${Hotline.name("pause_reasons", agent.pause_reason)})` : "";
  Hotline.text("agent-state", Hotline.name("agent_states", agent.state) + reason);
  document.getElementById("agent-state").dataset.state = agent.state;
}

function onIncoming(session) {
  if (state.session) { session.terminate({status_code: 486}); return; }
  state.timings.push({inviteAt: performance.timeOrigin + performance.now()});
  attach(session, "Đang đổ chuông");
}

// Show a SIP session on the page: a call ringing in, or one the operator placed (dialer.js).
function attach(session, ringingText) {
  state.session = session;
  callBar(session.direction === "incoming" ? "ringing" : "dialing", ringingText);
  Softphone.playRemote(session, document.getElementById("remote-audio"));
  session.on("confirmed", () => { callBar("talking", "Đang nói chuyện"); setButtons(); });
  const end = () => {
    state.session = null; state.held = state.muted = false; setButtons();
    const handed = Transfer.current && Transfer.current.outcome === "completed";
    callBar("ended", handed ? "Đã chuyển cuộc gọi" : "Cuộc gọi đã kết thúc");
  };
  session.on("ended", end);
  session.on("failed", end);
  setButtons();
}

async function joinQueues() {
  try { await Hotline.api("/api/agent/login", "POST"); } catch (e) { Hotline.text("agent-state", e.message); }
}

document.getElementById("answer").addEventListener("click", () => {
  if (state.session) state.session.answer({mediaConstraints: {audio: true, video: false}});
});
document.getElementById("hangup").addEventListener("click", () => { if (state.session) state.session.terminate(); });
document.getElementById("hold").addEventListener("click", (ev) => {
  if (!state.session) return;
  state.held ? state.session.unhold() : state.session.hold();
  state.held = !state.held;
  ev.target.textContent = state.held ? "Tiếp tục" : "Giữ máy";
  document.getElementById("call-bar").dataset.held = state.held ? "1" : "";
});
document.getElementById("mute").addEventListener("click", (ev) => {
  if (!state.session) return;
  state.muted ? state.session.unmute() : state.session.mute();
  state.muted = !state.muted;
  ev.target.textContent = state.muted ? "Bật tiếng" : "Tắt tiếng";
});
for (const key of "123456789*0#") {
  const b = document.createElement("button");
  b.textContent = key;
  b.disabled = true;
  b.addEventListener("click", () => state.session && state.session.sendDTMF(key, {transportType: "RFC2833"}));
  document.getElementById("keypad").append(b);
}
// A conversation's draft ticket, completed in the same form as a call's.
window.addEventListener("hotline:ticket", async (ev) => {
  try { showTicket(await Hotline.api(`/api/tickets/${ev.detail}`)); } catch (e) { Hotline.text("ticket-error", e.message); }
});

const topicSelect = document.getElementById("topic-select");
for (const [value, name] of [["", "—"], ...Object.entries(Hotline.meta.topics)]) {
  topicSelect.append(new Option(name, value));
}
// The address's commune, picked as it is typed: saved with the ticket; the transfer list follows it.
const ticketFields = document.getElementById("ticket-form").elements;
const addressPicker = attachAddressPicker(ticketFields.address, ticketFields.commune_code,
                                          {url: "/api/places", onPick: () => { saveTicket(false); Transfer.search(); }});
// Where the matter is, pinned on a map (Leaflet loaded only when the operator opens it): saved with the ticket.
const pinPicker = attachPinPicker(document.getElementById("ticket-pin"), ticketFields.latitude, ticketFields.longitude,
                                  {loadConfig: () => Hotline.api("/api/map/settings"), onChange: () => saveTicket(false)});
document.getElementById("ticket-form").addEventListener("input", (ev) => {
  const f = document.getElementById("ticket-form").elements;
  if (ev.target.name === "answer") {
    if (article && !f.answer.value.trim()) useArticle(null);  // cleared: nothing is cited
    return;
  }
  Knowledge.context(f.topic.value || (state.call && state.call.topic), f.content.value);
  clearTimeout(saveTimer); saveTimer = setTimeout(() => saveTicket(false), 700);
});
Knowledge.start(useArticle);
document.getElementById("ticket-form").addEventListener("submit", (ev) => { ev.preventDefault(); saveTicket(true); });
document.getElementById("pause").addEventListener("click", async () => {
  try { await Hotline.api("/api/agent/pause", "POST", {reason: document.getElementById("pause-reason").value}); }
  catch (e) { Hotline.text("agent-state", e.message); }
});
document.getElementById("unpause").addEventListener("click", () => Hotline.api("/api/agent/unpause", "POST"));

// Keyboard: F8 answers, F9 hangs up (also while typing in the ticket form).
document.addEventListener("keydown", (ev) => {
  if (ev.key === "F8") { ev.preventDefault(); document.getElementById("answer").click(); }
  else if (ev.key === "F9") { ev.preventDefault(); document.getElementById("hangup").click(); }
});

for (const [code, name] of Object.entries(Hotline.meta.pause_reasons)) {
  document.getElementById("pause-reason").append(new Option(name, code));
}
state.attach = attach;
callBar("idle", "Không có cuộc gọi");
Hotline.connect(onEvent);
await setUpTransfers();
await Softphone.start({onIncoming, onRegistered: joinQueues});

// The operator desktop: softphone (JsSIP over Asterisk's WebSocket), screen pop, ticket form.
const state = {session: null, call: null, ticket: null, held: false, muted: false, timings: []};
window.hotlinePhone = {state, bytesReceived: () => Softphone.bytesReceived(state.session)};

function setButtons() {
  const s = state.session;
  const ringing = s && !s.isEstablished() && s.direction === "incoming";
  document.getElementById("answer").disabled = !ringing;
  for (const id of ["hangup"]) document.getElementById(id).disabled = !s;
  for (const id of ["hold", "mute"]) document.getElementById(id).disabled = !(s && s.isEstablished());
  document.querySelectorAll("#keypad button").forEach((b) => { b.disabled = !(s && s.isEstablished()); });
  if (window.Transfer) window.Transfer.refreshButtons();
}

function showPop(call, previous) {
  state.call = call;
  const pop = document.getElementById("pop");
  pop.className = call ? (call.state === "talking" ? "talking" : "ringing") : "empty";
  Hotline.text("pop-caller", call && call.caller);
  Hotline.text("pop-topic", call && (Hotline.topics[call.topic] || call.topic));
  Hotline.text("pop-path", call && call.ivr_path);
  Hotline.text("pop-queue", call && call.queue);
  Hotline.text("pop-wait", call && call.wait_seconds);
  Hotline.text("pop-ticket-code", call && call.ticket_code);
  const list = document.getElementById("pop-history");
  list.replaceChildren();
  for (const t of previous || []) {
    const li = document.createElement("li");
    li.textContent = `${t.code} · ${Hotline.time(t.created_at)} · ${Hotline.topics[t.topic] || t.topic || ""} · ${t.status} — ${t.state_secret ? "(nội dung bí mật nhà nước)" : (t.content || "").slice(0, 120)}`;
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
  form.elements.confidential.checked = !!(t && t.confidential);
}

function formFields() {
  const f = document.getElementById("ticket-form").elements;
  return {reporter_name: f.reporter_name.value, caller_phone: f.caller_phone.value, address: f.address.value,
          email: f.email.value, topic: f.topic.value, content: f.content.value, confidential: f.confidential.checked};
}

let saveTimer = null;
async function saveTicket(submit = false) {
  if (!state.ticket) return;
  try {
    const t = await Hotline.api(`/api/tickets/${state.ticket.id}`, "PUT", {...formFields(), submit});
    state.ticket = t;
    Hotline.text("ticket-saved", submit ? "Đã gửi phiếu" : "Đã lưu nháp");
    Hotline.text("ticket-error", "");
    if (submit) showTicket(null);
  } catch (e) { Hotline.text("ticket-error", e.message); }
}

function onEvent(msg) {
  const d = msg.data;
  if (window.Transfer) window.Transfer.onEvent(msg);
  if (msg.type === "hello") {
    Hotline.text("user-name", d.user.full_name);
    Hotline.text("agent-state", Hotline.states[d.agent.state] || d.agent.state);
    if (d.call) showPop(d.call, d.previous_tickets);
    if (d.ticket) showTicket(d.ticket);
  } else if (msg.type === "call.offered") {
    state.timings.push({linkedid: d.linkedid, popAt: performance.timeOrigin + performance.now()});
    showPop(d, d.previous_tickets);
    Hotline.text("call-state", "Cuộc gọi đến");
  } else if (msg.type === "call.answered") {
    showPop({...(state.call || {}), ...d}, null);
    Hotline.text("call-state", "Đang nói chuyện");
  } else if (msg.type === "ticket.draft") {
    showTicket(d);
  } else if (msg.type === "call.ended" || msg.type === "call.missed") {
    Hotline.text("call-state", "Cuộc gọi đã kết thúc");
    document.getElementById("pop").className = "empty";
  } else if (msg.type === "queue.stats") {
    const strip = document.getElementById("queue-strip");
    strip.textContent = Object.entries(d.queues).map(([q, s]) =>
      `${q}: ${s.waiting} đang chờ` + (s.waiting ? ` (lâu nhất ${Math.round(s.longest_wait)} giây)` : "")).join(" · ");
  } else if (msg.type === "agent.state") {
    Hotline.text("agent-state", Hotline.states[d.state] + (d.pause_reason ? ` (${d.pause_reason})` : ""));
  }
}

function onIncoming(session) {
  if (state.session) { session.terminate({status_code: 486}); return; }
  state.timings.push({inviteAt: performance.timeOrigin + performance.now()});
  state.session = session;
  Hotline.text("call-state", "Đang đổ chuông");
  Softphone.playRemote(session, document.getElementById("remote-audio"));
  session.on("confirmed", setButtons);
  const end = () => {
    state.session = null; state.held = state.muted = false; setButtons();
    const handed = window.Transfer && window.Transfer.current && window.Transfer.current.outcome === "completed";
    Hotline.text("call-state", handed ? "Đã chuyển cuộc gọi" : "Cuộc gọi đã kết thúc");
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
const topicSelect = document.getElementById("topic-select");
for (const [value, name] of [["", "—"], ...Object.entries(Hotline.topics)]) {
  topicSelect.append(new Option(name, value));
}
document.getElementById("ticket-form").addEventListener("input", () => {
  clearTimeout(saveTimer); saveTimer = setTimeout(() => saveTicket(false), 700);
});
document.getElementById("ticket-form").addEventListener("submit", (ev) => { ev.preventDefault(); saveTicket(true); });
document.getElementById("pause").addEventListener("click", async () => {
  try { await Hotline.api("/api/agent/pause", "POST", {reason: document.getElementById("pause-reason").value}); }
  catch (e) { Hotline.text("agent-state", e.message); }
});
document.getElementById("unpause").addEventListener("click", () => Hotline.api("/api/agent/unpause", "POST"));

(async () => {
  const reasons = await Hotline.api("/api/pause-reasons");
  for (const [code, name] of Object.entries(reasons)) document.getElementById("pause-reason").append(new Option(name, code));
  Hotline.connect(onEvent);
  await Softphone.start({onIncoming, onRegistered: joinQueues});
})();

// The citizens' web chat (the only script of the public site): begin with the form, then write
// and read over the chat's WebSocket. The chat's secret stays in this page's memory only. The
// page says when the operator is writing and when she has read the citizen's messages, and tells
// the hotline when the citizen has seen the answers (while the page is in view).
const $ = (id) => document.getElementById(id);
const Chat = {ws: null, readUpTo: 0, seenSent: 0, lastTyping: 0, typingTimer: null};

function show(direction, body, at, id) {
  const li = document.createElement("li");
  li.className = direction === "in" ? "from-citizen" : "from-hotline";
  if (id) li.dataset.id = id;
  const who = document.createElement("b");
  who.textContent = (direction === "in" ? "Quý vị" : "Tổng đài 1022") +
    (at ? " · " + new Date(at).toLocaleTimeString("vi-VN", {timeZone: "Asia/Ho_Chi_Minh"}) : "");
  const text = document.createElement("p");
  text.textContent = body;
  li.append(who, text);
  $("chat-log").append(li);
  li.scrollIntoView({block: "end"});
  return li;
}

// "Đã xem" under the citizen's last message the operator has read.
function markRead(upTo) {
  Chat.readUpTo = Math.max(Chat.readUpTo, upTo || 0);
  document.querySelectorAll("#chat-log .seen").forEach((s) => s.remove());
  const read = [...document.querySelectorAll("#chat-log li.from-citizen")]
    .filter((li) => li.dataset.id && Number(li.dataset.id) <= Chat.readUpTo);
  if (!read.length) return;
  const seen = document.createElement("small");
  seen.className = "seen";
  seen.textContent = "Đã xem";
  read[read.length - 1].append(seen);
}

// The answers shown while the page is in view have been seen.
function sendSeen() {
  if (document.visibilityState !== "visible" || !Chat.ws || Chat.ws.readyState !== 1) return;
  const ids = [...document.querySelectorAll("#chat-log li.from-hotline")].map((li) => Number(li.dataset.id || 0));
  const last = Math.max(0, ...ids);
  if (last > Chat.seenSent) { Chat.seenSent = last; Chat.ws.send(JSON.stringify({read: last})); }
}
document.addEventListener("visibilitychange", sendSeen);

function typing() {
  $("chat-typing").hidden = false;
  clearTimeout(Chat.typingTimer);
  Chat.typingTimer = setTimeout(() => { $("chat-typing").hidden = true; }, 5000);
}

function open(token) {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/chat");
  Chat.ws = ws;
  ws.onopen = () => { ws.send(JSON.stringify({token})); $("chat-status").textContent = "Đã kết nối với Tổng đài."; };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "history") {
      $("chat-log").replaceChildren();
      m.messages.forEach((x) => show(x.direction, x.body, x.created_at, x.id));
      markRead(m.read_up_to); sendSeen();
    } else if (m.type === "message") {
      $("chat-typing").hidden = true;
      show(m.direction, m.body, m.created_at, m.id); sendSeen();
    } else if (m.type === "sent") {
      const li = document.querySelector(`#chat-log li[data-ref="${CSS.escape(m.ref)}"]`);
      if (li) li.dataset.id = m.id;
      markRead(0);
    } else if (m.type === "read") markRead(m.up_to);
    else if (m.type === "typing") typing();
    else if (m.type === "slow_down") {  // not kept: the message says so, and its text returns to the box
      $("chat-status").textContent = m.message;
      const li = m.ref && document.querySelector(`#chat-log li[data-ref="${CSS.escape(m.ref)}"]`);
      if (li) {
        li.classList.add("not-sent");
        const note = document.createElement("small");
        note.textContent = "Chưa gửi được";
        li.append(note);
        if (!$("chat-text").value) $("chat-text").value = li.querySelector("p").textContent;
      }
    }
    else if (m.type === "closed") { $("chat-status").textContent = m.message; $("chat-send").hidden = true; ws.onclose = null; }
  };
  ws.onclose = () => {  // a lost connection: the chat goes on after reconnecting
    $("chat-status").textContent = "Mất kết nối, đang kết nối lại…";
    setTimeout(() => open(token), 2000);
  };
}

$("chat-text").addEventListener("input", () => {  // at most one "typing" every two seconds
  if (Chat.ws && Chat.ws.readyState === 1 && Date.now() - Chat.lastTyping > 2000) {
    Chat.lastTyping = Date.now();
    Chat.ws.send(JSON.stringify({typing: true}));
  }
});

$("chat-send").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("chat-text").value.trim();
  if (!text || !Chat.ws || Chat.ws.readyState !== 1) return;
  const ref = Math.random().toString(36).slice(2, 12);
  Chat.ws.send(JSON.stringify({text, ref}));
  show("in", text, new Date().toISOString()).dataset.ref = ref;
  $("chat-text").value = "";
});

$("chat-start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = {topic: f.topic.value, text: f.text.value};
  if (f.reporter_name.value.trim()) body.reporter_name = f.reporter_name.value;
  if (f.caller_phone.value.trim()) body.caller_phone = f.caller_phone.value;
  $("chat-status").textContent = "";
  let r;
  try {
    r = await fetch("/api/chat", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  } catch (e) { $("chat-status").textContent = "Không kết nối được máy chủ"; return; }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) { $("chat-status").textContent = data.error || r.statusText; return; }
  $("chat-start").hidden = true;
  if (data.mode === "report") {
    $("chat-status").textContent = "Hiện không có điện thoại viên trực. Nội dung của quý vị đã được ghi nhận thành phiếu phản ánh.";
    $("chat-code").textContent = data.code;
    if (data.link) { $("chat-link").href = data.link; $("chat-link").textContent = data.link; $("chat-follow").hidden = false; }
    $("chat-receipt").hidden = false;
    return;
  }
  $("chat").hidden = false;
  open(data.token);
});

// The citizens' web chat (the only script of the public site): begin with the form, then write
// and read over the chat's WebSocket. The chat's secret stays in this page's memory only.
const $ = (id) => document.getElementById(id);

function show(direction, body, at) {
  const li = document.createElement("li");
  li.className = direction === "in" ? "from-citizen" : "from-hotline";
  const who = document.createElement("b");
  who.textContent = (direction === "in" ? "Quý vị" : "Tổng đài 1022") +
    (at ? " · " + new Date(at).toLocaleTimeString("vi-VN", {timeZone: "Asia/Ho_Chi_Minh"}) : "");
  const text = document.createElement("p");
  text.textContent = body;
  li.append(who, text);
  $("chat-log").append(li);
  li.scrollIntoView({block: "end"});
}

function open(token) {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/chat");
  ws.onopen = () => { ws.send(JSON.stringify({token})); $("chat-status").textContent = "Đã kết nối với Tổng đài."; };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "history") { $("chat-log").replaceChildren(); m.messages.forEach((x) => show(x.direction, x.body, x.created_at)); }
    else if (m.type === "message") show(m.direction, m.body, m.created_at);
    else if (m.type === "slow_down") $("chat-status").textContent = m.message;
    else if (m.type === "closed") { $("chat-status").textContent = m.message; $("chat-send").hidden = true; ws.onclose = null; }
  };
  ws.onclose = () => {  // a lost connection: the chat goes on after reconnecting
    $("chat-status").textContent = "Mất kết nối, đang kết nối lại…";
    setTimeout(() => open(token), 2000);
  };
  $("chat-send").onsubmit = (ev) => {
    ev.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text || ws.readyState !== 1) return;
    ws.send(JSON.stringify({text}));
    show("in", text, new Date().toISOString());
    $("chat-text").value = "";
  };
}

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
    $("chat-receipt").hidden = false;
    return;
  }
  $("chat").hidden = false;
  open(data.token);
});

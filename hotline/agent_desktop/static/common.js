// Shared by the desktop pages (ES module): JSON API calls, the event socket with automatic
// reconnection, time display in Asia/Ho_Chi_Minh, visible errors, and the names of things
// (topics, queues, channels, states...) served by the profile at /api/meta — no copies here.
export const Hotline = {
  async api(path, method = "GET", body) {
    const opts = {method, headers: {}};
    if (body !== undefined || method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    return Hotline.send(path, opts);
  },
  // A form with files (multipart): the server takes no other non-JSON request, and only with the
  // upload header.
  async upload(path, form) {
    return Hotline.send(path, {method: "POST", body: new FormData(form), headers: {"X-Hotline-Upload": "1"}});
  },
  async send(path, opts) {
    let r;
    try { r = await fetch(path, opts); } catch (e) { throw new Error("Không kết nối được máy chủ"); }
    if (r.status === 401) { location.href = "/login"; throw new Error("unauthenticated"); }
    const data = await r.json().catch(() => ({error: r.statusText}));
    if (r.status === 403 && data.code === "password_change_required") {
      location.href = "/password"; throw new Error(data.error);
    }
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  },
  connect(onMessage) {
    let delay = 500;
    const open = () => {
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
      ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
      ws.onopen = () => { delay = 500; Hotline.notice(""); };
      ws.onclose = async (ev) => {
        if (ev.code === 4401) { location.href = "/login"; return; }
        Hotline.notice("Mất kết nối máy chủ, đang kết nối lại…");
        // Closed otherwise (network, restart): reconnect, unless the session has ended meanwhile.
        try {
          if ((await fetch("/api/me")).status === 401) { location.href = "/login"; return; }
        } catch (e) { /* the server is unreachable: keep trying */ }
        setTimeout(open, delay); delay = Math.min(delay * 2, 10000);
      };
      Hotline.socket = ws;
    };
    open();
    setInterval(() => { if (Hotline.socket && Hotline.socket.readyState === 1) Hotline.socket.send("ping"); }, 30000);
  },
  time(t) {
    if (!t) return "—";
    const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
    return d.toLocaleString("vi-VN", {timeZone: "Asia/Ho_Chi_Minh"});
  },
  text(id, value) { document.getElementById(id).textContent = value ?? "—"; },
  // A banner at the top of every page for what the user must see (lost connection, a failed action).
  notice(message) {
    let bar = document.getElementById("notice");
    if (!bar) {
      bar = document.createElement("p"); bar.id = "notice"; bar.className = "notice"; bar.setAttribute("role", "alert");
      document.body.prepend(bar);
    }
    bar.textContent = message || ""; bar.hidden = !message;
  },
  name(kind, id) { return (Hotline.meta[kind] || {})[id] || id || "—"; },
};

// The names of the profile (one request per page, before the page's own code runs).
Hotline.meta = await Hotline.api("/api/meta");
Object.assign(Hotline, {topics: Hotline.meta.topics, queues: Hotline.meta.queues, channels: Hotline.meta.channels,
                        states: Hotline.meta.agent_states, callStates: Hotline.meta.call_states});

const logout = document.getElementById("logout");
if (logout) {  // every page's header: change one's own password, log out
  const a = document.createElement("a");
  a.href = "/password"; a.id = "change-password"; a.textContent = "Đổi mật khẩu";
  logout.before(a);
  logout.addEventListener("click", async () => { await Hotline.api("/api/logout", "POST"); location.href = "/login"; });
}
window.addEventListener("unhandledrejection", (ev) => {
  if (ev.reason && ev.reason.message !== "unauthenticated") Hotline.notice(ev.reason.message);
});

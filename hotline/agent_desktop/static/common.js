// Shared by the desktop pages: JSON API calls, the event socket with automatic reconnection,
// Vietnamese names and time display in Asia/Ho_Chi_Minh.
const Hotline = {
  async api(path, method = "GET", body) {
    const opts = {method, headers: {}};
    if (body !== undefined || method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    const r = await fetch(path, opts);
    if (r.status === 401) { location.href = "/login"; throw new Error("unauthenticated"); }
    const data = await r.json();
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
      ws.onopen = () => { delay = 500; };
      ws.onclose = async (ev) => {
        if (ev.code === 4401) { location.href = "/login"; return; }
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
  states: {logged_out: "Chưa đăng nhập hàng đợi", available: "Sẵn sàng", paused: "Tạm nghỉ", ringing: "Đang đổ chuông",
           on_call: "Đang nghe máy", wrapup: "Hoàn tất cuộc gọi", unreachable: "Mất kết nối điện thoại"},
  callStates: {ivr: "Đang nghe IVR", queued: "Đang chờ", ringing: "Đang đổ chuông", talking: "Đang nói chuyện",
               transferred: "Đã chuyển cơ quan"},
  topics: {administrative_procedures: "Thủ tục hành chính", infrastructure: "Sự cố hạ tầng kỹ thuật",
           socio_economic: "Kinh tế - xã hội, dịch vụ công", investment: "Đầu tư, khu công nghiệp, du lịch",
           general: "Chung"},
  channels: {phone: "Điện thoại", web: "Trang web", email: "E-mail", zalo: "Zalo", facebook: "Facebook",
             app: "Ứng dụng", portal: "Cổng dịch vụ công", paper: "Văn bản"},
  text(id, value) { document.getElementById(id).textContent = value ?? "—"; },
};
{  // every page's header: change one's own password
  const a = document.createElement("a");
  a.href = "/password"; a.id = "change-password"; a.textContent = "Đổi mật khẩu";
  document.getElementById("logout").before(a);
}
document.getElementById("logout").addEventListener("click", async () => {
  await Hotline.api("/api/logout", "POST"); location.href = "/login";
});

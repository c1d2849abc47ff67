// The browser softphone shared by the operator and supervisor pages: JsSIP over Asterisk's
// WebSocket, credentials issued by the server to the logged-in user.
import {Hotline} from "./common.js";

export const Softphone = {
  ua: null,
  async start({onIncoming, onRegistered}) {
    const c = await Hotline.api("/api/sip-credentials");
    const ua = new window.JsSIP.UA({sockets: [new window.JsSIP.WebSocketInterface(c.ws_url)], uri: c.uri, password: c.password,
                             display_name: c.display_name, register: true, session_timers: false});
    Softphone.ua = ua;
    ua.on("registered", () => { Hotline.text("sip-status", "Đã đăng ký"); if (onRegistered) onRegistered(); });
    ua.on("unregistered", () => Hotline.text("sip-status", "Chưa đăng ký"));
    ua.on("registrationFailed", (e) => Hotline.text("sip-status", "Lỗi đăng ký: " + e.cause));
    ua.on("disconnected", () => Hotline.text("sip-status", "Mất kết nối tổng đài"));
    ua.on("newRTCSession", ({session}) => { if (session.direction === "incoming") onIncoming(session); });
    ua.start();
  },
  playRemote(session, audio) {
    session.on("peerconnection", ({peerconnection}) => {
      peerconnection.addEventListener("track", (ev) => { audio.srcObject = ev.streams[0]; });
    });
  },
  async bytesReceived(session) {
    if (!session || !session.connection) return 0;
    let total = 0;
    (await session.connection.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") total += r.bytesReceived || 0;
    });
    return total;
  },
};

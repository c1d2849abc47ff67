// Change one's own password: required after an administrator created the account or reset it.
(async () => {
  const r = await fetch("/api/me");
  if (r.status === 401) { location.href = "/login"; return; }
  const me = await r.json();
  document.getElementById("password-why").textContent = me.must_change_password
    ? `Chào ${me.full_name}: bạn cần đặt mật khẩu mới trước khi làm việc.` : `Tài khoản ${me.username}`;
  document.getElementById("password-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("password-error");
    const a = document.getElementById("new-password").value, b = document.getElementById("new-password-2").value;
    if (a !== b) { out.textContent = "Hai lần nhập mật khẩu mới không khớp"; return; }
    const resp = await fetch("/api/password", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({current_password: document.getElementById("current-password").value, new_password: a})});
    const data = await resp.json();
    if (!resp.ok) { out.textContent = data.error; return; }
    location.href = "/";  // the server sends each role to its start page (server.py, START_PAGES)
  });
  document.getElementById("password-save").disabled = false;  // the form is this script's from here on
  if (!me.must_change_password) await twoFactor();
})();

// One's own second factor (any role may add one; some roles must, at log-in).
async function twoFactor() {
  const box = document.getElementById("two-factor"), out = document.getElementById("two-factor-error");
  const post = async (path, body) => {
    const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                 body: JSON.stringify(body || {})});
    return [r, await r.json()];
  };
  const state = await (await fetch("/api/two-factor")).json();
  box.hidden = false;
  document.getElementById("two-factor-state").textContent = state.enrolled
    ? "Đã bật: mỗi lần đăng nhập cần mã từ ứng dụng xác thực (hoặc một mã khôi phục)."
    : "Chưa bật. Thêm một lớp bảo vệ: mã 6 số từ ứng dụng xác thực trên điện thoại khi đăng nhập.";
  const start = document.getElementById("two-factor-start");
  start.hidden = state.enrolled;
  start.addEventListener("click", async () => {
    const [r, data] = await post("/api/two-factor/enrol");
    if (!r.ok) { out.textContent = data.error; return; }
    const img = document.createElement("img");
    img.alt = "Mã QR để thêm tài khoản vào ứng dụng xác thực";
    img.src = "data:image/svg+xml;base64," + btoa(data.qr_svg);
    document.getElementById("two-factor-qr").replaceChildren(img);
    document.getElementById("two-factor-secret").textContent = data.secret;
    document.getElementById("two-factor-form").hidden = false;
    start.hidden = true;
  });
  document.getElementById("two-factor-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const [r, data] = await post("/api/two-factor/confirm", {code: document.getElementById("two-factor-code").value.trim()});
    if (!r.ok) { out.textContent = data.error; return; }
    out.textContent = "";
    document.getElementById("two-factor-form").hidden = true;
    document.getElementById("two-factor-state").textContent =
      "Đã bật. Ghi lại các mã khôi phục dưới đây (mỗi mã dùng một lần khi không có điện thoại); chúng chỉ hiện lần này.";
    document.getElementById("two-factor-recovery").replaceChildren(...data.recovery_codes.map((c) => {
      const li = document.createElement("li"); li.textContent = c; return li;
    }));
  });
  document.getElementById("two-factor-confirm").disabled = false;
}

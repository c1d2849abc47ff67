// Change one's own password: required after an administrator created the account or reset it.
const HOME = {operator: "/operator", admin: "/admin", agency: "/agency", office: "/office"};
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
    location.href = HOME[me.role] || "/supervisor";
  });
})();

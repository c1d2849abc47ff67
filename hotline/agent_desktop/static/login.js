// Log in: the password, then where the account has (or must have) a second factor, a code from
// the authenticator app or a recovery code; a new enrolment shows its QR code, then the recovery
// codes once.

async function post(path, body) {
  const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                               body: JSON.stringify(body || {})});
  return [r, await r.json()];
}

function goHome(data) {
  if (data.must_change_password) { location.href = "/password"; return; }
  location.href = "/";  // the server sends each role to its start page (server.py, START_PAGES)
}

async function secondStep(kind) {
  document.getElementById("login-form").hidden = true;
  document.getElementById("code-form").hidden = false;
  if (kind === "enrol") {
    const [r, data] = await post("/api/login/enrol");
    if (!r.ok) { document.getElementById("code-error").textContent = data.error; return; }
    document.getElementById("enrol").hidden = false;
    document.getElementById("code-label").textContent = "Mã 6 số ứng dụng hiện ra sau khi quét";
    // The QR code is an SVG drawn by this server (never by another site); shown as an image.
    const img = document.createElement("img");
    img.alt = "Mã QR để thêm tài khoản vào ứng dụng xác thực";
    img.src = "data:image/svg+xml;base64," + btoa(data.qr_svg);
    document.getElementById("enrol-qr").replaceChildren(img);
    document.getElementById("enrol-secret").textContent = data.secret;
  }
  document.getElementById("code").focus();
}

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const [r, data] = await post("/api/login", {username: document.getElementById("username").value,
                                              password: document.getElementById("password").value});
  if (!r.ok) { document.getElementById("login-error").textContent = data.error; return; }
  if (data.second_factor) { await secondStep(data.second_factor); return; }
  goHome(data);
});

document.getElementById("code-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = document.getElementById("code-error");
  const [r, data] = await post("/api/login/code", {code: document.getElementById("code").value.trim()});
  if (!r.ok) {
    out.textContent = data.error;
    if (data.code === "login_expired") setTimeout(() => location.reload(), 3000);
    return;
  }
  if (!data.recovery_codes) { goHome(data); return; }
  document.getElementById("code-form").hidden = true;
  document.getElementById("recovery").hidden = false;
  document.getElementById("recovery-codes").replaceChildren(...data.recovery_codes.map((c) => {
    const li = document.createElement("li"); li.textContent = c; return li;
  }));
  document.getElementById("recovery-done").addEventListener("click", () => goHome(data));
});
// The forms are this script's from here on (until now their buttons were disabled, login.html).
for (const id of ["login-button", "code-button"]) document.getElementById(id).disabled = false;

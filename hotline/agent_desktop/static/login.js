document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = {username: document.getElementById("username").value,
                password: document.getElementById("password").value};
  const r = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
                                        body: JSON.stringify(body)});
  const data = await r.json();
  if (!r.ok) { document.getElementById("login-error").textContent = data.error; return; }
  if (data.must_change_password) { location.href = "/password"; return; }
  location.href = {operator: "/operator", admin: "/admin", agency: "/agency", office: "/office"}[data.role] || "/supervisor";
});

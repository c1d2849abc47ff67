import {Hotline} from "./common.js";
import {button} from "./dom.js";

// The administrator's accounts: create (a one-time password to hand over), change role or phone,
// disable and enable, reset the password, lift a lock-out. Ending access takes effect at once.
const ROLE_NAMES = {operator: "Tổng đài viên", supervisor: "Giám sát viên", admin: "Quản trị viên", agency: "Cơ quan",
                    office: "Văn phòng UBND tỉnh"};
const Users = {list: [], agencies: {}};

function userStatus(u) {
  if (!u.active) return "Đã khóa";
  if (u.locked_until && new Date(u.locked_until) > new Date()) return "Tạm khóa (sai mật khẩu)";
  if (u.must_change_password) return "Chờ đổi mật khẩu";
  return u.two_factor ? "Hoạt động (xác thực hai bước)" : "Hoạt động";
}


async function userAction(u, path, confirmText, done) {
  if (confirmText && !confirm(confirmText)) return;
  const out = document.getElementById("users-error");
  out.textContent = "";
  try {
    const r = await Hotline.api(`/api/users/${u.id}/${path}`, "POST");
    if (done) done(r);
  } catch (e) { out.textContent = e.message; }
  await loadUsers();
}

async function loadUsers() {
  const data = await Hotline.api("/api/users");
  Users.list = data.users;
  const phones = document.querySelector("#user-form select[name=operator_id]");
  if (phones.options.length === 0) {
    phones.append(new Option("—", ""), ...data.phones.map((p) => new Option(p, p)));
  }
  const body = document.querySelector("#users tbody");
  body.replaceChildren(...Users.list.map((u) => {
    const tr = document.createElement("tr");
    tr.dataset.username = u.username;
    for (const v of [u.username, u.full_name, ROLE_NAMES[u.role] || u.role, u.operator_id || "—",
                     u.agency_id ? (Users.agencies[u.agency_id] || u.agency_id) : "—", userStatus(u),
                     Hotline.time(u.last_login_at)]) {
      const td = document.createElement("td"); td.textContent = v; tr.append(td);
    }
    const td = document.createElement("td");
    td.append(button("Sửa", () => fillUser(u)));
    td.append(u.active
      ? button("Khóa", () => userAction(u, "disable", `Khóa tài khoản ${u.username}? Phiên làm việc sẽ kết thúc ngay.`))
      : button("Mở khóa", () => userAction(u, "enable")));
    td.append(button("Đặt lại mật khẩu", () => userAction(u, "reset-password",
      `Đặt lại mật khẩu của ${u.username}?`, (r) => showPassword(u.username, r.temporary_password))));
    if (u.locked_until) td.append(button("Gỡ tạm khóa", () => userAction(u, "unlock")));
    if (u.two_factor) td.append(button("Đặt lại xác thực hai bước", () => userAction(u, "reset-two-factor",
      `Đặt lại xác thực hai bước của ${u.username}? Mã khôi phục cũ hết hiệu lực; người dùng đăng ký lại khi đăng nhập.`,
      () => Hotline.text("user-message", `Đã đặt lại xác thực hai bước của ${u.username}`))));
    tr.append(td);
    return tr;
  }));
}

function showPassword(username, password) {
  Hotline.text("user-message", `Mật khẩu tạm của ${username}: ${password} — trao trực tiếp; người dùng phải đổi khi đăng nhập.`);
}

function fillUser(u) {
  const f = document.getElementById("user-form").elements;
  Hotline.text("user-form-title", `Sửa tài khoản: ${u.username}`);
  f.id.value = u.id; f.username.value = u.username; f.username.disabled = true; f.full_name.value = u.full_name;
  f.role.value = u.role; f.operator_id.value = u.operator_id || ""; f.agency_id.value = u.agency_id || "";
  f.agency_leader.checked = u.agency_leader;
}

async function saveUser(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const out = document.getElementById("users-error");
  out.textContent = "";
  const body = {full_name: f.full_name.value, role: f.role.value, agency_leader: f.agency_leader.checked,
                operator_id: f.operator_id.value || null, agency_id: f.agency_id.value ? Number(f.agency_id.value) : null};
  try {
    if (f.id.value) {
      await Hotline.api(`/api/users/${f.id.value}`, "PUT", body);
      Hotline.text("user-message", `Đã lưu ${f.username.value}`);
    } else {
      const r = await Hotline.api("/api/users", "POST", {...body, username: f.username.value});
      showPassword(r.user.username, r.temporary_password);
    }
    ev.target.reset();
  } catch (e) { out.textContent = e.message; }
  await loadUsers();
}

(async () => {
  const f = document.getElementById("user-form");
  f.elements.role.append(...Object.entries(ROLE_NAMES).map(([k, v]) => new Option(v, k)));
  const agencies = await Hotline.api("/api/agencies?all=1");
  for (const a of agencies) Users.agencies[a.id] = a.name;
  f.elements.agency_id.append(new Option("—", ""), ...agencies.map((a) => new Option(a.name, a.id)));
  f.addEventListener("submit", saveUser);
  document.getElementById("user-save").disabled = false;  // the form is this script's from here on
  f.addEventListener("reset", () => {
    f.elements.id.value = ""; f.elements.username.disabled = false; Hotline.text("user-form-title", "Thêm tài khoản");
  });
  await loadUsers();
})();

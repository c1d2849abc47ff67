import {Hotline} from "./common.js";
import {attachAddressPicker} from "./address_picker.js";

// The administrator's page: the agency directory (who handles what, numbers for transfers and SMS).
const Admin = {meta: null, list: [], communes: new Map()};  // communes served: code → label

function showCommunes() {
  document.getElementById("commune-list").replaceChildren(...[...Admin.communes].map(([code, label]) => {
    const li = document.createElement("li");
    li.dataset.code = code;
    const remove = document.createElement("button");
    remove.type = "button"; remove.textContent = "Bỏ";
    remove.addEventListener("click", () => { Admin.communes.delete(code); showCommunes(); });
    li.append(`${label} `, remove);
    return li;
  }));
}

function contact(a, role) { return a.contacts.find((c) => c.role === role); }

async function load() {
  const q = document.getElementById("search").value;
  Admin.list = await Hotline.api(`/api/agencies?all=1&q=${encodeURIComponent(q)}`);
  const body = document.querySelector("#agencies tbody");
  body.replaceChildren(...Admin.list.map((a) => {
    const tr = document.createElement("tr");
    const f = contact(a, "focal_point"), h = contact(a, "head");
    for (const v of [a.name, Admin.meta.levels[a.level], a.fields.map((x) => Hotline.topics[x] || x).join(", "),
                     a.phone || "—", f ? `${f.name} (${f.phone})` : "—", h ? `${h.name} (${h.phone})` : "—",
                     a.active ? "Có" : "Không"]) {
      const td = document.createElement("td"); td.textContent = v; tr.append(td);
    }
    const td = document.createElement("td");
    const edit = document.createElement("button");
    edit.textContent = "Sửa"; edit.addEventListener("click", () => fill(a));
    td.append(edit); tr.append(td);
    return tr;
  }));
}

function fill(a) {
  const f = document.getElementById("agency-form").elements;
  Hotline.text("form-title", `Sửa: ${a.name}`);
  f.id.value = a.id; f.name.value = a.name; f.level.value = a.level; f.phone.value = a.phone || "";
  f.route.value = a.route; f.active.checked = a.active;
  document.querySelectorAll("#fields input").forEach((i) => { i.checked = a.fields.includes(i.value); });
  Admin.communes = new Map(a.communes.map((c) => [c.code, c.label])); showCommunes();
  const fp = contact(a, "focal_point"), h = contact(a, "head");
  f.focal_name.value = fp ? fp.name : ""; f.focal_phone.value = fp ? fp.phone : "";
  f.head_name.value = h ? h.name : ""; f.head_phone.value = h ? h.phone : ""; f.head_email.value = h ? h.email || "" : "";
}

async function save(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const contacts = [];
  if (f.focal_name.value || f.focal_phone.value) contacts.push({role: "focal_point", name: f.focal_name.value, phone: f.focal_phone.value});
  if (f.head_name.value || f.head_phone.value) contacts.push({role: "head", name: f.head_name.value, phone: f.head_phone.value,
                                                              email: f.head_email.value || null});
  const body = {name: f.name.value, level: f.level.value, phone: f.phone.value || null, route: f.route.value,
                active: f.active.checked, contacts, communes: [...Admin.communes.keys()],
                fields: [...document.querySelectorAll("#fields input:checked")].map((i) => i.value)};
  try {
    const saved = await Hotline.api(f.id.value ? `/api/agencies/${f.id.value}` : "/api/agencies",
                                    f.id.value ? "PUT" : "POST", body);
    f.id.value = saved.id;
    Hotline.text("saved", "Đã lưu"); Hotline.text("form-error", "");
    await load();
  } catch (e) { Hotline.text("form-error", e.message); Hotline.text("saved", ""); }
}

(async () => {
  const me = await Hotline.api("/api/me");
  Hotline.text("user-name", me.full_name);
  Admin.meta = await Hotline.api("/api/agencies/meta");
  const f = document.getElementById("agency-form").elements;
  for (const [k, v] of Object.entries(Admin.meta.levels)) f.level.append(new Option(v, k));
  for (const r of Admin.meta.routes) f.route.append(new Option(r, r));
  for (const [k, v] of Object.entries(Hotline.topics)) {
    const label = document.createElement("label"); label.className = "check";
    const box = document.createElement("input"); box.type = "checkbox"; box.value = k;
    label.append(box, " " + v);
    document.getElementById("fields").append(label);
  }
  const communeSearch = document.getElementById("commune-search");
  const picker = attachAddressPicker(communeSearch, document.getElementById("commune-picked"), {url: "/api/places",
    onPick: (c) => { Admin.communes.set(c.code, c.label); showCommunes(); picker.clear(); communeSearch.value = ""; }});
  document.getElementById("agency-form").addEventListener("submit", save);
  document.getElementById("save").disabled = false;  // the form is this script's from here on
  document.getElementById("agency-form").addEventListener("reset", () => {
    Hotline.text("form-title", "Thêm cơ quan"); f.id.value = "";
    Admin.communes.clear(); showCommunes();
  });
  document.getElementById("search").addEventListener("input", load);
  await load();
})();

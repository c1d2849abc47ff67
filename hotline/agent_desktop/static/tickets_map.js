import {Hotline} from "./common.js";
import {baseMap} from "./map_view.js";

// The supervisors' map of open tickets: a dot per ticket with a position, coloured by status,
// filtered by field and status; its popup names the code, field, step, address and deadline.
const COLOURS = {received: "#1565c0", in_progress: "#ef6c00", overdue: "#c62828"};
const form = document.getElementById("map-filter");
let view = null;
let layer = null;

function option(value, text) {
  const o = document.createElement("option");
  o.value = value; o.textContent = text;
  return o;
}

function popup(t) {
  const div = document.createElement("div");
  const title = document.createElement("strong");
  title.textContent = `Phiếu ${t.code} · ${t.status_text}`;
  const lines = [`${t.field} · ${t.stage_text}`, t.address || "", t.due_at ? `Hạn xử lý: ${Hotline.time(t.due_at)}` : ""];
  div.append(title, ...lines.filter(Boolean).map((s) => { const p = document.createElement("p"); p.textContent = s; return p; }));
  return div;
}

async function draw() {
  const q = new URLSearchParams();
  for (const k of ["topic", "status"]) if (form.elements[k].value) q.set(k, form.elements[k].value);
  let data;
  try {
    data = await Hotline.api(`/api/tickets/map?${q}`);
    document.getElementById("map-error").textContent = "";
  } catch (e) {
    document.getElementById("map-error").textContent = e.message;
    return;
  }
  if (!view) {
    for (const [k, v] of Object.entries(data.fields)) form.elements.topic.append(option(k, v));
    for (const [k, v] of Object.entries(data.statuses)) {
      form.elements.status.append(option(k, v));
      const li = document.createElement("li");
      const dot = document.createElement("span"); dot.className = `dot status-${k}`; dot.textContent = "●";
      li.append(dot, ` ${v}`);
      document.getElementById("map-legend").append(li);
    }
    view = await baseMap(document.getElementById("tickets-map"), data.map);
    layer = view.L.featureGroup().addTo(view.map);
  }
  layer.clearLayers();
  for (const t of data.tickets) {
    const dot = view.L.circleMarker([t.lat, t.lon], {radius: 8, color: COLOURS[t.status], weight: 2, fillOpacity: 0.7})
      .bindPopup(popup(t)).addTo(layer);
    dot.getElement().dataset.code = t.code;
    dot.getElement().dataset.status = t.status;
  }
  document.getElementById("map-count").textContent = `${data.tickets.length} phiếu trên bản đồ`;
  const box = document.getElementById("tickets-map");
  box.dataset.shown = String(data.tickets.length);
  box.dataset.drawn = q.toString();  // which filters the dots follow
  if (data.tickets.length) view.map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [24, 24]});
}

form.addEventListener("change", draw);
Hotline.api("/api/me").then((me) => { document.getElementById("user-name").textContent = me.full_name; });
draw();

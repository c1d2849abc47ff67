// The published results on a map (/ket-qua/ban-do): each result with a position is a dot (the
// server rounds positions to about 100 m and sends nothing personal); its popup names the code,
// the field, the step and the date, and links to the result's public progress.

import {baseMap, configOf} from "./map_view.js";

const box = document.getElementById("results-map");
const count = document.getElementById("map-count");
const filter = document.querySelector("#map-filter select");
const {L, map} = await baseMap(box, configOf(box));
const layer = L.featureGroup().addTo(map);

function popup(r) {
  const div = document.createElement("div");
  const title = document.createElement("strong");
  title.textContent = `Phiếu ${r.code}`;
  const what = document.createElement("p");
  what.textContent = `${r.field} · ${r.stage} · công khai ngày ${r.published_on.split("-").reverse().join("/")}`;
  const link = document.createElement("a");
  link.href = `/tra-cuu?ma=${encodeURIComponent(r.code)}`;
  link.textContent = "Xem tiến trình và kết quả";
  div.append(title, what, link);
  return div;
}

async function draw() {
  const field = filter.value;
  const r = await fetch(box.dataset.points + (field ? `?linh-vuc=${encodeURIComponent(field)}` : ""));
  if (!r.ok) { count.textContent = "Không tải được bản đồ kết quả; vui lòng thử lại sau."; return; }
  const {results} = await r.json();
  layer.clearLayers();
  for (const p of results) {
    L.circleMarker([p.lat, p.lon], {radius: 8, color: "#0b5394", weight: 2, fillOpacity: 0.6})
      .bindPopup(popup(p)).addTo(layer).getElement()?.setAttribute("data-code", p.code);
  }
  count.textContent = `${results.length} kết quả có vị trí trên bản đồ`;
  box.dataset.shown = String(results.length);
  if (results.length) map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [24, 24]});
}

filter.addEventListener("change", draw);
await draw();

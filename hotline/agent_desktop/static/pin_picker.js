// The location pin of a report form (citizens' form, operator's ticket form): "Chọn vị trí trên
// bản đồ" opens a map (Leaflet loaded only then); a tap or click puts the pin, which can be
// dragged (from the keyboard: pan with the arrow keys, then "Đặt vị trí tại tâm bản đồ"); its
// latitude and longitude go into the form's hidden fields. "Xóa vị trí" takes it
// away. Any element marked data-pin-picker (holding the map settings as data-map) gets one by
// itself; the desktop calls attachPinPicker with `loadConfig` (the settings asked for on opening).

import {baseMap, configOf} from "./map_view.js";

function round6(x) { return Math.round(x * 1e6) / 1e6; }

// root: the picker's element (its button, map box and status line are made here);
// lat, lon: the inputs holding the position; onChange({lat, lon} or null): told when the user
// puts, moves or clears the pin.
export function attachPinPicker(root, lat, lon, {loadConfig = async () => configOf(root), onChange = () => {}} = {}) {
  const open = document.createElement("button");
  open.type = "button";
  open.className = "pin-open";
  open.textContent = "Chọn vị trí trên bản đồ";
  const clear = document.createElement("button");
  clear.type = "button";
  clear.className = "pin-clear";
  clear.textContent = "Xóa vị trí";
  const here = document.createElement("button");  // for the keyboard: pan with the arrows, then this
  here.type = "button";
  here.className = "pin-center";
  here.textContent = "Đặt vị trí tại tâm bản đồ";
  here.hidden = true;
  const status = document.createElement("p");
  status.className = "pin-status";
  status.setAttribute("aria-live", "polite");
  const box = document.createElement("div");
  box.className = "pin-map";
  box.hidden = true;
  box.setAttribute("role", "application");
  box.setAttribute("aria-label", "Bản đồ: chạm hoặc bấm vào nơi xảy ra sự việc để đặt vị trí");
  root.append(open, clear, status, box, here);
  let map = null;
  let L = null;
  let marker = null;

  function show() {
    const has = lat.value !== "" && lon.value !== "";
    clear.hidden = !has;
    status.textContent = has ? `Vị trí đã chọn: ${Number(lat.value).toFixed(5)}, ${Number(lon.value).toFixed(5)}`
      : "Chưa chọn vị trí trên bản đồ";
  }
  function put(latlng, tell = true) {
    lat.value = String(round6(latlng.lat));
    lon.value = String(round6(latlng.lng));
    if (!marker) {
      marker = L.marker(latlng, {draggable: true, keyboard: true, title: "Vị trí phản ánh"}).addTo(map);
      marker.on("dragend", () => put(marker.getLatLng()));
    } else {
      marker.setLatLng(latlng);
    }
    show();
    if (tell) onChange({lat: Number(lat.value), lon: Number(lon.value)});
  }

  open.addEventListener("click", async () => {
    box.hidden = false;
    if (map) { map.invalidateSize(); return; }
    open.disabled = true;
    status.textContent = "Đang tải bản đồ…";
    const config = await loadConfig();
    ({L, map} = await baseMap(box, config));
    L.Icon.Default.imagePath = "/static/vendor/leaflet/images/";
    map.on("click", (e) => put(e.latlng));
    here.hidden = false;
    here.addEventListener("click", () => put(map.getCenter()));
    if (lat.value !== "" && lon.value !== "") {
      const here = [Number(lat.value), Number(lon.value)];
      map.setView(here, Math.max(config.zoom, 16));
      put({lat: here[0], lng: here[1]}, false);
    }
    open.disabled = false;
    open.textContent = "Thu gọn bản đồ";
    open.onclick = () => {
      box.hidden = !box.hidden;
      here.hidden = box.hidden;
      if (!box.hidden) map.invalidateSize();
    };
    root.dataset.ready = "1";
    show();
  }, {once: true});
  clear.addEventListener("click", () => {
    lat.value = "";
    lon.value = "";
    if (marker) { marker.remove(); marker = null; }
    show();
    onChange(null);
  });
  show();
  // Another ticket shown: the caller sets the inputs and calls this.
  return {
    refresh() {
      if (map && marker && lat.value === "") { marker.remove(); marker = null; }
      if (map && lat.value !== "") {
        put({lat: Number(lat.value), lng: Number(lon.value)}, false);
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
      }
      show();
    },
  };
}

for (const root of document.querySelectorAll("[data-pin-picker]")) {
  const form = root.closest("form");
  attachPinPicker(root, form.elements.latitude, form.elements.longitude);
}

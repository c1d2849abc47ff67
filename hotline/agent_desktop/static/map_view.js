// Maps (Leaflet, installed from npm at set-up into /static/vendor/leaflet/): loaded only when a
// map is first drawn, so that a page without one (the report form until its pin picker opens)
// stays small on a slow line. The tile server, its attribution and where a map opens come from
// the settings ([maps] in hotline.toml), handed to the page as `config`.

let loading = null;

// Leaflet's module and stylesheet, fetched once per page.
export function loadLeaflet() {
  if (!loading) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/vendor/leaflet/leaflet.css";
    document.head.append(css);
    loading = import("/static/vendor/leaflet/leaflet.js");
  }
  return loading;
}

function escaped(text) {
  const e = document.createElement("span");
  e.textContent = text;
  return e.innerHTML;
}

// A map in `element` with the settings' tiles; config: {tiles, attribution, max_zoom, center, zoom}.
export async function baseMap(element, config) {
  const L = await loadLeaflet();
  const map = L.map(element, {center: config.center, zoom: config.zoom, maxZoom: config.max_zoom});
  map.attributionControl.setPrefix(false);
  L.tileLayer(config.tiles, {maxZoom: config.max_zoom, attribution: escaped(config.attribution)}).addTo(map);
  return {L, map};
}

// The settings handed to a page in a data attribute as JSON.
export function configOf(element) {
  return JSON.parse(element.dataset.map);
}

// The address field's commune picker (operator's ticket form, citizens' report form): as the
// address is typed, the communes, wards and special zones whose names (today's, or those of before
// 1 July 2025) begin with the words typed are offered, no diacritics needed; picking one keeps the
// text as typed and sets the commune's code. Any input marked data-places="<search URL>" gets one
// by itself (the public form, which has no other script); the desktop calls attachAddressPicker.

function text(tag, value, cls) {
  const e = document.createElement(tag);
  e.textContent = value;
  if (cls) e.className = cls;
  return e;
}

// The words to search: what follows the last comma (the street and house number come first).
function lastPart(value) { return value.split(",").pop().trim(); }

// input: the address field; code: the hidden field (or any element with .value) holding the
// commune's code; onPick(commune or null): told when the commune changes.
export function attachAddressPicker(input, code, {url = input.dataset.places, onPick = () => {}} = {}) {
  const list = document.createElement("ul");
  list.className = "address-choices";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  const chosen = text("p", "", "address-commune");
  chosen.setAttribute("aria-live", "polite");
  input.after(list, chosen);
  let timer = null;
  let asked = 0;
  let hits = [];  // what the list shows

  function show(commune) {
    chosen.textContent = commune ? `Xã, phường: ${commune.label}` : "";
    chosen.dataset.code = commune ? commune.code : "";
  }
  function pick(hit) {
    code.value = String(hit.code);
    show(hit);
    list.hidden = true;
    onPick(hit);
  }
  async function search() {
    const q = lastPart(input.value);
    if (q.length < 2) { list.hidden = true; return; }
    const mine = ++asked;
    let found;
    try {
      const r = await fetch(`${url}?q=${encodeURIComponent(q)}`, {credentials: "same-origin"});
      if (!r.ok) return;
      found = await r.json();
    } catch (e) { return; }
    if (mine !== asked) return;  // a later keystroke's answer will show
    hits = found;
    list.replaceChildren(...hits.map((h) => {
      const li = text("li", h.label);
      li.dataset.code = h.code;
      li.setAttribute("role", "option");
      li.tabIndex = -1;
      if (h.old) li.append(text("small", ` (trước đây: ${h.old})`));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(h); });
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); pick(h); } });
      return li;
    }));
    list.hidden = hits.length === 0;
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && !list.hidden && list.firstChild) { e.preventDefault(); list.firstChild.focus(); }
    if (e.key === "Enter" && !list.hidden && hits.length) { e.preventDefault(); pick(hits[0]); }  // not the form's submit
  });
  list.addEventListener("keydown", (e) => {
    const li = document.activeElement;
    if (e.key === "ArrowDown" && li.nextSibling) { e.preventDefault(); li.nextSibling.focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (li.previousSibling || input).focus(); }
    if (e.key === "Escape") { list.hidden = true; input.focus(); }
  });
  input.addEventListener("blur", () => setTimeout(() => {
    if (!list.contains(document.activeElement)) list.hidden = true;
  }, 100));
  // The picker's view of a ticket loaded into the form: its commune (or none).
  return {
    set(commune) { code.value = commune ? String(commune.code) : ""; show(commune); },
    clear() { code.value = ""; show(null); list.hidden = true; },
  };
}

// The public report form: no other script, so the picker attaches itself.
for (const input of document.querySelectorAll("input[data-places]")) {
  const hidden = input.form && input.form.elements.commune_code;
  if (hidden) attachAddressPicker(input, hidden);
}

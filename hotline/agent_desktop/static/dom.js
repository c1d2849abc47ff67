// Small DOM helpers shared by the desktop pages: table rows and cells, options, and showing the
// fields a workflow action needs.
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export function cell(tr, value, cls) { const td = el("td", value ?? "—", cls); tr.append(td); return td; }

export function row(values, cls) { const tr = el("tr", undefined, cls); for (const v of values) cell(tr, v); return tr; }

export function option(select, value, label) { select.append(new Option(label, value)); }

export function button(label, onClick, cls) {
  const b = el("button", label, cls); b.type = "button"; b.addEventListener("click", onClick); return b;
}

// Show only the form fields (labels) the chosen action needs: {need: element id of its label}.
export function showNeeds(needs, labels) {
  for (const [need, id] of Object.entries(labels)) document.getElementById(id).hidden = !needs.includes(need);
}

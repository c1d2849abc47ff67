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

// The body of a workflow action from its form: the agency, the other agencies where the action
// takes several, and each text the action needs that the form has a field for.
export function actionBody(action, f) {
  const body = {};
  if (action.needs.includes("agency")) body.agency_id = Number(f.agency_id.value);
  if (action.several_agencies && f.also) {
    body.also_agency_ids = [...f.also.selectedOptions].map((o) => Number(o.value)).filter((id) => id !== body.agency_id);
  }
  for (const need of ["result", "reason", "question", "note"]) {
    if (action.needs.includes(need) && f[need]) body[need] = f[need].value;
  }
  return body;
}

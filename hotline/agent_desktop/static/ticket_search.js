// The ticket search of the staff pages (operator's work list, supervisor page): by code, content or
// the recognised text of scanned letters, no diacritics needed; each hit with where it was found and
// a snippet, and a button to open it where the page can (`open`).
import {Hotline} from "./common.js";
import {button, el} from "./dom.js";

const WHERE = {scan: "Bản quét văn bản", content: "Nội dung", code: "Mã phiếu"};

export function ticketSearch(formId, listId, open) {
  document.getElementById(formId).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const list = document.getElementById(listId);
    let hits;
    try {
      hits = await Hotline.api(`/api/tickets/search?q=${encodeURIComponent(ev.target.elements.q.value)}`);
    } catch (e) { list.replaceChildren(el("li", e.message)); return; }
    if (hits.length === 0) { list.replaceChildren(el("li", "Không tìm thấy phiếu nào")); return; }
    list.replaceChildren(...hits.map((h) => {
      const li = el("li");
      li.dataset.code = h.code;
      li.append(el("b", h.code), ` · ${WHERE[h.found_in]}${h.snippet ? `: ${h.snippet}` : ""} `);
      if (open) li.append(button("Xem", () => open(h.id)));
      return li;
    }));
  });
}

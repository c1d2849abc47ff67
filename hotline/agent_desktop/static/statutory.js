import {Hotline} from "./common.js";
import {row} from "./dom.js";

// The statutory reports made on their dates, with their files: on the office page and the
// supervisors' reports page.
export async function showStatutory(tbody) {
  const items = await Hotline.api("/api/reports/statutory");
  document.querySelector(tbody).replaceChildren(...items.map((r) => {
    const tr = row([r.title, `${r.from} – ${r.to}`, Hotline.time(r.made_at), r.recipients.join(", ")]);
    tr.dataset.report = r.report_id;
    const td = document.createElement("td");
    const a = document.createElement("a"); a.textContent = "Tải tệp"; a.href = `/api/reports/statutory/${r.id}/file`;
    td.append(a); tr.append(td);
    return tr;
  }));
}

// Transfers from the operator desktop: find an agency, transfer warm (consult first) or blind,
// complete or cancel, send the transfer slip when the agency does not pick up, or put the caller
// back in a queue.
import {Hotline} from "./common.js";
import {state} from "./call_state.js";

export const Transfer = {
  current: null,   // the transfer in progress or just ended, as the server reports it
  agencies: [],
  talking() { return !!(state.session && state.session.isEstablished() && state.call && state.call.linkedid); },
  refreshButtons() {
    const t = Transfer.current;
    const active = t && (t.outcome === "dialing" || t.outcome === "consulting");
    document.getElementById("transfer-complete").disabled = !(t && t.kind === "warm" && t.outcome === "consulting");
    document.getElementById("transfer-cancel").disabled = !(t && t.kind === "warm" && active);
    document.getElementById("transfer-slip").hidden = !(t && ["no_answer", "busy", "unreachable"].includes(t.outcome)
                                                        && !t.slip_sent_at);
    document.getElementById("requeue").disabled = !Transfer.talking() || active;
    document.querySelectorAll("#agency-results button").forEach((b) => { b.disabled = !Transfer.talking() || active; });
  },
  show(t) {
    Transfer.current = t;
    Hotline.text("transfer-state", t ? `${t.agency_name || t.queue} — ${t.outcome_text}` : "—");
    if (t && t.outcome === "completed") Hotline.text("call-state", "Đã chuyển cuộc gọi");
    Transfer.refreshButtons();
    if (t) Transfer.history(t.linkedid);
  },
  async history(linkedid) {
    try {
      const list = await Hotline.api(`/api/calls/${encodeURIComponent(linkedid)}/transfers`);
      const last = list[list.length - 1];
      if (last && !Transfer.current) {  // after a page reload: resume the transfer in progress
        Transfer.current = last;
        Hotline.text("transfer-state", `${last.agency_name || last.queue} — ${last.outcome_text}`);
        Transfer.refreshButtons();
      }
      const ul = document.getElementById("transfer-history");
      ul.replaceChildren(...list.map((t) => {
        const li = document.createElement("li");
        li.dataset.outcome = t.outcome;
        li.textContent = `${Hotline.time(t.started_at)} · ${Transfer.kinds[t.kind]} · ${t.agency_name || t.queue}` +
          (t.number ? ` (${t.number})` : "") + ` · ${t.outcome_text}` + (t.slip_sent_at ? " · đã gửi phiếu chuyển" : "");
        return li;
      }));
    } catch (e) { Hotline.text("transfer-error", e.message); }
  },
  kinds: {warm: "Chuyển có tư vấn", blind: "Chuyển ngay", queue: "Về hàng đợi"},
  async search() {
    const q = document.getElementById("agency-search").value;
    const field = document.getElementById("agency-field").value;
    const ticket = document.getElementById("ticket-form").elements;  // its commune and field: who answers first
    const where = `&commune=${encodeURIComponent(ticket.commune_code.value)}&topic=${encodeURIComponent(ticket.topic.value)}`;
    try {
      Transfer.agencies = await Hotline.api(`/api/agencies?q=${encodeURIComponent(q)}&field=${encodeURIComponent(field)}${where}`);
    } catch (e) { Hotline.text("transfer-error", e.message); return; }
    const ul = document.getElementById("agency-results");
    ul.replaceChildren(...Transfer.agencies.map((a) => {
      const li = document.createElement("li");
      li.dataset.agencyId = a.id;
      const name = document.createElement("span");
      name.textContent = `${a.name} · ${a.phone || "chưa có số"} `;
      if (a.suggested) { li.classList.add("suggested"); name.title = a.suggested; name.textContent += `· Gợi ý: ${a.suggested} `; }
      const warm = document.createElement("button");
      warm.textContent = "Chuyển có tư vấn"; warm.className = "warm";
      warm.addEventListener("click", () => Transfer.start("warm", a.id));
      const blind = document.createElement("button");
      blind.textContent = "Chuyển ngay"; blind.className = "blind";
      blind.addEventListener("click", () => Transfer.start("blind", a.id));
      li.append(name, warm, blind);
      return li;
    }));
    Transfer.refreshButtons();
  },
  async start(kind, agencyId, queue) {
    Hotline.text("transfer-error", "");
    if (!state.call) return;
    const body = {kind, target: document.getElementById("transfer-target").value};
    if (agencyId) body.agency_id = agencyId;
    if (queue) body.queue = queue;
    try {
      Transfer.show(await Hotline.api(`/api/calls/${encodeURIComponent(state.call.linkedid)}/transfers`, "POST", body));
    } catch (e) { Hotline.text("transfer-error", e.message); }
  },
  async act(action) {
    Hotline.text("transfer-error", "");
    if (!Transfer.current) return;
    try {
      const r = await Hotline.api(`/api/transfers/${Transfer.current.id}/${action}`, "POST");
      if (action === "slip") {
        Transfer.show(r.transfer);
        Hotline.text("transfer-state", `${r.transfer.agency_name} — đã gửi phiếu chuyển, hạn ${Hotline.time(r.ticket.due_at)}`);
      }
    } catch (e) { Hotline.text("transfer-error", e.message); }
  },
  onEvent(msg) {
    if (msg.type === "transfer.updated") Transfer.show(msg.data);
    else if (msg.type === "call.offered") { Transfer.current = null; Transfer.show(null);
      document.getElementById("transfer-history").replaceChildren(); }
    else if (msg.type === "hello" && msg.data.call) Transfer.history(msg.data.call.linkedid);
    Transfer.refreshButtons();
  },
};

window.Transfer = Transfer;  // for the browser tests, as window.hotlinePhone

export async function setUpTransfers() {
  const field = document.getElementById("agency-field");
  for (const [value, name] of [["", "Mọi lĩnh vực"], ...Object.entries(Hotline.topics)]) field.append(new Option(name, value));
  const meta = await Hotline.api("/api/agencies/meta");
  const queues = document.getElementById("requeue-queue");
  for (const [id, name] of Object.entries(meta.queues)) queues.append(new Option(name, id));
  let timer = null;
  document.getElementById("agency-search").addEventListener("input", () => {
    clearTimeout(timer); timer = setTimeout(Transfer.search, 250);
  });
  field.addEventListener("change", Transfer.search);
  document.getElementById("topic-select").addEventListener("change", Transfer.search);
  document.getElementById("transfer-complete").addEventListener("click", () => Transfer.act("complete"));
  document.getElementById("transfer-cancel").addEventListener("click", () => Transfer.act("cancel"));
  document.getElementById("transfer-slip").addEventListener("click", () => Transfer.act("slip"));
  document.getElementById("requeue").addEventListener("click", () => Transfer.start("queue", null, queues.value));
  Transfer.search();
}

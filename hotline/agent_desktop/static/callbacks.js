// The callback work list: requests from the IVR (after hours, queue timeout), oldest first, with the
// caller's previous tickets. An operator takes one (nobody else can then), calls from the softphone,
// and records what came of it; unanswered requests come back after the profile's retry time.
import {Hotline} from "./common.js";
import {button, cell, el} from "./dom.js";
import {callCitizen} from "./dialer.js";

export const Callbacks = {items: [], me: null};

async function act(path, body) {
  Hotline.text("cb-error", "");
  try { await Hotline.api(path, "POST", body || {}); } catch (e) { Hotline.text("cb-error", e.message); }
  await load();
}

function actions(r) {
  const td = el("td");
  if (r.status === "taken" && r.taken_by === Callbacks.me) {
    td.append(button("Gọi", async () => {
      Hotline.text("cb-error", "");
      try { await callCitizen(`/api/callbacks/${r.id}/call`); } catch (e) { Hotline.text("cb-error", e.message); }
    }, "cb-call"));
    const select = el("select", undefined, "cb-outcome");
    for (const [v, label] of Object.entries(Hotline.meta.callback_outcomes)) select.append(new Option(label, v));
    td.append(select, button("Ghi kết quả", () => act(`/api/callbacks/${r.id}/outcome`, {outcome: select.value}),
                             "cb-record"),
              button("Trả lại", () => act(`/api/callbacks/${r.id}/release`), "cb-release"));
  } else if (r.can_take) {
    td.append(button("Nhận", () => act(`/api/callbacks/${r.id}/take`), "cb-take"));
  } else if (r.taken_by) {
    td.append(`${r.taken_by} đang gọi`);
  } else {
    td.append(`Gọi lại sau ${Hotline.time(r.next_attempt_at)}`);
  }
  return td;
}

export async function load() {
  try { Callbacks.items = await Hotline.api("/api/callbacks"); } catch (e) { return; }
  Hotline.text("cb-count", Callbacks.items.length ? `(${Callbacks.items.length})` : "");
  document.querySelector("#callbacks-table tbody").replaceChildren(...Callbacks.items.map((r) => {
    const tr = el("tr", undefined, r.overdue ? "overdue" : "");
    tr.dataset.id = r.id;
    cell(tr, r.caller_number); cell(tr, Hotline.name("callback_reasons", r.reason)); cell(tr, Hotline.time(r.requested_at));
    cell(tr, Hotline.time(r.due_at)); cell(tr, `${r.attempts}`); cell(tr, Hotline.name("callback_statuses", r.status));
    cell(tr, r.previous_tickets.map((t) => t.code).join(", "));
    tr.append(actions(r));
    return tr;
  }));
}

export function onEvent(msg) {
  if (msg.type === "hello") { Callbacks.me = msg.data.user.operator_id; load(); }
  else if (msg.type === "callbacks.changed") load();
}

document.getElementById("cb-refresh").addEventListener("click", load);
setInterval(load, 30000);

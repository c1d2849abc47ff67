// The operator's knowledge base panel: search as you type (no diacritics needed, typing mistakes
// forgiven), suggestions from the call's field and the ticket's words, and one click to put an
// article's answer into the level-1 answer (the ticket then cites the article and its version).
import {Hotline} from "./common.js";
import {el, button} from "./dom.js";

let onUse = () => {};
let context = {field: null, text: ""};
let searchTimer = null, suggestTimer = null, asked = 0;

function show(articles, mode) {
  Hotline.text("kb-mode", mode);
  const list = document.getElementById("kb-results");
  list.replaceChildren();
  for (const a of articles) {
    const li = el("li"); li.dataset.id = a.id; li.dataset.version = a.version_id;
    const head = el("p");
    head.append(el("b", a.question, "kb-question"), el("small", ` · ${a.field_name}${a.agency ? " · " + a.agency : ""} · phiên bản ${a.version}`));
    if (a.stale) head.append(el("span", " · Quá hạn rà soát", "kb-stale"));
    const answer = el("p", a.answer, "pre kb-answer");
    li.append(head, answer, button("Dùng câu trả lời", () => onUse(a), "kb-use"));
    list.append(li);
  }
  if (!articles.length) list.append(el("li", "Không có bài phù hợp", "kb-none"));
}

async function run(fetcher, mode) {
  const mine = ++asked;  // answers that come back late are dropped
  try {
    const found = await fetcher();
    if (mine === asked) { show(found, mode); Hotline.text("kb-error", ""); }
  } catch (e) { if (mine === asked) Hotline.text("kb-error", e.message); }
}

function search() {
  const q = document.getElementById("kb-search").value;
  if (!q.trim()) { suggest(); return; }
  run(() => Hotline.api(`/api/knowledge/search?q=${encodeURIComponent(q)}`), "Kết quả tìm kiếm");
}

function suggest() {
  if (document.getElementById("kb-search").value.trim()) return;  // the operator's own search wins
  if (!context.field && !context.text.trim()) { show([], ""); return; }
  run(() => Hotline.api("/api/knowledge/suggest", "POST", context), "Gợi ý theo cuộc gọi");
}

export const Knowledge = {
  start(useAnswer) {
    onUse = useAnswer;
    document.getElementById("kb-search").addEventListener("input", () => {
      clearTimeout(searchTimer); searchTimer = setTimeout(search, 150);
    });
  },
  // The call's field (from its queue) and the words of the ticket so far.
  context(field, text) {
    context = {field: field || null, text: (text || "").slice(0, 5000)};
    clearTimeout(suggestTimer); suggestTimer = setTimeout(suggest, 400);
  },
};

// Assist from what is said (issue #30): while the caller speaks, the field the call seems to be
// about ("Lĩnh vực gợi ý: … — Chọn" beside the ticket's field) and knowledge base articles for the
// caller's words (marked "Gợi ý từ cuộc trò chuyện" in the knowledge panel). The server works them
// out from what it heard itself (the call's live captions, everything the caller said so far; the
// after-call transcript when the ticket is opened later); the page only says which call. Nothing
// is filled without the operator's click.
import {Hotline} from "./common.js";
import {el, button} from "./dom.js";

const WAIT_MS = 800;  // after a caller's caption: phrases come one after another, one question for them

export class Assist {
  // onArticle(article): "Dùng câu trả lời" (the knowledge panel's own use of an answer).
  constructor(onArticle) {
    this.onArticle = onArticle;
    this.linkedid = null;
    this.timer = null;
    this.asked = 0;
    this.chip = document.getElementById("assist-field");
    this.panel = document.getElementById("kb-assist");
    this.list = document.getElementById("kb-assist-results");
    this.topic = document.getElementById("topic-select");
    document.getElementById("assist-field-use").addEventListener("click", () => this.choose());
    this.topic.addEventListener("change", () => this.showChip());
  }

  // The call whose caller's words are used (null: none); another call clears what was shown.
  follow(linkedid) {
    if (linkedid === this.linkedid) return;
    this.linkedid = linkedid;
    this.asked++;  // an answer still on its way is for the call before
    clearTimeout(this.timer);
    this.field = null;
    this.showChip();
    this.list.replaceChildren();
    this.panel.hidden = true;
  }

  onEvent(msg) {
    const d = msg.data;
    if (msg.type === "hello" && d.call && d.call.state === "talking") this.follow(d.call.linkedid);
    else if (msg.type === "call.answered") this.follow(d.linkedid);
    else if (msg.type === "call.caption" && d.side === "caller" && d.linkedid === this.linkedid) this.later();
  }

  // A ticket shown in the form: a call's ticket gets what its caller said (during the call, or the
  // after-call transcript when opened later).
  ticket(t) {
    this.follow((t && t.linkedid) || null);
    if (this.linkedid) this.ask();
  }

  later() { clearTimeout(this.timer); this.timer = setTimeout(() => this.ask(), WAIT_MS); }

  async ask() {
    const linkedid = this.linkedid, mine = ++this.asked;
    if (!linkedid) return;
    try {
      const found = await Hotline.api(`/api/knowledge/assist/${encodeURIComponent(linkedid)}`);
      if (mine === this.asked) this.show(found);
    } catch (e) {  // e.g. a ticket of a call another operator took: suggestions are not for everyone
      if (mine === this.asked) this.show({field: null, articles: []});
    }
  }

  show(found) {
    this.field = found.field;
    this.showChip();
    this.list.replaceChildren();
    for (const a of found.articles) {
      const li = el("li", undefined, "kb-suggested"); li.dataset.id = a.id; li.dataset.version = a.version_id;
      const head = el("p");
      head.append(el("b", a.question, "kb-question"),
                  el("small", ` · ${a.field_name}${a.agency ? " · " + a.agency : ""} · phiên bản ${a.version}`));
      if (a.stale) head.append(el("span", " · Quá hạn rà soát", "kb-stale"));
      li.append(el("small", "Gợi ý từ cuộc trò chuyện", "kb-from-call"), head, el("p", a.answer, "pre kb-answer"),
                button("Dùng câu trả lời", () => this.onArticle(a), "kb-use"));
      this.list.append(li);
    }
    this.panel.hidden = !found.articles.length;
  }

  // The chip shows while a field is suggested that the form does not have yet.
  showChip() {
    const f = this.field;
    this.chip.hidden = !f || this.topic.value === f.id;
    Hotline.text("assist-field-name", f ? f.name : "");
    this.chip.title = f && f.words.length ? `Từ những từ người gọi nói: ${f.words.join(", ")}` : "";
  }

  // "Chọn": the operator takes the suggested field; the form saves it as if chosen from the list.
  choose() {
    if (!this.field) return;
    this.topic.value = this.field.id;
    this.topic.dispatchEvent(new Event("input", {bubbles: true}));
    this.topic.dispatchEvent(new Event("change", {bubbles: true}));
  }
}

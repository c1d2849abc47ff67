// Live captions of a call (issue #30): what each side says, as it is recognised during the call
// ("call.caption" events: the operator on the call and supervisors receive them). One panel per
// page, following one call: the operator's current call, or the call a supervisor listens to.
import {el} from "./dom.js";

const SIDES = {caller: "Người gọi", operator: "Tổng đài viên"};

export class Captions {
  constructor(panel) {
    this.panel = panel;
    this.list = panel.querySelector(".captions-list");
    this.linkedid = null;
  }

  // Follow `linkedid` (null: none). A new call clears the panel; the last call's captions stay
  // until the next one. The panel shows once a caption arrives (a line without live captions, or
  // a call nobody has spoken in yet, keeps the page's space for the form).
  follow(linkedid) {
    if (linkedid === this.linkedid) return;
    this.linkedid = linkedid;
    if (linkedid) { this.list.replaceChildren(); this.panel.hidden = true; this.panel.dataset.linkedid = linkedid; }
  }

  onEvent(msg) {
    if (msg.type !== "call.caption" || !this.linkedid || msg.data.linkedid !== this.linkedid) return;
    const line = el("p", undefined, `caption caption-${msg.data.side}`);
    line.append(el("b", `${SIDES[msg.data.side] || msg.data.side}: `), el("span", msg.data.text));
    this.list.append(line);
    this.panel.hidden = false;
    while (this.list.children.length > 200) this.list.firstChild.remove();
    this.list.scrollTop = this.list.scrollHeight;
  }
}

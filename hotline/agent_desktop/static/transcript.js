import {el} from "./dom.js";

// A call's transcript beside its player: lines per side (caller, operator), each word or segment
// a click away from its moment, the one being played highlighted as the player goes.
export const SPEAKERS = {caller: "Người gọi", operator: "Tổng đài", mixed: "Cuộc gọi"};

export function showTranscript(box, player, words, empty) {
  const lines = []; let line = null;
  for (const w of words) {
    if (!line || line.ch !== w.ch) {
      line = {ch: w.ch, el: el("p", "", "say " + w.ch)}; line.el.append(el("b", SPEAKERS[w.ch] + ": ")); lines.push(line);
    }
    w.span = el("span", w.w + " "); w.span.dataset.start = w.s;
    w.span.addEventListener("click", () => { player.currentTime = w.s; player.play(); });
    line.el.append(w.span);
  }
  box.replaceChildren(...(lines.length ? lines.map((l) => l.el) : [el("p", empty)]));
  player.ontimeupdate = () => {
    const t = player.currentTime;
    for (const w of words) w.span.classList.toggle("now", w.s <= t && t < w.e + 0.05);
  };
}

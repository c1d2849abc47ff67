// The supervisor view: live queues, agents and calls; listen / whisper from the supervisor's phone.
function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.append(c); else td.textContent = c ?? "—";
    tr.append(td);
  }
  return tr;
}

function spyButton(call, mode, label) {
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", async () => {
    try {
      await Hotline.api("/api/supervisor/listen", "POST",
                        {linkedid: call.linkedid, mode, phone: document.getElementById("spy-phone").value});
      Hotline.text("spy-result", "Đang gọi vào máy của bạn…");
    } catch (e) { Hotline.text("spy-result", e.message); }
  });
  return b;
}

function render(s) {
  const q = document.querySelector("#queues tbody");
  q.replaceChildren(...Object.entries(s.queues).map(([id, st]) => row([id, st.waiting, st.longest_wait])));
  const a = document.querySelector("#agents tbody");
  a.replaceChildren(...s.agents.map((ag) => row([ag.id, Hotline.states[ag.state] || ag.state,
                                                 Hotline.time(ag.since), ag.pause_reason, ag.call])));
  const c = document.querySelector("#calls tbody");
  c.replaceChildren(...s.calls.map((call) => {
    const actions = document.createElement("span");
    if (call.state === "talking") actions.append(spyButton(call, "listen", "Nghe"), spyButton(call, "whisper", "Nhắc"));
    return row([call.caller, Hotline.topics[call.topic] || call.topic, Hotline.callStates[call.state] || call.state,
                call.agent, actions]);
  }));
}

Hotline.connect((msg) => {
  if (msg.type === "hello") { Hotline.text("user-name", msg.data.user.full_name); render(msg.data.snapshot); }
  else if (msg.type === "queue.stats") render(msg.data);
});

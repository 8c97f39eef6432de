// The agent console: polls the state every few seconds and posts the agent's actions.
// Everything shown is set as text (never as HTML): callers' words are untrusted input.
"use strict";
(function () {
  const root = document.getElementById("console");
  if (!root) return;
  const stateUrl = root.dataset.stateUrl;
  const base = root.dataset.base.replace(/\/$/, "");
  const pollMs = parseInt(root.dataset.pollMs, 10) || 2500;
  let csrf = root.dataset.csrf;
  let lastMessage = "";

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function duration(seconds) {
    if (seconds < 60) return seconds + " s";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min " + (seconds % 60) + " s";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  let sayTimer = null;

  function say(text, isError) {
    const node = $("message");
    node.textContent = text || "";
    node.className = isError ? "error" : "";
    // Confirmations fade after a while; errors stay until the next action.
    window.clearTimeout(sayTimer);
    if (text && !isError) sayTimer = window.setTimeout(() => say(""), 8000);
  }

  async function post(path, fields) {
    const body = new FormData();
    Object.entries(fields || {}).forEach(([k, v]) => body.append(k, v));
    let response;
    try {
      response = await fetch(base + path, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      });
    } catch (err) {
      say("Keine Verbindung zum Server.", true);
      return;
    }
    if (response.status === 401) { window.location.reload(); return; }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!data) {
      say(response.status === 404 ? "Nicht gefunden." : "Fehler (" + response.status + ").", true);
      return;
    }
    render(data);
    say(data.message, !response.ok);
  }

  function renderStatus(agent) {
    $("status-label").textContent = agent.status_label;
    $("status-since").textContent = "seit " + duration(agent.since_s);
    document.body.dataset.status = agent.status;
    const free = ["offline", "available", "wrap_up", "callback"].includes(agent.status);
    $("go-available").disabled = !free || agent.status === "available";
    $("go-offline").disabled = !free || agent.status === "offline";
    $("unreachable").hidden = agent.reachable;
  }

  // A button in a table row that posts to `path` when clicked.
  function actionButton(label, cls, path) {
    const button = el("button", label, cls);
    button.type = "button";
    button.addEventListener("click", () => post(path));
    return button;
  }

  function renderWaiting(waiting) {
    const body = $("waiting");
    body.replaceChildren();
    waiting.forEach((call) => {
      const row = el("tr", null, call.emergency ? "urgent" : "");
      row.dataset.entry = call.id;
      row.append(el("td", duration(call.waited_s)));
      const topic = el("td", call.topic);
      if (call.emergency) topic.prepend(el("span", "Notfall", "badge urgent"));
      row.append(topic, el("td", call.intent), el("td", call.language), el("td", call.site));
      const action = el("td");
      if (call.ringing) {
        action.append(el("span", "klingelt", "muted"));
      } else {
        action.append(actionButton("Annehmen", "take", "/calls/" + call.id + "/take"));
      }
      row.append(action);
      body.append(row);
    });
    $("waiting-count").textContent = waiting.length;
    $("waiting-empty").hidden = waiting.length > 0;
  }

  function renderCallbacks(callbacks) {
    const body = $("callbacks");
    body.replaceChildren();
    callbacks.forEach((cb) => {
      const row = el("tr", null, cb.urgent ? "urgent" : "");
      row.dataset.callback = cb.id;
      const topic = el("td", cb.topic);
      // What the caller's message was heard to be: a crisis, or words of worry.
      if (cb.concern) topic.prepend(el("span", cb.concern, cb.urgent ? "badge urgent" : "badge worry"));
      row.append(el("td", cb.window), topic, el("td", cb.language),
                 el("td", cb.site), el("td", cb.phone, cb.mine ? "phone" : ""),
                 el("td", String(cb.attempts)), el("td", cb.message, "message"));
      const action = el("td");
      if (cb.mine) {
        const form = $("attempt-template").content.firstElementChild.cloneNode(true);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          post("/callbacks/" + cb.id + "/attempt",
               { result: form.elements.result.value, note: form.elements.note.value });
        });
        action.append(form);
      } else if (cb.taken) {
        action.append(el("span", "in Bearbeitung", "muted"));
      } else {
        action.append(actionButton("Übernehmen", "", "/callbacks/" + cb.id + "/start"));
      }
      row.append(action);
      body.append(row);
    });
    $("callback-count").textContent = callbacks.length;
    $("callbacks-empty").hidden = callbacks.length > 0;
  }

  let shownCall = null;

  function renderCurrent(current) {
    const section = $("current");
    section.hidden = !current;
    if (!current) { shownCall = null; return; }
    $("current-emergency").hidden = !current.emergency;
    $("current-intent").textContent = current.intent;
    // A second request the caller made with the first, not taken up before the hand-over.
    $("current-also").textContent = current.also_asked || "";
    $("current-also").hidden = $("current-also-label").hidden = !current.also_asked;
    $("current-topic").textContent = current.topic + (current.site ? " · " + current.site : "");
    $("current-language").textContent = current.language;
    $("current-verified").textContent = current.verified ? "verifiziert" : "nicht verifiziert";
    $("current-customer").textContent = current.customer_number;
    $("current-phone").textContent = current.phone;
    const turns = $("current-turns");
    turns.replaceChildren();
    current.turns.forEach((turn) => {
      // A turn is what the caller said and what the hotline answered to it.
      const item = el("li");
      if (turn.caller) {
        const said = el("div", "Anrufer: " + turn.caller, "caller");
        if (turn.intent) said.append(el("span", turn.intent, "badge"));
        item.append(said);
      }
      if (turn.hotline) item.append(el("div", "Hotline: " + turn.hotline, "hotline"));
      turns.append(item);
    });
    const bookings = $("current-bookings");
    bookings.replaceChildren();
    if (current.bookings.length === 0) bookings.append(el("li", "keine", "muted"));
    current.bookings.forEach((b) => {
      const parts = [b.when, b.site, b.topic];
      if (b.caseworker) parts.push("bei " + b.caseworker);
      parts.push(b.who, b.status);
      bookings.append(el("li", parts.join(" · "), b.past ? "muted" : ""));
    });
    $("save-outcome").disabled = !current.can_record;
    const interpreter = current.interpreter || {};
    const states = { calling: "wird angerufen", joined: "im Gespräch" };
    $("current-interpreter").textContent = interpreter.status
      ? interpreter.language + ": " + (states[interpreter.status] || interpreter.status)
      : "";
    $("add-interpreter").hidden = !interpreter.can_add;
    $("remove-interpreter").hidden = !interpreter.can_remove;
  }

  function renderTeam(team) {
    const list = $("team");
    if (!list || !team) return;
    list.replaceChildren();
    team.forEach((m) => list.append(el("li", m.name + ": " + m.status_label + " seit " +
                                          duration(m.since_s))));
  }

  function render(state) {
    if (state.csrf) csrf = state.csrf;
    renderStatus(state.agent);
    renderWaiting(state.waiting);
    $("written-count").textContent = String(state.written_waiting || 0);
    renderCallbacks(state.callbacks);
    renderCurrent(state.current);
    renderTeam(state.team);
  }

  async function poll() {
    try {
      const response = await fetch(stateUrl, {
        credentials: "same-origin", headers: { "Accept": "application/json" },
      });
      if (response.status === 401) { window.location.reload(); return; }
      if (response.ok) render(await response.json());
      if (lastMessage) { say(""); lastMessage = ""; }
    } catch (err) {
      say("Keine Verbindung zum Server – neuer Versuch …", true);
      lastMessage = "offline";
    } finally {
      window.setTimeout(poll, pollMs);
    }
  }

  document.querySelectorAll("[data-status]").forEach((button) => {
    button.addEventListener("click", () => post("/status", { status: button.dataset.status }));
  });
  $("add-interpreter").addEventListener("click", () => post("/interpreter", {}));
  $("remove-interpreter").addEventListener("click", () => post("/interpreter/remove", {}));
  $("outcome-form").addEventListener("submit", (event) => {
    event.preventDefault();
    post("/outcome", { outcome: $("outcome").value, note: $("note").value }).then(() => {
      if (!$("message").classList.contains("error")) {
        $("outcome").value = "";
        $("note").value = "";
      }
    });
  });
  poll();
})();

// The web chat's small script: sends without reloading the page, shows the answers, and
// asks every few seconds whether a person has written. Text only, never HTML.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const log = document.getElementById("messages");
  const form = document.getElementById("send");
  const field = document.getElementById("text");
  const waiting = document.getElementById("waiting");
  const error = document.getElementById("error");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let last = Number(log.dataset.last || 0);
  const names = { person: log.dataset.you, hotline: log.dataset.hotline, agent: log.dataset.agent };

  // Web addresses in what the job centre wrote become links (ivr/chat.py, LINK): built
  // as elements, never as markup.
  const address = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]|\b(?:jobcenter\.digital|arbeitsagentur\.de)\b/g;
  function linked(words) {
    const parts = [];
    let at = 0;
    for (const found of words.matchAll(address)) {
      parts.push(document.createTextNode(words.slice(at, found.index)));
      const link = document.createElement("a");
      link.href = found[0].includes("://") ? found[0] : "https://" + found[0];
      link.textContent = found[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parts.push(link);
      at = found.index + found[0].length;
    }
    parts.push(document.createTextNode(words.slice(at)));
    return parts;
  }

  function show(message) {
    if (message.id <= last) return;
    last = message.id;
    const item = document.createElement("li");
    item.className = "message from-" + message.from;
    item.dataset.id = message.id;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = (names[message.from] || names.hotline) + ":";
    const text = document.createElement("span");
    text.className = "text";
    if (message.from === "person") text.textContent = message.text;
    else text.append(...linked(message.text));
    item.append(who, text);
    log.append(item);
    item.scrollIntoView({ block: "end" });
  }

  class Refused extends Error {}

  function state(answer) {
    (answer.messages || []).forEach(show);
    waiting.hidden = !answer.waiting;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text) return;
    error.hidden = true;
    form.querySelector("button").disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({ text }),
      });
      // Our refusals say what went wrong in the page's language; anything else (a proxy's
      // page, no connection) gets the page's own sentence, never a technical message.
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Refused(answer.error || form.dataset.errorFailed);
      field.value = "";
      state(answer);
    } catch (failure) {
      error.textContent = failure instanceof Refused ? failure.message : form.dataset.errorFailed;
      error.hidden = false;
    } finally {
      form.querySelector("button").disabled = false;
      field.focus();
    }
  });

  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  async function poll() {
    try {
      const since = new URL(form.action);
      since.searchParams.set("after", last);
      const response = await fetch(since, { credentials: "same-origin" });
      if (response.ok) state(await response.json());
    } catch (ignored) { /* offline for a moment: the next poll tries again */ }
  }
  setInterval(poll, Number(log.dataset.pollMs || 3000));
  field.focus();
});

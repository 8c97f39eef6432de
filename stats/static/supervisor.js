// The supervisor dashboard: reads the JSON API and draws tiles, charts (plotly.js) and tables.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  const form = document.getElementById("filters");
  const $ = (id) => document.getElementById(id);
  const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1).replace(".", ",") + " %");
  const secs = (x) => (x === null || x === undefined ? "–" : Math.round(x) + " s");
  const num = (x) => (x === null || x === undefined ? "–" : String(x));
  const hms = (s) => {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h + ":" + String(m).padStart(2, "0");
  };
  const OUTCOME_LABELS = {
    answered: "beantwortet", booked: "Termin gebucht", cancelled: "Termin abgesagt",
    rescheduled: "Termin verschoben", agent: "an Mitarbeiter", callback: "Rückruf",
    hangup: "aufgelegt", open: "offen",
  };
  const OUTCOME_COLOURS = {
    answered: "#2e7d32", booked: "#43a047", cancelled: "#66bb6a", rescheduled: "#81c784",
    agent: "#1565c0", callback: "#6a1b9a", hangup: "#9e9e9e", open: "#cfd8dc",
  };
  const LAYOUT = { margin: { l: 48, r: 12, t: 12, b: 48 }, height: 320, font: { family: "system-ui, sans-serif" },
                   legend: { orientation: "h" } };
  const CONFIG = { displaylogo: false, responsive: true };

  function params() {
    const data = new FormData(form);
    const query = new URLSearchParams();
    if (data.get("period") === "range") {
      query.set("from", data.get("from"));
      if (data.get("to")) query.set("to", data.get("to"));
    } else {
      query.set("period", data.get("period"));
    }
    for (const key of ["site", "lang", "threshold", "sl_level", "sl_seconds", "weeks"]) {
      if (data.get(key)) query.set(key, data.get(key));
    }
    return query;
  }

  function rows(tableId, items, cells) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...items.map((item) => {
      const tr = document.createElement("tr");
      for (const [value, cls, title] of cells(item)) {
        const td = document.createElement("td");
        td.textContent = value;
        if (cls) td.className = cls;
        if (title) td.title = title;
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function drawCharts(data) {
    const days = data.days.map((d) => d.day);
    Plotly.react("chart-days", [
      { type: "bar", name: "ohne Mitarbeiter gelöst", x: days, y: data.days.map((d) => d.contained), marker: { color: "#2e7d32" } },
      { type: "bar", name: "übrige", x: days, y: data.days.map((d) => d.calls - d.contained), marker: { color: "#90a4ae" } },
    ], { ...LAYOUT, barmode: "stack", xaxis: { type: "category" } }, CONFIG);
    const names = Object.keys(data.outcomes).filter((k) => data.outcomes[k] > 0);
    Plotly.react("chart-outcomes", [{
      type: "pie", hole: 0.45, sort: false, labels: names.map((k) => OUTCOME_LABELS[k] || k),
      values: names.map((k) => data.outcomes[k]), marker: { colors: names.map((k) => OUTCOME_COLOURS[k]) },
    }], { ...LAYOUT }, CONFIG);
    const intents = data.intents.slice().reverse();
    const outcomeKeys = ["answered", "booked", "cancelled", "rescheduled", "agent", "callback", "hangup", "open"];
    Plotly.react("chart-intents", outcomeKeys.map((key) => ({
      type: "bar", orientation: "h", name: OUTCOME_LABELS[key], marker: { color: OUTCOME_COLOURS[key] },
      y: intents.map((i) => i.label), x: intents.map((i) => i[key] || 0),
    })), { ...LAYOUT, barmode: "stack", height: 380, margin: { l: 170, r: 12, t: 12, b: 48 } }, CONFIG);
    Plotly.react("chart-heatmap", [{
      type: "heatmap", z: data.heatmap.calls, x: data.heatmap.hours.map((h) => String(h).padStart(2, "0") + " Uhr"),
      y: data.heatmap.weekdays, colorscale: "Blues", reversescale: true, hovertemplate: "%{y} %{x}: %{z} Anrufe<extra></extra>",
    }], { ...LAYOUT, yaxis: { autorange: "reversed" } }, CONFIG);
    drawRecognition(data);
  }

  // Recognition and containment per day, each catalogue version a dotted line at its moment.
  function drawRecognition(data) {
    const days = data.days.map((d) => d.day);
    const versions = data.catalogue_versions || [];
    const at = (v) => v.at.replace("T", " ");
    Plotly.react("chart-recognition", [
      { type: "scatter", mode: "lines+markers", name: "verstanden", x: days,
        y: data.days.map((d) => d.recognised_rate), marker: { color: "#1565c0" } },
      { type: "scatter", mode: "lines+markers", name: "ohne Mitarbeiter gelöst", x: days,
        y: data.days.map((d) => d.containment_rate), marker: { color: "#2e7d32" } },
    ], {
      ...LAYOUT, xaxis: { type: "date" }, yaxis: { tickformat: ".0%", range: [0, 1.05] },
      shapes: versions.map((v) => ({ type: "line", xref: "x", yref: "paper", x0: at(v), x1: at(v),
                                     y0: 0, y1: 1, line: { dash: "dot", color: "#b45309" } })),
      annotations: versions.map((v) => ({ xref: "x", yref: "paper", x: at(v), y: 1, yanchor: "bottom",
                                          showarrow: false, text: "V" + v.version,
                                          hovertext: v.who + ": " + v.change })),
    }, CONFIG);
    $("version-marks").replaceChildren(...versions.map((v) => {
      const li = document.createElement("li");
      li.textContent = "Version " + v.version + ", " + at(v) + ", " + v.who + ": " + v.change
        + (v.why ? " (" + v.why + ")" : "");
      return li;
    }));
  }

  function show(data) {
    const s = data.summary;
    $("period-label").textContent = data.period.first === data.period.last
      ? data.period.first : data.period.first + " bis " + data.period.last;
    $("kpi-calls").textContent = num(s.calls);
    $("kpi-containment").textContent = pct(s.containment_rate);
    $("kpi-transferred").textContent = num(s.transferred_to_agents);
    $("kpi-abandonment").textContent = pct(s.abandonment_rate);
    $("kpi-service-level").textContent = pct(s.service_level);
    $("kpi-service-level-asterisk").textContent = pct(s.service_level_asterisk);
    $("kpi-service-level-amazon").textContent = pct(s.service_level_amazon);
    $("kpi-short-abandon-s").textContent = num(s.short_abandon_s);
    $("kpi-abandoned-short").textContent = num(s.abandoned_short);
    $("kpi-handover").textContent = num(s.handover_hangups);
    $("kpi-wait").textContent = [s.wait_mean_s, s.wait_median_s, s.wait_p90_s].map(secs).join(" / ");
    $("kpi-callbacks").textContent = num(s.callbacks_requested) + " / " + num(s.callbacks_done);
    $("kpi-bookings").textContent = num(s.bookings_made);
    $("kpi-confidence").textContent = s.mean_confidence === null ? "–" : s.mean_confidence.toFixed(2).replace(".", ",");
    $("kpi-not-understood").textContent = num(s.not_understood_turns) + " (" + pct(s.not_understood_rate) + ")";
    rows("intents-table", data.intents, (i) => [[i.label], [i.calls, "num"], [i.contained, "num"],
      [pct(i.containment_rate), "num"], [i.agent, "num"], [i.callback, "num"], [i.hangup, "num"]]);
    rows("channels-table", data.channels, (i) => [[i.label], [i.conversations, "num"],
      [i.contained, "num"], [pct(i.containment_rate), "num"], [i.handovers, "num"]]);
    rows("sites-table", data.sites, (i) => [[i.label], [i.calls, "num"], [i.contained, "num"],
      [i.transferred, "num"], [i.abandoned, "num"]]);
    rows("languages-table", data.languages, (i) => [[i.label], [i.calls, "num"], [i.contained, "num"],
      [pct(i.containment_rate), "num"], [i.transferred, "num"],
      [i.wait_mean_s === null ? "–" : Math.round(i.wait_mean_s) + " s", "num"],
      [pct(i.service_level), "num"]]);
    rows("agents-table", data.agents || [], (a) => [[a.name], [a.calls_taken, "num"],
      [a.callback_attempts, "num"], [hms(a.offline_s), "num"], [hms(a.available_s), "num"],
      [hms(a.ringing_s), "num"], [hms(a.on_call_s), "num"], [hms(a.wrap_up_s), "num"],
      [hms(a.callback_s), "num"]]);
    showCallbacks(data.callbacks);
    if (data.reminders) showOutbound(data.reminders, data.dialled_callbacks);
    showRepeats(data.repeat_callers);
    if (data.handling) showHandling(data.handling);
    if (data.staffing) showStaffing(data.staffing);
    drawCharts(data);
  }

  const hours = (s) => (s === null || s === undefined ? "–" : (s / 3600).toFixed(1).replace(".", ",") + " h");

  function showCallbacks(c) {
    $("cb-requested").textContent = num(c.requested);
    $("cb-done-in-period").textContent = num(c.done_in_period);
    $("cb-completion").textContent = pct(c.completion_rate);
    $("cb-window").textContent = pct(c.within_window_rate);
    $("cb-first-attempt").textContent = c.first_attempt_median_s === null ? "–"
      : (c.first_attempt_median_s < 36000 ? Math.round(c.first_attempt_median_s / 60) + " min" : hours(c.first_attempt_median_s));
    $("cb-attempts").textContent = c.attempts_per_callback === null ? "–" : String(c.attempts_per_callback).replace(".", ",");
    $("cb-never").textContent = num(c.never_attempted);
    $("cb-not-reached").textContent = num(c.not_reached);
    $("cb-open").textContent = num(c.still_open);
    $("cb-crisis").textContent = num(c.with_crisis);
    $("cb-worry").textContent = num(c.with_worry);
  }

  function showOutbound(r, d) {
    $("rm-sent").textContent = num(r.sent);
    $("rm-delivered").textContent = num(r.delivered);
    $("rm-confirmed").textContent = num(r.confirmed);
    $("rm-cancelled").textContent = num(r.cancelled);
    $("rm-moved").textContent = num(r.moved);
    $("rm-unanswered").textContent = num(r.unanswered);
    $("rm-opt-outs").textContent = num(r.opt_outs);
    $("ad-placed").textContent = num(d.calls_placed);
    $("ad-first").textContent = num(d.reached_first_attempt);
    $("ad-second").textContent = num(d.reached_second_attempt);
    $("ad-third").textContent = num(d.reached_third_attempt);
    $("ad-wait").textContent = d.to_conversation_median_s === null ? "–"
      : Math.round(d.to_conversation_median_s / 60) + " min";
  }

  function showRepeats(r) {
    $("repeat-complete").textContent = r.complete_until;
    rows("repeat-table", [{ label: "alle", calls: r.calls_with_number, repeated: r.repeated, repeat_rate: r.repeat_rate }, ...r.endings],
      (e) => [[e.label], [e.calls, "num"], [e.repeated, "num"], [pct(e.repeat_rate), "num"]]);
    rows("repeat-intents-table", r.intents, (i) => [[i.label], [i.calls, "num"], [pct(i.repeat_rate), "num"],
      [pct(i.machine_repeat_rate), "num"], [pct(i.person_repeat_rate), "num"]]);
  }

  function showHandling(h) {
    $("handle-limit").textContent = num(h.wrap_up_limit_s);
    $("handle-aht").textContent = secs(h.aht_s);
    $("handle-talk").textContent = secs(h.talk_mean_s);
    $("handle-acw").textContent = secs(h.after_call_work_mean_s);
    $("handle-occupancy").textContent = pct(h.occupancy);
    rows("handle-agents-table", h.agents, (a) => [[a.name], [a.calls, "num"], [secs(a.talk_mean_s), "num"],
      [secs(a.after_call_work_mean_s), "num"], [secs(a.aht_s), "num"], [pct(a.occupancy), "num"]]);
    rows("handle-topics-table", h.topics, (t) => [[t.label], [t.calls, "num"], [secs(t.talk_mean_s), "num"],
      [secs(t.after_call_work_mean_s), "num"], [secs(t.aht_s), "num"]]);
  }

  function showStaffing(p) {
    const level = Math.round(p.target.level * 100);
    $("staffing-label").textContent = "ab " + p.week + ", Ziel " + level + " % in " + p.target.seconds
      + " s, aus " + p.history.first + " bis " + p.history.last + ", Ø Bearbeitungszeit " + secs(p.aht_s);
    const head = document.querySelector("#staffing-table thead tr");
    head.replaceChildren(...["Stunde", ...p.weekdays.map((w, i) => w + " " + p.days[i].slice(8, 10) + "." + p.days[i].slice(5, 7) + ".")]
      .map((text) => { const th = document.createElement("th"); th.textContent = text; return th; }));
    rows("staffing-table", p.hours.map((hour, i) => ({ hour, i })), (r) => [
      [String(r.hour).padStart(2, "0") + " Uhr"],
      ...p.agents.map((day, d) => [String(day[r.i]), "num", "Anrufer: " + String(p.calls[d][r.i]).replace(".", ",")])]);
    const last = p.last_week;
    $("staffing-last-label").textContent = "(Woche ab " + last.week + ": Prognose " + String(last.forecast_calls).replace(".", ",")
      + " Anrufer, Ist " + last.actual_calls + ")";
    rows("staffing-last-table", last.days, (d) => [[d.weekday + " " + d.day], [String(d.forecast_calls).replace(".", ","), "num"],
      [d.actual_calls, "num"], [d.forecast_agent_hours, "num"], [String(d.actual_agent_hours).replace(".", ","), "num"],
      [pct(d.actual_service_level), "num"]]);
  }

  function showUtterances(groups) {
    $("utterances-empty").hidden = groups.length > 0;
    rows("utterances-table", groups, (g) => [[g.count, "num"], [g.example], [g.variants.join(" · "), "variants"], [g.last_day]]);
  }

  function exportLinks(query) {
    for (const link of document.querySelectorAll("a.csv")) {
      link.href = root.dataset.exportUrl.replace("NAME", link.dataset.table) + "?" + query;
    }
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) { window.location.reload(); throw new Error("login"); }
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }

  async function load() {
    const query = params().toString();
    exportLinks(query);
    $("loaded").textContent = "lädt …";
    try {
      const started = performance.now();
      const [data, groups] = await Promise.all([
        getJson(root.dataset.figuresUrl + "?" + query), getJson(root.dataset.utterancesUrl + "?" + query)]);
      show(data);
      showUtterances(groups);
      root.dataset.loaded = "true";
      $("loaded").textContent = "geladen in " + Math.round(performance.now() - started) + " ms";
    } catch (error) {
      $("loaded").textContent = "Fehler: " + error.message;
    }
  }

  async function live() {
    try {
      const now = await getJson(root.dataset.liveUrl);
      $("live-calls").textContent = now.calls_in_progress;
      $("live-waiting").textContent = now.callers_waiting;
      $("live-longest").textContent = now.longest_wait_s + " s";
      for (const [status, count] of Object.entries(now.agents)) {
        const cell = $("live-agents-" + status);
        if (cell) cell.textContent = count;
      }
    } catch (error) { /* the next poll tries again */ }
  }

  function toggleRange() {
    const range = $("period").value === "range";
    for (const el of document.querySelectorAll(".range")) el.hidden = !range;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("period").addEventListener("change", () => { toggleRange(); if ($("period").value !== "range") load(); });
  toggleRange();
  load();
  live();
  setInterval(live, Number(root.dataset.pollMs) || 5000);
})();

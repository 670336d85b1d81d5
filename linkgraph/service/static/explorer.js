/* linkgraph explorer: fills the page shells from the JSON API.
 *
 * Rule: every value from the API goes into the page through textContent (el() below) or
 * setAttribute on a fixed, harmless attribute; never innerHTML, never an inline handler.
 * Links are built from encodeURIComponent(id) on fixed paths.
 */
"use strict";

(function () {
  const SAFE_ATTRS = new Set(["id", "class", "type", "name", "value", "for", "colspan", "title", "hidden", "disabled",
    "open", "role", "scope", "min", "max", "step", "required", "checked", "aria-label", "aria-live"]);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "href") node.setAttribute("href", value);           // only built by link helpers
      else if (key.startsWith("data-") || SAFE_ATTRS.has(key)) node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) append(node, child);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach((c) => append(node, c)); return; }
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  const $ = (sel, root) => (root || document).querySelector(sel);

  const entityHref = (id) => "/entity/" + encodeURIComponent(id);
  const chartHref = (id) => "/chart?focus=" + encodeURIComponent(id);

  function entityLink(brief) {
    const label = brief.label || brief.entity_id;
    return el("a", { href: entityHref(brief.entity_id), class: "entity-link", "data-entity": brief.entity_id,
      text: label });
  }

  function say(text, kind) {
    const box = $("#status");
    if (!box) return;
    box.textContent = text || "";
    box.className = kind || "";
  }

  // The session token: given once in the address fragment (/#token=..., never sent to the server),
  // kept in sessionStorage (this origin and tab only) and sent as a header on every API call.
  const TOKEN_KEY = "linkgraph-token";
  (function takeToken() {
    const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash || "");
    if (m) {
      try { window.sessionStorage.setItem(TOKEN_KEY, m[1]); } catch (e) { /* storage off: no session */ }
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  })();
  function token() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: { Accept: "application/json" } }, options || {});
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers = { Accept: "application/json", "Content-Type": "application/json" };
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    if (token()) opts.headers["X-Linkgraph-Token"] = token();
    const response = await fetch(path, opts);
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : "request failed (" + response.status + ")";
      const err = new Error(detail);
      err.status = response.status;
      throw err;
    }
    return body;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else if (v !== null && v !== undefined && v !== "") q.append(k, v);
    }
    return q.toString();
  }

  function fmt(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  /* a value cut at 200 characters on screen; "show all" gives the whole text */
  const CUT = 200;
  function longValue(text) {
    text = fmt(text);
    if (text.length <= CUT) return el("span", { text: text });
    const span = el("span", { class: "cut", text: text.slice(0, CUT - 1) + "…" });
    const more = el("button", { type: "button", class: "more", text: "show all (" + text.length + " characters)" });
    more.addEventListener("click", () => { span.textContent = text; more.remove(); });
    return el("span", {}, span, " ", more);
  }

  function rawValues(raw) {
    const dl = el("dl", { class: "raw" });
    for (const [k, v] of Object.entries(raw || {})) {
      if (v === null || v === undefined || v === "") continue;
      dl.appendChild(el("dt", { text: k }));
      dl.appendChild(el("dd", {}, longValue(v)));
    }
    return dl;
  }

  /* a source row's case record: its record id (procedure, seizure number) and attributes */
  function caseRecord(recordId, record) {
    const box = el("div", { class: "case-record", "data-record-id": recordId || "" });
    if (recordId) box.appendChild(el("strong", { class: "record-id", text: recordId }));
    if (record && Object.keys(record).length) box.appendChild(rawValues(record));
    return box;
  }

  function evidenceList(refs, total) {
    const shown = (refs || []).slice(0, 5).join(", ");
    const more = (total || 0) > 5 ? " … (" + total + " rows)" : "";
    return shown + more;
  }

  function row(cells) {
    return el("tr", {}, cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: fmt(c) }))));
  }

  /* ---------------------------------------------------------------- search page */
  function homePage() {
    const form = $("#search-form");
    const results = $("#results");
    async function run(q, kind, type) {
      clear(results);
      say("Searching…");
      try {
        const byRecord = /[0-9]/.test(q) ? await api("/api/records?" + query({ q: q })).catch(() => null) : null;
        for (const rec of (byRecord ? byRecord.records : [])) {
          results.appendChild(el("li", { class: "result record-result", "data-record-id": rec.record_id },
            el("strong", { text: "Case record " + rec.record_id }), " ",
            el("small", { text: [rec.date, rec.agency, rec.file, "row " + rec.row].filter((x) => x).join(" · ") }),
            rawValues(rec.attributes),
            el("p", {}, (rec.entities || []).map((b) => el("span", {}, entityLink(b), " ")))));
        }
        const data = await api("/api/search?" + query({ q: q, kind: kind, type: type }));
        const nrec = byRecord ? byRecord.records.length : 0;
        say(data.results.length || nrec ? (nrec ? nrec + " case record(s), " : "") + data.results.length + " result(s)" : "No entity found.");
        for (const hit of data.results) {
          results.appendChild(el("li", { class: "result", "data-entity": hit.entity_id },
            entityLink(hit), " ",
            el("span", { class: "type", text: hit.entity_type }), " ",
            el("small", { text: "matched " + hit.matched + " (" + hit.match + ", " + hit.score + ") · " +
              hit.mentions + " mention(s) · " + (hit.agencies || "") }), " ",
            el("a", { href: chartHref(hit.entity_id), class: "chart-link", text: "chart" })));
        }
      } catch (e) { say(e.message, "error"); }
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = $("#q").value.trim();
      if (!q) return;
      const kind = $("#kind").value, type = $("#type").value;
      history.replaceState(null, "", "/?" + query({ q: q, kind: kind === "auto" ? "" : kind, type: type }));
      run(q, kind, type);
    });
    const params = new URLSearchParams(location.search);
    if (params.get("q")) {
      $("#q").value = params.get("q");
      if (params.get("kind")) $("#kind").value = params.get("kind");
      if (params.get("type")) $("#type").value = params.get("type");
      run(params.get("q"), $("#kind").value, $("#type").value);
    }
  }

  /* ---------------------------------------------------------------- entity page */
  function entityPage() {
    const id = decodeURIComponent(location.pathname.split("/")[2] || "");
    const base = "/api/entities/" + encodeURIComponent(id);

    function waterfallTable(steps) {
      const table = el("table", { class: "waterfall" },
        el("thead", {}, el("tr", {}, el("th", { text: "comparison" }), el("th", { text: "level" }),
          el("th", { text: "m" }), el("th", { text: "u" }), el("th", { text: "weight" }))));
      const body = el("tbody");
      for (const s of steps) {
        body.appendChild(row([s.step, s.level, s.m, s.u, s.infinite ? "∞ (certain)" : s.weight]));
      }
      table.appendChild(body);
      return table;
    }

    async function loadDetail() {
      const data = await api(base);
      const e = data.entity;
      document.title = (e.label || id) + " · linkgraph";
      $("#entity-title").textContent = e.label || id;
      $("#entity-summary").textContent = e.entity_type + " · " + e.entity_id + " · " + e.mentions + " mention(s) from " +
        (e.agencies || "") + " · seen " + (e.first_seen || "?") + " → " + (e.last_seen || "?") + " · " + data.degree + " link(s)";
      const links = clear($("#entity-links"));
      append(links, [el("a", { href: chartHref(id), id: "open-chart", text: "Open in chart" }), " · ",
        el("a", { href: "/chart?" + query({ from: id }), text: "Path from here" })]);
      const facts = clear($("#facts"));
      const skip = new Set(["entity_id", "entity_type", "label", "mentions", "agencies", "first_seen", "last_seen"]);
      for (const [k, v] of Object.entries(e)) {
        if (skip.has(k) || v === null || v === "") continue;
        facts.appendChild(el("dt", { text: k }));
        facts.appendChild(el("dd", { text: fmt(v) }));
      }
      if (data.score) {
        $("#score-section").hidden = false;
        $("#score-line").textContent = "Rank " + data.score.rank + " · score " + fmt(data.score.score) + ". " + data.score.notice;
        const tb = clear($("#score-factors tbody"));
        for (const [name, f] of Object.entries(data.score.factors)) {
          tb.appendChild(row([name, f.raw, f.normalized, f.weight, f.contribution, evidenceList(f.evidence, f.evidence.length)]));
        }
      }
      $("#mentions-count").textContent = "(" + data.mentions_total + ")";
      const mb = clear($("#mentions tbody"));
      for (const m of data.mentions) {
        mb.appendChild(el("tr", { "data-mention": m.mention_id },
          el("td", { text: m.mention_id }), el("td", { text: m.agency }),
          el("td", { text: m.classification + (m.grade ? " · graded " + m.grade : "") }),
          el("td", { text: m.file }), el("td", { text: fmt(m.row) }), el("td", { text: fmt(m.date) }),
          el("td", {}, caseRecord(m.record_id, m.record)), el("td", {}, rawValues(m.raw))));
      }
      $("#why-count").textContent = "(" + data.why_total + " link(s))";
      const why = clear($("#why"));
      if (!data.why.length) why.appendChild(el("li", { text: "A single mention: nothing was merged." }));
      for (const link of data.why) {
        const weight = link.infinite ? "certain" : "weight " + fmt(link.weight);
        const item = el("li", {}, el("code", { text: link.mention_a }), " ↔ ", el("code", { text: link.mention_b }),
          " — " + link.origin + " (" + weight + ")");
        if (link.waterfall) item.appendChild(el("details", {}, el("summary", { text: "match waterfall" }), waterfallTable(link.waterfall)));
        why.appendChild(item);
      }
    }

    async function loadNeighbours(filters) {
      const data = await api(base + "/neighbours?" + query(Object.assign({ limit: 500 }, filters || {})));
      const select = $("#f-type");
      if (select.options.length === 1) {
        for (const t of data.relation_types) select.appendChild(el("option", { value: t, text: t }));
      }
      const labels = {};
      for (const n of data.nodes) labels[n.entity_id] = n;
      const tb = clear($("#neighbours tbody"));
      for (const edge of data.edges) {
        const other = labels[edge.neighbour] || { entity_id: edge.neighbour, label: edge.neighbour };
        tb.appendChild(row([edge.type, edge.direction, entityLink(other), edge.count, edge.first_seen, edge.last_seen,
          edge.agencies, evidenceList(edge.evidence, edge.evidence_total)]));
      }
      $("#neighbours-count").textContent = data.edges.length + " of " + data.edges_total + " link(s) shown.";
    }

    /* events per month as bars (calls and sightings included); a click keeps that month's rows */
    function histogram(events) {
      const box = clear($("#timeline-bars"));
      const months = {};
      for (const ev of events) if (ev.when) months[String(ev.when).slice(0, 7)] = (months[String(ev.when).slice(0, 7)] || 0) + 1;
      const keys = Object.keys(months).sort();
      if (!keys.length) return;
      const all = [];
      for (let [y, m] = keys[0].split("-").map(Number); y * 12 + m <= Number(keys[keys.length - 1].slice(0, 4)) * 12 + Number(keys[keys.length - 1].slice(5)); m === 12 ? (y++, m = 1) : m++) {
        all.push(y + "-" + String(m).padStart(2, "0"));
      }
      const top = Math.max(...Object.values(months)), NS = "http://www.w3.org/2000/svg", W = 6 * all.length + 4, H = 60;
      const svg = document.createElementNS(NS, "svg");
      svg.setAttribute("width", String(Math.max(W, 200))); svg.setAttribute("height", String(H + 14)); svg.setAttribute("role", "img");
      all.forEach((key, i) => {
        const n = months[key] || 0;
        if (!n) return;
        const r = document.createElementNS(NS, "rect"), h = Math.max(1, (H * n) / top);
        r.setAttribute("x", String(2 + 6 * i)); r.setAttribute("y", String(H - h)); r.setAttribute("width", "5");
        r.setAttribute("height", String(h)); r.setAttribute("class", "bar"); r.setAttribute("data-month", key);
        const title = document.createElementNS(NS, "title"); title.textContent = key + ": " + n + " event(s)"; r.appendChild(title);
        r.addEventListener("click", () => {
          for (const tr of document.querySelectorAll("#timeline tbody tr")) tr.hidden = tr.dataset.month !== key;
          $("#timeline-count").textContent = n + " event(s) in " + key + " (click the chart's first bar label to show all)";
        });
        svg.appendChild(r);
      });
      const label = document.createElementNS(NS, "text");
      label.setAttribute("x", "2"); label.setAttribute("y", String(H + 12)); label.setAttribute("class", "tick");
      label.textContent = all[0] + " → " + all[all.length - 1] + " (all)";
      label.addEventListener("click", () => { for (const tr of document.querySelectorAll("#timeline tbody tr")) tr.hidden = false; });
      svg.appendChild(label);
      box.appendChild(svg);
    }

    async function loadTimeline() {
      const data = await api(base + "/timeline?limit=2000");
      histogram(data.events);
      const tb = clear($("#timeline tbody"));
      for (const ev of data.events) {
        const what = ev.kind === "mention" ? "mentioned as " + (ev.type || "") : ev.type + (ev.direction === "in" ? " (from)" : "");
        const details = Object.entries(Object.assign({}, ev.record || {}, ev.details || {})).map(([k, v]) => k + ": " + fmt(v)).join("; ");
        const tr = row([ev.when || "undated", what, ev.other ? entityLink(ev.other) : "", ev.agency,
          ev.record_id || "", ev.evidence, longValue(details)]);
        tr.dataset.month = String(ev.when || "").slice(0, 7);
        tb.appendChild(tr);
      }
      $("#timeline-count").textContent = data.events.length + " of " + data.events_total + " event(s) shown.";
    }

    $("#neighbour-filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadNeighbours({ type: $("#f-type").value, agency: $("#f-agency").value.trim(), since: $("#f-since").value,
        until: $("#f-until").value }).catch((e) => say(e.message, "error"));
    });
    loadDetail().then(() => Promise.all([loadNeighbours(), loadTimeline()]))
      .then(() => { document.body.dataset.ready = "1"; })
      .catch((e) => { say(e.message, "error"); document.body.dataset.ready = "1"; });
  }

  /* ---------------------------------------------------------------- chart page (explorer_chart.js) */
  function chartPage() {
    if (!window.LinkgraphExplorerChart) { say("The chart script could not be loaded.", "error"); document.body.dataset.ready = "1"; return; }
    window.LinkgraphExplorerChart({ el: el, append: append, clear: clear, $: $, api: api, query: query, say: say,
      entityHref: entityHref, entityLink: entityLink, evidenceList: evidenceList });
  }

  /* ---------------------------------------------------------------- targets page */
  function targetsPage() {
    const FACTORS = ["network", "activity", "corroboration", "listed_links", "international", "financial",
      "concealment"];
    async function load(n) {
      say("Loading…");
      const data = await api("/api/targets?" + query({ n: n }));
      $("#notice").textContent = data.notice;
      const tb = clear($("#targets tbody"));
      for (const t of data.targets) {
        const details = el("details", {}, el("summary", { text: "evidence" }),
          el("ul", {}, FACTORS.filter((f) => t.factors[f].evidence.length).map((f) =>
            el("li", { text: f + ": " + evidenceList(t.factors[f].evidence, t.factors[f].evidence.length) }))));
        tb.appendChild(el("tr", { class: "target", "data-entity": t.entity_id },
          el("td", { text: fmt(t.rank) }),
          el("td", {}, entityLink(t), " ", el("small", { text: t.subject }), " ",
            el("a", { href: chartHref(t.entity_id), class: "chart-link", text: "chart" })),
          el("td", { text: fmt(t.score) }),
          FACTORS.map((f) => el("td", { text: fmt(t.factors[f].contribution), title: "raw " + fmt(t.factors[f].raw) })),
          el("td", {}, details)));
      }
      say(data.targets.length + " target(s).");
    }
    $("#targets-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      load($("#n").value).catch((e) => say(e.message, "error"));
    });
    load(20).catch((e) => say(e.message, "error")).finally(() => { document.body.dataset.ready = "1"; });
  }

  /* ---------------------------------------------------------------- review page */
  function reviewPage() {
    const pairsBox = $("#pairs");

    function card(m, title) {
      return el("section", { class: "mention-card" },
        el("h3", { text: title + " · " + m.mention_id }),
        el("p", {}, "entity ", el("a", { href: entityHref(m.entity_id), text: m.entity_id })),
        el("p", { class: "provenance", text: m.agency + " · " + m.classification + " · " + (m.file || "") +
          " row " + fmt(m.row) + " · " + (m.date || "undated") }),
        rawValues(m.raw));
    }

    async function judge(article, pair, verdict) {
      const caseNumber = $("#case-number").value.trim();
      const out = $(".result", article);
      if (!caseNumber) {
        out.textContent = "Enter the case number first (top of the page).";
        out.className = "result error";
        $("#case-number").focus();
        return;
      }
      article.querySelectorAll("button.verdict").forEach((b) => { b.disabled = true; });
      try {
        const data = await api("/api/judgments", { json: { mention_a: pair.a.mention_id, mention_b: pair.b.mention_id,
          verdict: verdict, case_number: caseNumber, analyst: $("#analyst").value.trim(),
          justification: $("#justification").value.trim() } });
        article.dataset.verdict = verdict;
        out.textContent = "Saved: " + (verdict === "same" ? "same entity" : "different entities") + " (case " +
          data.saved.case_number + "). " + (data.applied ? "Applied at once." : "Applied at the next re-resolution.");
        out.className = "result saved";
      } catch (e) {
        out.textContent = e.message;
        out.className = "result error";
        article.querySelectorAll("button.verdict").forEach((b) => { b.disabled = false; });
      }
    }

    async function explainInto(details, pair) {
      if (details.dataset.loaded) return;
      details.dataset.loaded = "1";
      const data = await api("/api/explain?" + query({ a: pair.a.mention_id, b: pair.b.mention_id }));
      const body = el("tbody");
      for (const s of data.steps) body.appendChild(row([s.step, s.level, s.infinite ? "∞" : s.weight]));
      details.appendChild(el("table", { class: "waterfall" }, el("thead", {}, el("tr", {}, el("th", { text: "comparison" }),
        el("th", { text: "level" }), el("th", { text: "weight" }))), body));
      if (data.why) {  // the decision and, when apart, why (not compared, constraint, judgment, re-clustering)
        details.appendChild(el("p", { class: "why", text: data.why.decision + " · why: " + data.why.reason }));
        const list = el("ul", { class: "why-details" });
        for (const d of data.why.details) list.appendChild(el("li", { text: d }));
        details.appendChild(list);
      }
    }

    async function load() {
      say("Loading…");
      const data = await api("/api/review?" + query({ type: $("#r-type").value, low: $("#r-low").value,
        high: $("#r-high").value, limit: 30 }));
      clear(pairsBox);
      data.pairs.forEach((pair, i) => {
        const confirm = el("button", { type: "button", class: "verdict confirm", text: "Confirm: same" });
        const reject = el("button", { type: "button", class: "verdict reject", text: "Reject: different" });
        const details = el("details", { class: "explain" }, el("summary", { text: "Why this probability?" }));
        const article = el("article", { class: "pair", "data-a": pair.a.mention_id, "data-b": pair.b.mention_id },
          el("h2", { text: "Pair " + (i + 1) + " · " + pair.entity_type + " · probability " + fmt(pair.probability) +
            " · currently " + (pair.together ? "merged" : "apart") }),
          el("div", { class: "pair-cards" }, card(pair.a, "A"), card(pair.b, "B")),
          el("p", { class: "actions" }, confirm, " ", reject),
          el("p", { class: "result", role: "status" }),
          details);
        confirm.addEventListener("click", () => judge(article, pair, "same"));
        reject.addEventListener("click", () => judge(article, pair, "different"));
        details.addEventListener("toggle", () => { if (details.open) explainInto(details, pair).catch((e) => say(e.message, "error")); });
        pairsBox.appendChild(article);
      });
      say(data.pairs.length + " of " + data.total + " doubtful pair(s) not yet judged.");
    }

    $("#review-filters").addEventListener("submit", (ev) => { ev.preventDefault(); load().catch((e) => say(e.message, "error")); });
    $("#judge-meta").addEventListener("submit", (ev) => ev.preventDefault());
    $("#reresolve").addEventListener("click", async () => {
      say("Re-resolving with every judgment…");
      try {
        const r = await api("/api/reresolve", { method: "POST" });
        say("Resolution " + r.version + ": " + r.judgments + " judgment(s) applied, " + r.mentions_changed +
          " mention(s) changed entity, " + r.entities_after + " entities.");
        await load();
      } catch (e) { say(e.message, "error"); }
    });
    load().catch((e) => say(e.message, "error")).finally(() => { document.body.dataset.ready = "1"; });
  }

  /* ---------------------------------------------------------------- inbox page (alerts) */
  function inboxPage() {
    async function load() {
      say("Loading…");
      const data = await api("/api/alerts");
      const tb = clear($("#alerts tbody"));
      for (const a of data.alerts) {
        tb.appendChild(el("tr", { class: "alert", "data-entity": a.entity_id },
          el("td", { text: fmt(a.alert_id) }), el("td", { text: a.at }), el("td", { text: a.watchlist }),
          el("td", {}, entityLink(a)),
          el("td", { text: a.matched || "" }),
          el("td", { text: (a.rows || []).map((r) => r.ref).join(", ") }),
          el("td", { text: (a.agencies || []).join(", ") })));
      }
      say(data.alerts.length + " alert(s)." + (data.note ? " " + data.note : ""));
    }
    load().catch((e) => say(e.message, "error")).finally(() => { document.body.dataset.ready = "1"; });
  }

  const PAGES = { home: homePage, entity: entityPage, chart: chartPage, targets: targetsPage, review: reviewPage,
    inbox: inboxPage };
  const start = PAGES[document.body.dataset.page];
  if (start) start();
  else document.body.dataset.ready = "1";
})();

/* linkgraph explorer: the chart page. Same rules as explorer.js (values through textContent only).
   Entities are drawn in the shared vocabulary (glyphs.js + the page's #vocabulary JSON): the same
   icon and colour as in the offline chart and the SVG export (the vocabulary arrives as JSON in the
   body's data-vocabulary attribute). */
"use strict";

window.LinkgraphExplorerChart = function (h) {
  const { el, append, clear, $, api, query, say, entityHref, entityLink, evidenceList } = h;
  if (typeof vis === "undefined" || !window.LinkgraphGlyphs) { say("The chart library could not be loaded.", "error"); return; }
  const G = window.LinkgraphGlyphs;
  const vocab = JSON.parse(document.body.dataset.vocabulary || "{}");
  const ID_LIKE = /^[A-Z]-[0-9a-f]{6,}$/;
  const CUT = 200;
  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const expanded = new Set();
  const info = {};          // entity id -> brief (label, type)
  const edgeInfo = {};      // edge id -> edge record (agencies, dates)
  const filters = { agency: "", from: "", to: "" };
  const shown = {};
  const edgeView = new vis.DataView(edges, { filter: (e) => edgeOk(edgeInfo[e.id]) });
  const nodeView = new vis.DataView(nodes, { filter: (n) => shown[n.id] !== false });
  const container = $("#network");
  const kindOf = (id) => (info[id] && info[id].entity_type) || "other";
  let highlighted = { nodes: [], edges: [] };
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, {
    physics: false,
    interaction: { hover: true, multiselect: false, navigationButtons: false, keyboard: true },
    nodes: { shape: "custom", size: 14 },
    edges: { smooth: false, font: { size: 10, align: "middle", strokeWidth: 2 }, arrows: { to: { scaleFactor: 0.5 } } },
  });
  const ringOf = (id) => (highlighted.nodes.indexOf(id) >= 0 ? "#d62828" : (expanded.has(id) ? "#333333" : null));
  const renderer = G.renderer(vocab, kindOf, ringOf);
  let order = [];
  G.labeler(network, order, { forced: () => highlighted.nodes.map((id) => ({ id: id, text: short(info[id] ? info[id].label : id, 28) })) });

  function short(text, n) { const s = String(text || ""); return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  function list(value) { return Array.isArray(value) ? value : String(value || "").split(";").filter((x) => x); }
  function edgeOk(e) {
    if (!e) return true;
    if (filters.agency && list(e.agencies).indexOf(filters.agency) < 0) return false;
    const first = String(e.first_seen || "").slice(0, 10), last = String(e.last_seen || "").slice(0, 10) || first;
    if (filters.from && last && last < filters.from) return false;
    if (filters.to && first && first > filters.to) return false;
    return true;
  }
  function relabel() {
    const degree = {};
    edges.forEach((e) => { degree[e.from] = (degree[e.from] || 0) + 1; degree[e.to] = (degree[e.to] || 0) + 1; });
    order.length = 0;
    nodes.getIds().sort((a, b) => (degree[b] || 0) - (degree[a] || 0)).forEach((id) => order.push({ id: id, text: short(info[id] ? info[id].label : id, 28) }));
  }
  function applyFilters() {
    const linked = new Set();
    edges.forEach((e) => { if (edgeOk(edgeInfo[e.id])) { linked.add(e.from); linked.add(e.to); } });
    const active = filters.agency || filters.from || filters.to;
    nodes.getIds().forEach((id) => { shown[id] = !active || linked.has(id) || expanded.has(id); });
    edgeView.refresh(); nodeView.refresh();
    counts();
  }
  function counts() {
    $("#node-count").textContent = String(nodeView.length);
    $("#edge-count").textContent = String(edgeView.length);
    const agencies = new Set();
    Object.values(edgeInfo).forEach((e) => list(e.agencies).forEach((a) => agencies.add(a)));
    const select = $("#c-agency");
    const have = new Set(Array.from(select.options).map((o) => o.value));
    Array.from(agencies).sort().forEach((a) => { if (!have.has(a)) select.appendChild(el("option", { value: a, text: a })); });
  }

  /* new entities on rings around their parent, away from the chart's centre, never on top of a
     node already drawn (at least GAP apart) */
  const GAP = 70;
  function freeSpot(cx, cy, taken, away) {
    for (let ring = 1; ring < 60; ring++) {
      const r = 110 + (ring - 1) * GAP;
      const slots = Math.max(6, Math.floor((2 * Math.PI * r) / GAP));
      for (let k = 0; k < slots; k++) {
        const a = away + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * (2 * Math.PI / slots);
        const x = cx + r * Math.cos(a), y = cy + r * Math.sin(a);
        if (taken.every((p) => (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y) >= GAP * GAP)) return { x: x, y: y };
      }
    }
    return { x: cx + Math.random() * 50, y: cy + Math.random() * 50 };
  }
  function addNodes(briefs, around) {
    const positions = nodes.length ? network.getPositions() : {};
    const taken = Object.values(positions);
    const origin = around && positions[around] ? positions[around] : { x: 0, y: 0 };
    const centre = taken.length ? { x: taken.reduce((s, p) => s + p.x, 0) / taken.length, y: taken.reduce((s, p) => s + p.y, 0) / taken.length } : origin;
    const away = Math.atan2(origin.y - centre.y, origin.x - centre.x) || 0;
    const fresh = briefs.filter((b) => !nodes.get(b.entity_id));
    fresh.forEach((b, i) => {
      info[b.entity_id] = b;
      const spot = !taken.length && i === 0 && !around ? { x: 0, y: 0 } : freeSpot(origin.x, origin.y, taken, away);
      taken.push(spot);
      nodes.add({ id: b.entity_id, x: spot.x, y: spot.y, ctxRenderer: renderer, size: 14, entity_type: b.entity_type || "other" });
    });
    relabel();
    return fresh.length;
  }
  function addEdges(items) {
    for (const e of items) {
      edgeInfo[e.edge_id] = e;
      if (edges.get(e.edge_id)) continue;
      const look = G.edgeLook(vocab, e.type, e.inferred, e.directed, e.weak);
      const label = e.type + (e.count > 1 ? " ×" + e.count : "") + (e.first_seen ? " · " + String(e.first_seen).slice(0, 10) +
        (e.last_seen && String(e.last_seen).slice(0, 10) !== String(e.first_seen).slice(0, 10) ? " → " + String(e.last_seen).slice(0, 10) : "") : "");
      edges.add({ id: e.edge_id, from: e.from_entity, to: e.to_entity, label: label, arrows: look.arrows, dashes: look.dashes,
        color: look.color, width: Math.min(1 + Math.log2(e.count || 1), 6) });
    }
    relabel();
  }

  async function expand(id) {
    if (expanded.has(id)) return;
    say("Loading links…");
    const data = await api("/api/entities/" + encodeURIComponent(id) + "/neighbours?limit=200");
    if (!nodes.get(id)) addNodes([data.entity]);
    info[id] = data.entity;
    const added = addNodes(data.nodes, id);
    addEdges(data.edges);
    expanded.add(id);
    applyFilters();
    say(added + " new entit" + (added === 1 ? "y" : "ies") + " around " + (data.entity.label || id) +
      (data.edges_total > data.edges.length ? " (" + data.edges.length + " of " + data.edges_total + " links shown)" : ""));
  }

  function value(text) {
    text = String(text === null || text === undefined ? "" : text);
    const span = el("span", { text: text.length > CUT ? text.slice(0, CUT - 1) + "…" : text });
    if (text.length <= CUT) return span;
    const more = el("button", { type: "button", class: "more", text: "show all (" + text.length + " characters)" });
    more.addEventListener("click", () => { span.textContent = text; more.remove(); });
    return el("span", {}, span, " ", more);
  }
  async function showSelection(id) {
    const box = clear($("#selection"));
    if (!id || !info[id]) { box.appendChild(el("p", { text: "Nothing selected." })); return; }
    const b = info[id];
    append(box, [el("p", {}, el("strong", { text: b.label || id })),
      el("p", { text: (b.entity_type || "") + " · " + id }),
      el("p", {}, el("a", { href: entityHref(id), text: "Open entity page" })),
      el("p", {}, el("button", { type: "button", id: "use-from", text: "Path from" }), " ",
        el("button", { type: "button", id: "use-to", text: "Path to" }))]);
    $("#use-from").addEventListener("click", () => { $("#path-from").value = id; });
    $("#use-to").addEventListener("click", () => { $("#path-to").value = id; });
    const detail = await api("/api/entities/" + encodeURIComponent(id) + "?" + query({ max_mentions: 20, waterfalls: 0 }));
    const records = el("ol", { class: "case-records", id: "selection-records" });
    for (const m of detail.mentions) {
      const attrs = el("dl", { class: "raw" });
      for (const [k, v] of Object.entries(m.record || {})) { attrs.appendChild(el("dt", { text: k })); attrs.appendChild(el("dd", {}, value(v))); }
      records.appendChild(el("li", { "data-record-id": m.record_id || "" },
        el("strong", { class: "record-id", text: m.record_id || "(no record id)" }),
        " · " + [m.date, m.agency, m.file, "row " + m.row].filter((x) => x).join(" · "), attrs));
    }
    append(box, [el("h3", { text: "Case records (" + detail.mentions.length + " of " + detail.mentions_total + ")" }), records]);
  }

  network.on("click", (params) => {
    if (!params.nodes.length) return;
    const id = params.nodes[0];
    showSelection(id).catch((e) => say(e.message, "error"));
    expand(id).catch((e) => say(e.message, "error"));
  });
  network.on("doubleClick", (params) => { if (params.nodes.length) location.assign(entityHref(params.nodes[0])); });

  /* a typed name: its entity id; several entities match → the analyst chooses in a list */
  function choose(text, hits, target) {
    const box = clear($("#choices"));
    box.hidden = false;
    return new Promise((resolve, reject) => {
      box.appendChild(el("p", { text: hits.length + " entities match \u201c" + text + "\u201d: choose one (" + target + ")" }));
      const ol = el("ol", { class: "choice-list" });
      hits.forEach((hit) => {
        const b = el("button", { type: "button", class: "choice", "data-entity": hit.entity_id,
          text: (hit.label || hit.entity_id) + " · " + (hit.entity_type || "") + " · " + hit.entity_id + " · " +
            (hit.mentions || 0) + " mention(s) · " + (hit.agencies || "") });
        b.addEventListener("click", () => { box.hidden = true; clear(box); resolve(hit.entity_id); });
        ol.appendChild(el("li", {}, b));
      });
      const cancel = el("button", { type: "button", text: "Cancel" });
      cancel.addEventListener("click", () => { box.hidden = true; clear(box); reject(new Error("no entity chosen")); });
      append(box, [ol, cancel]);
    });
  }
  async function resolveEntity(text, target) {
    const t = text.trim();
    if (ID_LIKE.test(t)) return t;
    const data = await api("/api/search?" + query({ q: t, limit: 10 }));
    if (!data.results.length) throw new Error("no entity found for the text given");
    if (data.results.length === 1) return data.results[0].entity_id;
    return choose(t, data.results, target);
  }

  function unhighlight() {
    edges.update(highlighted.edges.filter((id) => edges.get(id)).map((id) => ({ id: id, width: 1 })));
    highlighted = { nodes: [], edges: [] };
  }
  async function drawPath(fromText, toText) {
    const listBox = clear($("#path-list"));
    say("Looking for a path…");
    const from = await resolveEntity(fromText, "path from"), to = await resolveEntity(toText, "path to");
    const via = $("#path-avoid-places").checked ? ["person", "phone", "vehicle", "company", "container"] : [];
    const data = await api("/api/path?" + query({ from: from, to: to, via: via }));
    unhighlight();
    if (!data.found) { say("No path between these two entities" + (via.length ? " (not through places)." : "."), "error"); return; }
    const positions = nodes.length ? network.getPositions() : {};
    const ys = Object.values(positions).map((p) => p.y);
    const baseY = ys.length ? Math.max(...ys) + 160 : 0;
    data.nodes.forEach((b, i) => {
      info[b.entity_id] = info[b.entity_id] || b;
      if (!nodes.get(b.entity_id)) nodes.add({ id: b.entity_id, x: (i - (data.nodes.length - 1) / 2) * 180, y: baseY, ctxRenderer: renderer, size: 14 });
    });
    addEdges(data.edges);
    highlighted = { nodes: data.nodes.map((n) => n.entity_id), edges: data.edges.map((e) => e.edge_id) };
    edges.update(highlighted.edges.map((id) => ({ id: id, width: 4 })));
    data.nodes.forEach((n, i) => {
      const step = data.edges.filter((e) => i + 1 < data.nodes.length &&
        [e.from_entity, e.to_entity].includes(n.entity_id) && [e.from_entity, e.to_entity].includes(data.nodes[i + 1].entity_id));
      const rel = step.map((e) => e.type + " (" + evidenceList(e.evidence, e.evidence_total) + ")").join("; ");
      listBox.appendChild(el("li", { class: "path-node", "data-entity": n.entity_id }, entityLink(n),
        " ", el("span", { class: "type", text: n.entity_type || "" }), rel ? el("div", { class: "path-step", text: "↓ " + rel }) : null));
    });
    applyFilters();
    network.fit({ nodes: highlighted.nodes, animation: false });
    say("Path of " + data.hops + " hop(s).");
  }

  $("#focus-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    resolveEntity($("#focus").value, "add to chart").then((id) => expand(id).then(() => { network.fit(); return showSelection(id); }))
      .catch((e) => say(e.message, "error"));
  });
  $("#path-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    drawPath($("#path-from").value, $("#path-to").value).catch((e) => say(e.message, "error"));
  });
  $("#chart-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    filters.agency = $("#c-agency").value; filters.from = $("#c-from").value; filters.to = $("#c-to").value;
    applyFilters();
  });
  $("#chart-filters").addEventListener("reset", () => { setTimeout(() => { filters.agency = filters.from = filters.to = ""; applyFilters(); }, 0); });
  $("#clear-chart").addEventListener("click", () => {
    nodes.clear(); edges.clear(); expanded.clear(); highlighted = { nodes: [], edges: [] };
    Object.keys(edgeInfo).forEach((k) => delete edgeInfo[k]);
    clear($("#path-list")); counts(); showSelection(null);
  });
  const legend = $("#legend");
  for (const type of ["person", "phone", "vehicle", "company", "container", "place", "dealing_point"]) {
    const c = el("canvas", { class: "legend-icon", "data-type": type, "data-colour": G.entityStyle(vocab, type).colour });
    c.width = c.height = 20;
    c.getContext("2d").drawImage(G.bitmap(vocab, type), 0, 0, 20, 20);
    legend.appendChild(el("li", {}, c, " " + G.entityStyle(vocab, type).name));
  }

  window.lgChart = { network: network, nodes: nodes, edges: edges, expand: expand, drawPath: drawPath, info: info,
    resolveEntity: resolveEntity, applyFilters: applyFilters, ring: ringOf, view: { nodes: nodeView, edges: edgeView } };
  const params = new URLSearchParams(location.search);
  if (params.get("from")) $("#path-from").value = params.get("from");
  if (params.get("to")) $("#path-to").value = params.get("to");
  const first = params.get("focus") ? Promise.resolve(params.get("focus")) :
    api("/api/targets?n=1").then((d) => (d.targets.length ? d.targets[0].entity_id : null)).catch(() => null);
  first.then((id) => (id ? expand(id).then(() => { network.fit(); return showSelection(id); }) : null))
    .catch((e) => say(e.message, "error"))
    .finally(() => { counts(); document.body.dataset.ready = "1"; });
};

/* The offline link chart: vis-network without physics (positions computed in Python), icons and
   colours of the shared vocabulary (glyphs.js), labels placed by importance without overlap,
   filters (type, agency, period), search, the detail panel, the time bar and the save/print tools.
   Every string goes into the page through textContent. */
(function () {
  "use strict";
  var started = performance.now();
  var pristine = document.documentElement.outerHTML;  // before any change: "save as HTML" starts from it
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var vocab = JSON.parse(document.getElementById("chart-vocabulary").textContent);
  var saved = JSON.parse(document.getElementById("chart-layout").textContent || "null") || {};
  var timings = {parse: performance.now() - started};
  window.chartTimings = timings;
  var G = window.LinkgraphGlyphs;
  var NO_AGENCY = "(none)";

  function str(v) { return v === null || v === undefined ? "" : String(v); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function fold(s) { return str(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function day(s) { return s ? str(s).slice(0, 10) : ""; }
  function short(s, n) { s = str(s); return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }

  var byId = {}, degree = {};
  data.nodes.forEach(function (n) {
    if (!n.type) { n.type = "other"; }
    if (n.label === null || n.label === undefined || n.label === "") { n.label = str(n.id); }
    byId[n.id] = n;
    degree[n.id] = 0;
  });
  data.edges.forEach(function (e, i) {
    if (e.id === undefined) { e.id = "e" + i; }
    degree[e.from] = (degree[e.from] || 0) + 1; degree[e.to] = (degree[e.to] || 0) + 1;
  });
  var maxScore = 0;
  data.nodes.forEach(function (n) { if (typeof n.score === "number" && n.score > maxScore) { maxScore = n.score; } });
  function nodeSize(n) {
    if (typeof n.size === "number") { return n.size; }
    if (typeof n.score === "number" && maxScore > 0) { return 11 + 15 * Math.max(0, n.score) / maxScore; }
    return 9 + Math.min(8, 2 * Math.log(1 + (degree[n.id] || 0)));
  }
  var notes = saved.notes && typeof saved.notes === "object" ? saved.notes : {};
  var edgeById = {};
  data.edges.forEach(function (e) { edgeById[e.id] = e; });

  var ctx = {data: data, byId: byId, notes: notes, style: function (kind) { return G.entityStyle(vocab, kind); }};
  var savedPos = saved.positions || {};
  var visNodes = data.nodes.map(function (n) {
    var item = {id: n.id, shape: "custom", size: nodeSize(n), ctxRenderer: null};
    var p = savedPos[n.id];
    if (p && typeof p[0] === "number") { item.x = p[0]; item.y = p[1]; }
    else if (typeof n.x === "number" && typeof n.y === "number") { item.x = n.x; item.y = n.y; }
    return item;
  });
  var renderer = G.renderer(vocab, function (id) { return byId[id] ? byId[id].type : "other"; },
    function (id) { return notes[id] ? "#d69e2e" : (byId[id] && byId[id].on_path ? "#111111" : null); });
  visNodes.forEach(function (item) { item.ctxRenderer = renderer; });
  var visEdges = data.edges.map(function (e) {
    var look = G.edgeLook(vocab, e.type, e.inferred, e.directed, e.weak);
    return {
      id: e.id, from: e.from, to: e.to, label: short(e.label || e.type, 48),
      width: Math.min(8, 1 + Math.log(Math.max(1, e.count || 1)) / Math.LN2) * (e.on_path ? 2 : 1),
      arrows: look.arrows, dashes: look.dashes, color: e.on_path ? {color: "#111111", highlight: "#000000"} : look.color
    };
  });

  // filters: entity type, agency, period (overlap of [first_seen, last_seen] with [from, to])
  var state = {types: {}, agencies: {}, from: "", to: ""};
  var typeNames = [], agencyNames = [];
  data.nodes.forEach(function (n) {
    if (typeNames.indexOf(n.type) < 0) { typeNames.push(n.type); }
    (n.agencies && n.agencies.length ? n.agencies : [NO_AGENCY]).forEach(function (a) { if (agencyNames.indexOf(a) < 0) { agencyNames.push(a); } });
  });
  data.edges.forEach(function (e) { (e.agencies || []).forEach(function (a) { if (agencyNames.indexOf(a) < 0) { agencyNames.push(a); } }); });
  typeNames.sort(); agencyNames.sort();
  typeNames.forEach(function (t) { state.types[t] = true; });
  agencyNames.forEach(function (a) { state.agencies[a] = true; });

  function inRange(item) {
    var first = day(item.first_seen), last = day(item.last_seen) || first;
    if (state.from && last && last < state.from) { return false; }
    if (state.to && first && first > state.to) { return false; }
    return true;
  }
  function agencyOk(list) {
    if (!list || !list.length) { return state.agencies[NO_AGENCY] !== false; }
    for (var i = 0; i < list.length; i++) { if (state.agencies[list[i]]) { return true; } }
    return false;
  }
  var shownNode = {}, shownEdge = {};
  function computeVisibility() {
    var nn = 0, ne = 0;
    data.nodes.forEach(function (n) {
      var ok = state.types[n.type] !== false && agencyOk(n.agencies) && inRange(n);
      shownNode[n.id] = ok;
      if (ok) { nn++; }
    });
    data.edges.forEach(function (e) {
      var ok = !!shownNode[e.from] && !!shownNode[e.to] && agencyOk(e.agencies) && inRange(e);
      shownEdge[e.id] = ok;
      if (ok) { ne++; }
    });
    return {nodes: nn, edges: ne};
  }
  var counts = computeVisibility();

  timings.items = performance.now() - started;
  var nodeSet = new vis.DataSet(visNodes);
  var edgeSet = new vis.DataSet(visEdges);
  var nodeView = new vis.DataView(nodeSet, {filter: function (item) { return !!shownNode[item.id]; }});
  var edgeView = new vis.DataView(edgeSet, {filter: function (item) { return !!shownEdge[item.id]; }});
  var container = document.getElementById("chart");
  // big charts: edges drawn as batched plain lines while panning or zooming (glyphs.fastEdges)
  var big = data.edges.length > 600 || data.nodes.length > 800;
  var options = {
    autoResize: true,
    physics: {enabled: false},
    layout: {improvedLayout: false, randomSeed: 1},
    interaction: {hover: true, hideEdgesOnDrag: big, hideEdgesOnZoom: big, keyboard: false,
                  navigationButtons: false, multiselect: true, tooltipDelay: 3600000},
    nodes: {borderWidth: 0},
    edges: {smooth: false, selectionWidth: 1.5, hoverWidth: 0.5,
            font: {size: 9, face: "system-ui, sans-serif", color: "#4a5560", strokeWidth: 2, align: "middle"},
            arrows: {to: {scaleFactor: 0.5}}}
  };
  var network = new vis.Network(container, {nodes: nodeView, edges: edgeView}, options);
  window.chartNetwork = network;
  ctx.network = network;
  window.chartFastEdges = big ? G.fastEdges(network, vocab, function (id) { return byId[id] ? byId[id].type : "other"; }) : null;
  timings.network = performance.now() - started;

  // labels: selection and search hits first, then by score, then by number of links
  var importance = data.nodes.slice().sort(function (a, b) {
    var sa = typeof a.score === "number" ? a.score : -1, sb = typeof b.score === "number" ? b.score : -1;
    return (sb - sa) || ((degree[b.id] || 0) - (degree[a.id] || 0)) || (a.id < b.id ? -1 : 1);
  }).map(function (n) { return {id: n.id, text: short(n.label, 32) + (notes[n.id] ? " \u270E" : "")}; });
  var forcedIds = [];
  window.chartLabels = G.labeler(network, importance, {forced: function () {
    return forcedIds.map(function (id) { return {id: id, text: short(byId[id] ? byId[id].label : id, 32)}; });
  }});

  var status = document.getElementById("chart-status");
  function say(text) { status.textContent = text; }
  ctx.say = say;
  function report(c) {
    say(c.nodes + " / " + data.nodes.length + " entities, " + c.edges + " / " + data.edges.length + " links shown");
    window.chartStats.visibleNodes = c.nodes; window.chartStats.visibleEdges = c.edges;
  }
  window.chartStats = {nodes: data.nodes.length, edges: data.edges.length, visibleNodes: counts.nodes,
                       visibleEdges: counts.edges, ms: null, buildMs: null};
  report(counts);
  network.once("afterDrawing", function () {
    var now = performance.now();
    window.chartStats.ms = now;
    window.chartStats.buildMs = now - started;
    timings.drawn = now - started;
    window.chartReady = true;
    document.body.setAttribute("data-chart-ready", "true");
  });
  function applyFilters() {
    var c = computeVisibility();
    nodeView.refresh();
    edgeView.refresh();
    report(c);
  }

  // detail panel: a click on a node or an edge opens it
  var panel = new window.LinkgraphPanel(ctx);
  ctx.panel = panel;
  var timeline = null;
  ctx.setNote = function (id, text) {
    if (text) { notes[id] = text; } else { delete notes[id]; }
    network.redraw();
  };
  network.on("click", function (ev) {
    if (ev.nodes.length && byId[ev.nodes[0]]) {
      panel.showNode(byId[ev.nodes[0]]);
      forcedIds = [ev.nodes[0]];
      if (timeline) { timeline.setFocus(ev.nodes[0]); }
    } else if (ev.edges.length && edgeById[ev.edges[0]]) {
      panel.showEdge(edgeById[ev.edges[0]]);
    }
  });
  ctx.openEvent = function (ev) {
    var ids = (ev.nodes || []).filter(function (id) { return shownNode[id]; });
    network.selectNodes(ids, false);
    if (ev.edge && shownEdge[ev.edge]) { network.selectEdges([ev.edge]); }
    forcedIds = ids;
    var rec = null, pool = ev.edge && edgeById[ev.edge] ? edgeById[ev.edge].records || [] : [];
    (ev.nodes || []).forEach(function (id) { pool = pool.concat(byId[id] ? byId[id].provenance || [] : []); });
    pool.forEach(function (r) { if (!rec && r.source === ev.source && String(r.row) === String(ev.row)) { rec = r; } });
    panel.showRecord(ev, rec);
  };

  // time bar: brushing a period filters the chart
  var from = document.getElementById("date-from"), to = document.getElementById("date-to");
  ctx.setPeriod = function (a, b) {
    from.value = a || ""; to.value = b || ""; state.from = from.value; state.to = to.value;
    applyFilters();
  };
  ctx.period = function () { return state.from || state.to ? [state.from, state.to] : null; };
  timeline = new window.LinkgraphTimeline(ctx, (data.meta && data.meta.events) || []);
  ctx.timeline = timeline;
  window.chartTimeline = timeline;

  // legend doubling as the entity type filter; agency filter
  function checkbox(parent, value, labelText, swatch, checked, onChange) {
    var label = el("label", "check");
    var input = el("input");
    input.type = "checkbox";
    input.checked = checked;
    input.value = value;
    input.addEventListener("change", function () { onChange(input.checked); });
    label.appendChild(input);
    if (swatch) { label.appendChild(swatch); }
    label.appendChild(el("span", null, labelText));
    parent.appendChild(label);
    return input;
  }
  function iconCanvas(kind) {
    var c = el("canvas", "swatch");
    c.width = c.height = 32;
    c.getContext("2d").drawImage(G.bitmap(vocab, kind), 0, 0, 32, 32);
    c.setAttribute("data-colour", G.entityStyle(vocab, kind).colour);
    return c;
  }
  var typeBox = document.getElementById("filter-types");
  var typeCounts = {};
  data.nodes.forEach(function (n) { typeCounts[n.type] = (typeCounts[n.type] || 0) + 1; });
  typeNames.forEach(function (t) {
    checkbox(typeBox, t, G.entityStyle(vocab, t).name + " (" + typeCounts[t] + ")", iconCanvas(t), true,
      function (on) { state.types[t] = on; applyFilters(); }).setAttribute("data-filter", "type");
  });
  var agencyBox = document.getElementById("filter-agencies");
  agencyNames.forEach(function (a) {
    var sw = el("span", "agency-chip");
    sw.style.background = (vocab.agencies || {})[a] || "#888888";
    checkbox(agencyBox, a, a, sw, true, function (on) { state.agencies[a] = on; applyFilters(); })
      .setAttribute("data-filter", "agency");
  });
  var meta = data.meta || {};
  [from, to].forEach(function (input) {
    if (meta.date_min) { input.min = day(meta.date_min); }
    if (meta.date_max) { input.max = day(meta.date_max); }
    input.addEventListener("change", function () { state.from = from.value; state.to = to.value; applyFilters(); });
  });
  document.getElementById("reset-filters").addEventListener("click", function () {
    typeNames.forEach(function (t) { state.types[t] = true; });
    agencyNames.forEach(function (a) { state.agencies[a] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("#panel input[type=checkbox]"), function (c) { c.checked = true; });
    timeline.brush = null;
    ctx.setPeriod("", "");
    if (timeline.events.length) { timeline.draw(); }
    network.fit({animation: false});
  });

  // search: label, id or a record id (procedure, seizure number); matches selected and brought into view
  var folded = data.nodes.map(function (n) {
    var recs = (n.provenance || []).map(function (p) { return fold(p.record_id); }).join("\u0000");
    return {id: n.id, text: fold(n.label) + "\u0000" + fold(n.id) + "\u0000" + recs};
  });
  var search = document.getElementById("chart-search");
  var result = document.getElementById("search-result");
  var timer = null;
  function runSearch() {
    var q = fold(search.value).trim();
    if (!q) { network.unselectAll(); result.textContent = ""; window.chartSearch = []; forcedIds = []; network.redraw(); return; }
    var hits = folded.filter(function (f) { return shownNode[f.id] && f.text.indexOf(q) >= 0; }).map(function (f) { return f.id; });
    window.chartSearch = hits;
    forcedIds = hits.slice(0, 200);
    result.textContent = hits.length ? hits.length + " match(es)" : "no match";
    network.selectNodes(hits.slice(0, 500), false);
    if (hits.length === 1) { network.focus(hits[0], {scale: 1.2, animation: false}); }
    else if (hits.length > 1) { network.fit({nodes: hits.slice(0, 500), animation: false}); }
  }
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(runSearch, 150); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { clearTimeout(timer); runSearch(); } });

  // saved layouts: positions, notes, period
  ctx.applyLayout = function (layout) {
    if (!layout || layout.format !== "linkgraph-chart-layout") { throw new Error("not a layout"); }
    var pos = layout.positions || {};
    nodeSet.update(Object.keys(pos).filter(function (id) { return byId[id]; }).map(function (id) {
      return {id: id, x: pos[id][0], y: pos[id][1]};
    }));
    Object.keys(notes).forEach(function (k) { delete notes[k]; });
    Object.keys(layout.notes || {}).forEach(function (k) { if (byId[k]) { notes[k] = String(layout.notes[k]); } });
    if (layout.period) { timeline.brush = layout.period; ctx.setPeriod(layout.period[0], layout.period[1]); if (timeline.events.length) { timeline.draw(); } }
    network.redraw();
  };
  new window.LinkgraphTools(ctx, pristine);
  window.chartContext = ctx;
  if (saved.period) { timeline.brush = saved.period; ctx.setPeriod(saved.period[0], saved.period[1]); if (timeline.events.length) { timeline.draw(); } }

  var info = document.getElementById("chart-meta");
  var sel = meta.selection || {};
  var parts = [];
  if (sel.ego) { parts.push("around " + sel.ego + " (" + sel.depth + " hop(s))"); }
  if (sel.path) { parts.push("path " + sel.path.join(" \u2192 ")); }
  if (sel.top) { parts.push("top " + sel.top + " targets"); }
  if (sel.community !== undefined && sel.community !== null) { parts.push("organisation " + (Array.isArray(sel.community) ? sel.community.length + " members" : sel.community)); }
  if (sel.entity_ids) { parts.push(sel.entity_ids.length + " chosen entities"); }
  if (meta.date_min) { parts.push("facts " + meta.date_min + " \u2192 " + str(meta.date_max)); }
  info.textContent = parts.join(" \u00B7 ");
  document.getElementById("icon-source").textContent = "Icons: " + str(vocab.icon_source);
})();

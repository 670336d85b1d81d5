"""The link chart's own stylesheet and script (no template engine, no CDN).

The script reads the chart data from ``<script type="application/json" id="chart-data">`` with
``JSON.parse`` and writes every data string with ``textContent``; tooltips are DOM elements.
"""
from __future__ import annotations

CHART_CSS = r"""*{box-sizing:border-box}
html,body{margin:0;height:100%;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fafafa}
header{display:flex;align-items:baseline;gap:16px;padding:6px 12px;border-bottom:1px solid #ddd;background:#fff;height:44px}
header h1{font-size:16px;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:60%}
#chart-status{color:#555}
#main{display:flex;height:calc(100% - 44px)}
#panel{width:250px;flex:none;overflow:auto;padding:8px 10px;border-right:1px solid #ddd;background:#fff}
#panel fieldset{border:1px solid #e2e2e2;margin:8px 0;padding:4px 8px}
#panel legend{font-weight:600;padding:0 4px}
#panel label.check{display:flex;align-items:center;gap:5px;cursor:pointer}
#panel label.check span{min-width:0;overflow-wrap:anywhere}
#panel input[type=search]{width:100%;padding:4px}
#panel input[type=date]{width:100%;margin:2px 0}
.swatch{display:inline-block;width:16px;text-align:center;font-size:14px}
#search-result,#chart-meta{color:#555;min-height:1.2em;margin:3px 0}
#chart{flex:1;position:relative;min-width:0;background:#fff}
.vis-network{position:relative;overflow:hidden}
.vis-network:focus{outline:none}
div.vis-tooltip{position:absolute;visibility:hidden;z-index:5;pointer-events:none;max-width:420px;padding:6px 8px;
background:#fffdf2;border:1px solid #9a9a9a;border-radius:3px;box-shadow:2px 2px 8px rgba(0,0,0,.18);
font:12px/1.35 system-ui,sans-serif;color:#1b1b1b;white-space:normal;overflow-wrap:anywhere}
.tip-title{font-weight:700;margin-bottom:3px}
.tip-key{color:#666}
.tip-sub{margin-top:4px;font-weight:600;color:#444}
.tip-list{margin:2px 0 0 16px;padding:0}
.tip-more{color:#777;font-style:italic}
.tip-evidence{font-family:ui-monospace,monospace;font-size:11px}
"""

CHART_JS = r"""(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var timings = {parse: performance.now() - started};
  window.chartTimings = timings;
  var TYPES = {
    person: {shape: "dot", color: "#d1495b", symbol: "\u25CF", name: "person"},
    phone: {shape: "triangle", color: "#2e86ab", symbol: "\u25B2", name: "phone"},
    vehicle: {shape: "square", color: "#3f9b4f", symbol: "\u25A0", name: "vehicle"},
    company: {shape: "diamond", color: "#7b5ea7", symbol: "\u25C6", name: "company"},
    container: {shape: "hexagon", color: "#8d6a4f", symbol: "\u2B22", name: "container"},
    place: {shape: "star", color: "#f0a202", symbol: "\u2605", name: "place"},
    other: {shape: "dot", color: "#888888", symbol: "\u25CF", name: "other"}
  };
  var NO_AGENCY = "(none)";

  function typeOf(kind) { return Object.prototype.hasOwnProperty.call(TYPES, kind) ? TYPES[kind] : TYPES.other; }
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
  function line(box, key, value) {
    if (value === null || value === undefined || value === "") { return; }
    var row = el("div", "tip-row");
    row.appendChild(el("span", "tip-key", key + ": "));
    row.appendChild(el("span", "tip-val", value));
    box.appendChild(row);
  }
  function seen(item) {
    if (!item.first_seen && !item.last_seen) { return ""; }
    return str(item.first_seen) + (item.last_seen && item.last_seen !== item.first_seen ? " \u2192 " + str(item.last_seen) : "");
  }

  var byId = {};
  data.nodes.forEach(function (n) {
    if (!n.type) { n.type = "other"; }
    if (n.label === null || n.label === undefined || n.label === "") { n.label = str(n.id); }
    byId[n.id] = n;
  });
  var maxScore = 0;
  data.nodes.forEach(function (n) { if (typeof n.score === "number" && n.score > maxScore) { maxScore = n.score; } });

  function nodeTip(n) {
    var box = el("div", "tip");
    box.appendChild(el("div", "tip-title", n.label));
    line(box, "id", n.id);
    line(box, "type", n.type);
    if (typeof n.score === "number") { line(box, "priority score", n.score.toFixed(3) + (n.rank ? " (rank " + n.rank + ")" : "")); }
    line(box, "agencies", (n.agencies || []).join(", "));
    line(box, "seen", seen(n));
    line(box, "mentions", n.mentions);
    var attrs = n.attributes || {};
    Object.keys(attrs).forEach(function (k) { line(box, k, attrs[k]); });
    var prov = n.provenance || [];
    if (prov.length) {
      box.appendChild(el("div", "tip-sub", "provenance"));
      var list = el("ul", "tip-list");
      prov.forEach(function (p) {
        list.appendChild(el("li", null, [str(p.agency), str(p.file), "row " + str(p.row), str(p.date)].join(" \u00B7 ")));
      });
      box.appendChild(list);
      if (n.provenance_total > prov.length) { box.appendChild(el("div", "tip-more", "\u2026 " + (n.provenance_total - prov.length) + " more mention(s)")); }
    }
    return box;
  }
  function edgeTip(e) {
    var box = el("div", "tip");
    var a = byId[e.from], b = byId[e.to];
    box.appendChild(el("div", "tip-title", str(e.type)));
    line(box, "from", (a ? a.label : "") + " (" + str(e.from) + ")");
    line(box, "to", (b ? b.label : "") + " (" + str(e.to) + ")");
    line(box, "rows", e.count);
    line(box, "agencies", (e.agencies || []).join(", "));
    line(box, "classification", e.classification);
    line(box, "seen", seen(e));
    var ev = e.evidence || [];
    if (ev.length) {
      box.appendChild(el("div", "tip-sub", "evidence (source:row)"));
      box.appendChild(el("div", "tip-evidence", ev.join(", ")));
      if (e.evidence_total > ev.length) { box.appendChild(el("div", "tip-more", "\u2026 " + (e.evidence_total - ev.length) + " more")); }
    }
    return box;
  }
  function nodeSize(n) {
    if (typeof n.size === "number") { return n.size; }
    if (typeof n.score === "number" && maxScore > 0) { return 9 + 17 * Math.max(0, n.score) / maxScore; }
    return n.type === "person" ? 10 : 8;
  }

  var big = data.edges.length > 1000 || data.nodes.length > 800;
  // tooltips are built when hovered (a DOM element per item up front costs ~0.1 ms each):
  // every node shares one box that 'hoverNode' fills before vis-network shows it
  var nodeTipBox = el("div", "tip-box"), edgeTipBox = el("div", "tip-box");
  function fill(box, content) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.appendChild(content);
  }
  var edgeById = {};
  data.edges.forEach(function (e, i) { edgeById[e.id !== undefined ? e.id : "e" + i] = e; });
  var visNodes = data.nodes.map(function (n) {
    var t = typeOf(n.type);
    var item = {
      id: n.id, label: short(n.label, 40), shape: t.shape, size: nodeSize(n), title: nodeTipBox,
      color: {background: t.color, border: n.on_path ? "#111111" : t.color,
              highlight: {background: t.color, border: "#000000"}, hover: {background: t.color, border: "#000000"}},
      borderWidth: n.on_path ? 3 : 1
    };
    if (typeof n.x === "number" && typeof n.y === "number") { item.x = n.x; item.y = n.y; }
    return item;
  });
  var visEdges = data.edges.map(function (e, i) {
    return {
      id: e.id !== undefined ? e.id : "e" + i, from: e.from, to: e.to, label: str(e.type), title: edgeTipBox,
      width: Math.min(8, 1 + Math.log(Math.max(1, e.count || 1)) / Math.LN2),
      arrows: e.directed === false ? "" : "to",
      color: e.on_path ? {color: "#111111", highlight: "#000000"} : {color: "#9aa5b1", highlight: "#333333", hover: "#555555"}
    };
  });

  // filters: entity type, agency, date range (overlap of [first_seen, last_seen] with [from, to])
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
    data.edges.forEach(function (e, i) {
      var id = visEdges[i].id;
      var ok = !!shownNode[e.from] && !!shownNode[e.to] && agencyOk(e.agencies) && inRange(e);
      shownEdge[id] = ok;
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
  var options = {
    autoResize: true,
    physics: {enabled: false},
    layout: {improvedLayout: false, randomSeed: 1},
    interaction: {hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, keyboard: false,
                  navigationButtons: false, multiselect: true},
    nodes: {borderWidth: 1, borderWidthSelected: 4, font: {size: 12, face: "sans-serif", color: "#1b1b1b"},
            scaling: {label: {enabled: false, drawThreshold: 6}}},
    edges: {smooth: false, selectionWidth: 1.5, hoverWidth: 0.5,
            font: {size: 9, face: "sans-serif", color: "#4a5560", strokeWidth: 2, align: "middle"},
            arrows: {to: {scaleFactor: 0.5}}}
  };
  var network = new vis.Network(container, {nodes: nodeView, edges: edgeView}, options);
  window.chartNetwork = network;
  network.on("hoverNode", function (ev) { if (byId[ev.node]) { fill(nodeTipBox, nodeTip(byId[ev.node])); } });
  network.on("hoverEdge", function (ev) { if (edgeById[ev.edge]) { fill(edgeTipBox, edgeTip(edgeById[ev.edge])); } });
  timings.network = performance.now() - started;

  var status = document.getElementById("chart-status");
  function report(c) {
    status.textContent = c.nodes + " / " + data.nodes.length + " entities, " + c.edges + " / " + data.edges.length + " links shown";
    if (window.chartStats) { window.chartStats.visibleNodes = c.nodes; window.chartStats.visibleEdges = c.edges; }
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
  var typeBox = document.getElementById("filter-types");
  var typeCounts = {};
  data.nodes.forEach(function (n) { typeCounts[n.type] = (typeCounts[n.type] || 0) + 1; });
  typeNames.forEach(function (t) {
    var sw = el("span", "swatch", typeOf(t).symbol);
    sw.style.color = typeOf(t).color;
    checkbox(typeBox, t, t + " (" + typeCounts[t] + ")", sw, true, function (on) { state.types[t] = on; applyFilters(); })
      .setAttribute("data-filter", "type");
  });
  var agencyBox = document.getElementById("filter-agencies");
  agencyNames.forEach(function (a) {
    checkbox(agencyBox, a, a, null, true, function (on) { state.agencies[a] = on; applyFilters(); })
      .setAttribute("data-filter", "agency");
  });
  var from = document.getElementById("date-from"), to = document.getElementById("date-to");
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
    from.value = ""; to.value = ""; state.from = ""; state.to = "";
    applyFilters();
    network.fit({animation: false});
  });

  // search: label or id, accent- and case-insensitive; matches are selected and brought into view
  var folded = data.nodes.map(function (n) { return {id: n.id, text: fold(n.label) + "\u0000" + fold(n.id)}; });
  var search = document.getElementById("chart-search");
  var result = document.getElementById("search-result");
  var timer = null;
  function runSearch() {
    var q = fold(search.value).trim();
    if (!q) { network.unselectAll(); result.textContent = ""; window.chartSearch = []; return; }
    var hits = folded.filter(function (f) { return shownNode[f.id] && f.text.indexOf(q) >= 0; }).map(function (f) { return f.id; });
    window.chartSearch = hits;
    result.textContent = hits.length ? hits.length + " match(es)" : "no match";
    network.selectNodes(hits.slice(0, 500), false);
    if (hits.length === 1) { network.focus(hits[0], {scale: 1.2, animation: false}); }
    else if (hits.length > 1) { network.fit({nodes: hits.slice(0, 500), animation: false}); }
  }
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(runSearch, 150); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { clearTimeout(timer); runSearch(); } });

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
})();
"""

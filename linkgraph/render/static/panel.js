/* The chart's detail panel: opened by a click on a node, an edge or a timeline event; plain DOM text
   (selectable, copyable), case records with their record ids, long values cut with "show all". */
(function (root) {
  "use strict";
  var CUT = 240;
  function str(v) { return v === null || v === undefined ? "" : String(v); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  /* a value cut at CUT characters, with a button that shows the whole text */
  function value(text) {
    text = str(text);
    var span = el("span", "val", text.length > CUT ? text.slice(0, CUT - 1) + "\u2026" : text);
    if (text.length <= CUT) { return span; }
    var wrap = el("span");
    var more = el("button", "more", "show all (" + text.length + " characters)");
    more.type = "button";
    more.addEventListener("click", function () {
      var open = more.getAttribute("data-open") === "1";
      span.textContent = open ? text.slice(0, CUT - 1) + "\u2026" : text;
      more.textContent = open ? "show all (" + text.length + " characters)" : "show less";
      more.setAttribute("data-open", open ? "0" : "1");
    });
    wrap.appendChild(span); wrap.appendChild(more);
    return wrap;
  }
  function row(dl, key, v) {
    if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) { return; }
    dl.appendChild(el("dt", null, key));
    var dd = el("dd");
    dd.appendChild(value(Array.isArray(v) ? v.join(", ") : v));
    dl.appendChild(dd);
  }
  function seen(item) {
    if (!item.first_seen && !item.last_seen) { return ""; }
    return str(item.first_seen) + (item.last_seen && item.last_seen !== item.first_seen ? " \u2192 " + str(item.last_seen) : "");
  }
  /* one case record: record id, date, agency, file and row, then its attributes */
  function record(rec) {
    var box = el("div", "record");
    box.setAttribute("data-record-id", str(rec.record_id));
    var head = el("div", "record-head");
    head.appendChild(el("b", "record-id", rec.record_id ? rec.record_id : "(no record id)"));
    head.appendChild(el("span", "record-where", " \u00B7 " + [str(rec.date), str(rec.agency), str(rec.file || rec.source),
      "row " + str(rec.row)].filter(function (s) { return s; }).join(" \u00B7 ")));
    box.appendChild(head);
    var dl = el("dl", "record-attrs");
    var attrs = rec.attributes || {};
    Object.keys(attrs).forEach(function (k) { row(dl, k, attrs[k]); });
    box.appendChild(dl);
    return box;
  }

  function Panel(ctx) {
    this.ctx = ctx;
    this.box = document.getElementById("detail");
    this.body = document.getElementById("detail-body");
    var self = this;
    document.getElementById("detail-close").addEventListener("click", function () { self.close(); });
    document.getElementById("detail-copy").addEventListener("click", function () { self.copy(); });
  }
  Panel.prototype.open = function (title, kind) {
    while (this.body.firstChild) { this.body.removeChild(this.body.firstChild); }
    this.box.hidden = false;
    this.box.setAttribute("data-kind", kind);
    var h = el("h2", "detail-title", title);
    this.body.appendChild(h);
    return this.body;
  };
  Panel.prototype.close = function () { this.box.hidden = true; this.current = null; };
  Panel.prototype.copy = function () {
    var text = this.body.innerText;
    var done = function () { document.getElementById("detail-copy").textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
    var range = document.createRange();
    range.selectNodeContents(this.body);
    var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selection stays for Ctrl+C */ }
  };
  Panel.prototype.records = function (body, list, total, what) {
    body.appendChild(el("h3", null, "Case records" + (total > list.length ? " (" + list.length + " of " + total + " " + what + ")" : "")));
    if (!list.length) { body.appendChild(el("p", "none", "no source row")); }
    list.forEach(function (rec) { body.appendChild(record(rec)); });
  };
  Panel.prototype.showNode = function (n) {
    var ctx = this.ctx, style = ctx.style(n.type);
    this.current = {node: n.id};
    var body = this.open(n.label, "node");
    var dl = el("dl", "facts");
    row(dl, "type", style.name);
    row(dl, "id", n.id);
    if (typeof n.score === "number") { row(dl, "priority score", n.score.toFixed(3) + (n.rank ? " (rank " + n.rank + ")" : "")); }
    row(dl, "agencies", n.agencies || []);
    row(dl, "seen", seen(n));
    row(dl, "mentions", n.mentions);
    var attrs = n.attributes || {};
    Object.keys(attrs).forEach(function (k) { row(dl, k, attrs[k]); });
    body.appendChild(dl);
    this.records(body, n.provenance || [], n.provenance_total || 0, "mentions");
    this.note(body, n.id);
  };
  Panel.prototype.showEdge = function (e) {
    var ctx = this.ctx, a = ctx.byId[e.from], b = ctx.byId[e.to];
    this.current = {edge: e.id};
    var body = this.open(e.label || str(e.type), "edge");
    var dl = el("dl", "facts");
    row(dl, "relation", str(e.type) + (e.inferred ? " (inferred)" : ""));
    row(dl, "from", (a ? a.label + " " : "") + "(" + e.from + ")");
    row(dl, "to", (b ? b.label + " " : "") + "(" + e.to + ")");
    row(dl, "rows", e.count);
    row(dl, "seen", seen(e));
    row(dl, "agencies", e.agencies || []);
    row(dl, "classification", e.classification);
    if (e.grade) row(dl, "grade", e.grade_text || e.grade);
    body.appendChild(dl);
    this.records(body, e.records || [], e.evidence_total || 0, "rows");
  };
  Panel.prototype.showEvents = function (title, events) {
    var ctx = this.ctx;
    var body = this.open(title, "events");
    var list = el("ol", "events");
    events.slice(0, 300).forEach(function (ev) {
      var li = el("li");
      var b = el("button", "event", str(ev.t).replace("T", " ").slice(0, 16) + " \u00B7 " + ev.kind +
        (ev.record_id ? " \u00B7 " + ev.record_id : "") + " \u00B7 " + ev.source + ":" + ev.row);
      b.type = "button";
      b.addEventListener("click", function () { ctx.openEvent(ev); });
      li.appendChild(b);
      list.appendChild(li);
    });
    body.appendChild(list);
    if (events.length > 300) { body.appendChild(el("p", "none", "\u2026 " + (events.length - 300) + " more")); }
  };
  Panel.prototype.showRecord = function (ev, rec) {
    var body = this.open(ev.kind + " " + str(ev.t).replace("T", " ").slice(0, 16), "event");
    var dl = el("dl", "facts");
    var ctx = this.ctx;
    row(dl, "entities", (ev.nodes || []).map(function (id) { return ctx.byId[id] ? ctx.byId[id].label + " (" + id + ")" : id; }));
    body.appendChild(dl);
    body.appendChild(record(rec || {source: ev.source, row: ev.row, record_id: ev.record_id, date: ev.t, attributes: {}}));
  };
  Panel.prototype.note = function (body, id) {
    var ctx = this.ctx;
    body.appendChild(el("h3", null, "Annotation"));
    var area = el("textarea", "note");
    area.id = "note-text";
    area.rows = 3;
    area.maxLength = 4000;
    area.value = ctx.notes[id] || "";
    area.addEventListener("input", function () { ctx.setNote(id, area.value); });
    body.appendChild(area);
  };
  root.LinkgraphPanel = Panel;
})(window);

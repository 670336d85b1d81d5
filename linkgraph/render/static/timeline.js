/* The chart's time bar: a histogram of the chart's dated facts (calls, sightings, procedures,
   seizures) per day or week, the selected entity's own facts drawn over it. Drag across it to brush
   a period (the chart keeps only what was seen in it); click a bar to list its events. */
(function (root) {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var DAY = 86400000;
  function svg(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function ms(t) { var v = Date.parse(String(t).slice(0, 10) + "T00:00:00Z"); return isNaN(v) ? null : v; }
  function iso(v) { return new Date(v).toISOString().slice(0, 10); }

  function Timeline(ctx, events) {
    this.ctx = ctx;
    this.events = events.filter(function (e) { e._ms = ms(e.t); return e._ms !== null; });
    this.box = document.getElementById("timeline");
    this.unit = "day";
    this.focus = null;
    this.brush = null;
    var self = this;
    var unit = document.getElementById("timeline-unit");
    unit.addEventListener("change", function () { self.unit = unit.value; self.draw(); });
    document.getElementById("timeline-clear").addEventListener("click", function () { self.setBrush(null); });
    if (!this.events.length) { this.box.hidden = true; return; }
    this.min = this.events[0]._ms; this.max = this.events[this.events.length - 1]._ms;
    this.events.forEach(function (e) { if (e._ms < self.min) { self.min = e._ms; } if (e._ms > self.max) { self.max = e._ms; } });
    this.max += DAY;
    var span = (this.max - this.min) / DAY;
    this.unit = span > 730 ? "month" : (span > 120 ? "week" : "day");
    unit.value = this.unit;
    this.draw();
  }
  Timeline.prototype.bins = function () {
    if (this.unit === "month") {
      var a = new Date(this.min), z = new Date(this.max);
      var m0 = a.getUTCFullYear() * 12 + a.getUTCMonth(), m1 = z.getUTCFullYear() * 12 + z.getUTCMonth();
      return {start: Date.UTC(a.getUTCFullYear(), a.getUTCMonth(), 1), step: 30.4375 * DAY, n: m1 - m0 + 1, month: m0};
    }
    var step = this.unit === "week" ? 7 * DAY : DAY;
    var start = this.unit === "week" ? this.min - ((new Date(this.min).getUTCDay() + 6) % 7) * DAY : this.min;
    var n = Math.max(1, Math.ceil((this.max - start) / step));
    return {start: start, step: step, n: n};
  };
  Timeline.prototype.draw = function () {
    var self = this, area = document.getElementById("timeline-svg");
    while (area.firstChild) { area.removeChild(area.firstChild); }
    var W = Math.max(200, area.clientWidth || 800), H = 74, PAD = 18;
    var b = this.bins();
    var all = new Array(b.n).fill(0), mine = new Array(b.n).fill(0), members = {};
    var focus = this.focus;
    function binOf(e) {
      if (b.month !== undefined) { var d = new Date(e._ms); return d.getUTCFullYear() * 12 + d.getUTCMonth() - b.month; }
      return Math.min(b.n - 1, Math.floor((e._ms - b.start) / b.step));
    }
    this.events.forEach(function (e) {
      var i = binOf(e);
      all[i]++;
      (members[i] = members[i] || []).push(e);
      if (focus && e.nodes.indexOf(focus) >= 0) { mine[i]++; }
    });
    var top = Math.max.apply(null, all);
    var s = svg("svg", {width: W, height: H + PAD, viewBox: "0 0 " + W + " " + (H + PAD), role: "img"});
    var bw = W / b.n;
    this.scale = {x0: b.start, k: W / (b.n * b.step), W: W};
    for (var i = 0; i < b.n; i++) {
      if (!all[i]) { continue; }
      var h = Math.max(1, H * all[i] / top);
      var rect = svg("rect", {x: i * bw, y: H - h, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: h, "class": "bar",
                              "data-bin": i, "data-count": all[i]});
      var title = svg("title");
      title.textContent = iso(b.start + i * b.step) + ": " + all[i] + " event(s)";
      rect.appendChild(title);
      s.appendChild(rect);
      if (mine[i]) {
        var hm = Math.max(1, H * mine[i] / top);
        s.appendChild(svg("rect", {x: i * bw, y: H - hm, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: hm, "class": "bar-focus"}));
      }
    }
    // axis: about eight date ticks
    var ticks = Math.min(8, b.n);
    for (var t = 0; t <= ticks; t++) {
      var v = b.start + (b.n * b.step) * t / ticks;
      var label = svg("text", {x: Math.min(W - 32, Math.max(2, (v - b.start) * this.scale.k)), y: H + 13, "class": "tick"});
      label.textContent = iso(v);
      s.appendChild(label);
    }
    if (this.brush) {
      var x1 = (ms(this.brush[0]) - b.start) * this.scale.k, x2 = (ms(this.brush[1]) + DAY - b.start) * this.scale.k;
      s.appendChild(svg("rect", {x: x1, y: 0, width: Math.max(2, x2 - x1), height: H, "class": "brush"}));
    }
    var drag = null;
    function at(ev) { var r = s.getBoundingClientRect(); return Math.max(0, Math.min(W, ev.clientX - r.left)); }
    s.addEventListener("mousedown", function (ev) { drag = {x: at(ev)}; ev.preventDefault(); });
    s.addEventListener("mouseup", function (ev) {
      if (!drag) { return; }
      var x = at(ev), a = Math.min(drag.x, x), z = Math.max(drag.x, x);
      drag = null;
      if (z - a < 3) {  // a click: the events of that bar
        var i = Math.min(b.n - 1, Math.floor(x / bw));
        if (members[i]) { self.ctx.panel.showEvents(iso(b.start + i * b.step) + (self.unit !== "day" ? " (" + self.unit + ")" : ""), members[i]); }
        return;
      }
      self.setBrush([iso(b.start + a / self.scale.k), iso(b.start + z / self.scale.k - 1)]);
    });
    area.appendChild(s);
    var info = document.getElementById("timeline-info");
    info.textContent = this.events.length + " dated facts" + (focus ? ", " + this.events.filter(function (e) { return e.nodes.indexOf(focus) >= 0; }).length +
      " for " + (self.ctx.byId[focus] ? self.ctx.byId[focus].label : focus) : "") + (this.brush ? " \u00B7 period " + this.brush[0] + " \u2192 " + this.brush[1] : "");
  };
  /* [from, to] ISO days (inclusive) or null: filters the chart through ctx.setPeriod */
  Timeline.prototype.setBrush = function (range) {
    this.brush = range;
    this.ctx.setPeriod(range ? range[0] : "", range ? range[1] : "");
    if (this.events.length) { this.draw(); }
  };
  Timeline.prototype.setFocus = function (id) { this.focus = id; if (this.events.length) { this.draw(); } };
  root.LinkgraphTimeline = Timeline;
})(window);

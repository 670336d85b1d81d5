/* linkgraph glyphs: how an entity, a relation and a label are drawn, shared by the offline chart
   (inlined) and the explorer (served as /static/glyphs.js). The vocabulary (colours, Tabler icon
   paths, relation styles) comes from linkgraph.render.style as JSON; nothing here fetches anything.
   Icons are drawn with canvas Path2D (no image URL, so no img-src exception is needed). */
(function (root) {
  "use strict";
  var BITMAP = 96;

  function entityStyle(vocab, kind) {
    var all = vocab.entities || {};
    return Object.prototype.hasOwnProperty.call(all, kind) ? all[kind] : all.other;
  }

  // one pre-rendered bitmap per entity type: a disc of the type's colour, the white pictogram
  var bitmaps = {};
  function bitmap(vocab, kind) {
    if (bitmaps[kind]) { return bitmaps[kind]; }
    var style = entityStyle(vocab, kind);
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = BITMAP;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = style.colour;
    ctx.beginPath(); ctx.arc(BITMAP / 2, BITMAP / 2, BITMAP / 2 - 1, 0, 2 * Math.PI); ctx.fill();
    var k = BITMAP / 32;  // icon grid 24 inside a 32 box
    ctx.setTransform(k, 0, 0, k, 4 * k, 4 * k);
    ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.lineJoin = "round";
    (style.paths || []).forEach(function (d) { ctx.stroke(new Path2D(d)); });
    bitmaps[kind] = canvas;
    return canvas;
  }

  /* A vis-network ctxRenderer: the node's icon disc, a ring when selected, hovered or flagged. */
  function renderer(vocab, kindOf, ringOf) {
    return function (args) {
      var ctx = args.ctx, x = args.x, y = args.y, r = args.style.size;
      var kind = kindOf(args.id);
      return {
        drawNode: function () {
          var ring = ringOf ? ringOf(args.id) : null;
          if (args.state.selected || args.state.hover || ring) {
            ctx.beginPath(); ctx.arc(x, y, r + 3, 0, 2 * Math.PI);
            ctx.fillStyle = args.state.selected ? "#111111" : (ring || "#555555"); ctx.fill();
          }
          ctx.drawImage(bitmap(vocab, kind), x - r, y - r, 2 * r, 2 * r);
        },
        nodeDimensions: {width: 2 * r, height: 2 * r}
      };
    };
  }

  /* vis-network edge options for a relation type: colour, dashes (always for inferred links; dotted
     for links only weakly graded reports state), arrow. */
  function edgeLook(vocab, type, inferred, directed, weak) {
    var rel = vocab.relations || {};
    var base = String(type || "").split("~")[0];
    var s = Object.prototype.hasOwnProperty.call(rel, base) ? rel[base] : (vocab.other_relation || {colour: "#8a94a6", dash: []});
    var dash = inferred || String(type || "").indexOf("~inferred") >= 0 ? vocab.inferred_dash :
      (weak && vocab.weak_dash ? vocab.weak_dash : s.dash);
    return {color: {color: s.colour, highlight: "#111111", hover: "#333333", opacity: 0.85},
            dashes: dash && dash.length ? dash : false,
            arrows: directed === false ? "" : "to"};
  }

  /* Labels drawn after vis-network, in screen space, most important first, never overlapping:
     a grid of 8 px cells records the space taken. items: [{id, text}] sorted by importance;
     forced(id) → true puts a label first (selection, search hits). Budget: maxLabels, ~6 ms. */
  function labeler(network, items, opts) {
    opts = opts || {};
    var font = opts.font || "12px system-ui, sans-serif";
    var widths = {};
    var last = {placed: 0, candidates: 0};
    var kept = null;  // the labels placed at the last still frame: redrawn as they are while panning
    function draw(ctx) {
      var t0 = performance.now();
      var nodes = network.body.nodes, view = network.body.view, scale = view.scale, tr = view.translation;
      var R = network.renderer, moving = R && R.dragging && !R.zooming;
      if (moving && kept && kept.scale === scale) {
        var ratio0 = network.canvas.pixelRatio || 1;
        ctx.save();
        ctx.setTransform(ratio0, 0, 0, ratio0, 0, 0);
        ctx.font = font; ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillStyle = "#1b1b1b";
        for (var q = 0; q < kept.items.length; q++) {
          var m = nodes[kept.items[q].id];
          if (!m) { continue; }
          ctx.fillText(kept.items[q].text, m.x * scale + tr.x, m.y * scale + tr.y + (m.shape.options.size || 10) * scale + 2);
        }
        ctx.restore();
        last.ms = performance.now() - t0;
        return;
      }
      var placedItems = [];
      var canvas = ctx.canvas, ratio = network.canvas.pixelRatio || 1;
      var W = canvas.width / ratio, H = canvas.height / ratio, CELL = 8;
      var cols = Math.ceil(W / CELL) + 1, rowsN = Math.ceil(H / CELL) + 1;
      var grid = new Uint8Array(cols * rowsN);
      ctx.save();
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.font = font; ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.lineJoin = "round"; ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.92)"; ctx.fillStyle = "#1b1b1b";
      var placed = 0, tried = 0, max = opts.maxLabels || 350;
      var order = opts.forced ? opts.forced().concat(items) : items;
      var done = {};
      for (var i = 0; i < order.length && placed < max; i++) {
        var it = order[i];
        if (done[it.id]) { continue; }
        var n = nodes[it.id];
        if (!n || n.options.hidden) { continue; }
        var sx = n.x * scale + tr.x, sy = n.y * scale + tr.y;
        if (sx < -50 || sy < -30 || sx > W + 50 || sy > H + 10) { continue; }
        done[it.id] = true;
        tried++;
        if ((tried & 63) === 0 && performance.now() - t0 > (opts.budgetMs || 6)) { break; }
        var w = widths[it.text];
        if (w === undefined) { w = widths[it.text] = ctx.measureText(it.text).width; }
        var top = sy + (n.shape.options.size || 10) * scale + 2, left = sx - w / 2;
        var c0 = Math.max(0, Math.floor(left / CELL)), c1 = Math.min(cols - 1, Math.floor((left + w) / CELL));
        var r0 = Math.max(0, Math.floor(top / CELL)), r1 = Math.min(rowsN - 1, Math.floor((top + 14) / CELL));
        if (c1 < 0 || r1 < 0 || c0 >= cols || r0 >= rowsN) { continue; }
        var free = true;
        for (var r = r0; r <= r1 && free; r++) { for (var c = c0; c <= c1; c++) { if (grid[r * cols + c]) { free = false; break; } } }
        if (!free) { continue; }
        for (r = r0; r <= r1; r++) { for (c = c0; c <= c1; c++) { grid[r * cols + c] = 1; } }
        ctx.strokeText(it.text, sx, top); ctx.fillText(it.text, sx, top);
        placedItems.push(it);
        placed++;
      }
      ctx.restore();
      kept = {scale: scale, items: placedItems};
      last.placed = placed; last.candidates = tried; last.ms = performance.now() - t0;
    }
    network.on("afterDrawing", draw);
    return last;
  }

  /* Edges kept while panning and zooming a big chart: vis-network's own edge drawing (one path,
     label and arrow per edge) is too slow to follow the mouse, so it is switched off during the
     gesture (hideEdgesOnDrag/Zoom) and every shown edge is drawn here instead, as plain lines
     batched by colour (one stroke per colour); the nodes are then drawn as their bitmaps only. */
  function fastEdges(network, vocab, kindOf) {
    var stats = {frames: 0, drawn: 0};
    var r0 = network.renderer, ownNodes = r0._drawNodes;
    r0._drawNodes = function (ctx, always) {
      if (!(this.dragging || this.zooming) || !vocab) { return ownNodes.call(this, ctx, always); }
      var nodes = network.body.nodes, ids = network.body.nodeIndices;
      var a = this.canvas.DOMtoCanvas({x: -20, y: -20});
      var z = this.canvas.DOMtoCanvas({x: this.canvas.frame.canvas.clientWidth + 20, y: this.canvas.frame.canvas.clientHeight + 20});
      for (var i = 0; i < ids.length; i++) {
        var n = nodes[ids[i]];
        if (n.x < a.x || n.x > z.x || n.y < a.y || n.y > z.y) { continue; }
        var s = n.options.size || 10;
        ctx.drawImage(bitmap(vocab, kindOf(ids[i])), n.x - s, n.y - s, 2 * s, 2 * s);
      }
      return {drawExternalLabels: function () {}};
    };
    network.on("beforeDrawing", function (ctx) {
      var r = network.renderer;
      if (!r || !(r.dragging || r.zooming)) { return; }
      var edges = network.body.edges, ids = network.body.edgeIndices, groups = {};
      for (var i = 0; i < ids.length; i++) {
        var e = edges[ids[i]];
        if (!e || !e.from || !e.to || e.options.hidden) { continue; }
        var c = e.options.color && e.options.color.color || "#8a94a6";
        (groups[c] = groups[c] || []).push(e);
      }
      ctx.save();
      ctx.lineWidth = Math.max(0.6, 1 / network.body.view.scale);
      ctx.globalAlpha = 0.75;
      var n = 0;
      Object.keys(groups).forEach(function (c) {
        var list = groups[c];
        ctx.strokeStyle = c;
        ctx.beginPath();
        for (var j = 0; j < list.length; j++) { ctx.moveTo(list[j].from.x, list[j].from.y); ctx.lineTo(list[j].to.x, list[j].to.y); }
        ctx.stroke();
        n += list.length;
      });
      ctx.restore();
      stats.frames++; stats.drawn = n;
    });
    return stats;
  }

  root.LinkgraphGlyphs = {renderer: renderer, fastEdges: fastEdges, edgeLook: edgeLook, labeler: labeler, entityStyle: entityStyle, bitmap: bitmap};
})(window);

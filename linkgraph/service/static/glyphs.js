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

  /* vis-network edge options for a relation type: colour, dashes (always for inferred links), arrow. */
  function edgeLook(vocab, type, inferred, directed) {
    var rel = vocab.relations || {};
    var base = String(type || "").split("~")[0];
    var s = Object.prototype.hasOwnProperty.call(rel, base) ? rel[base] : (vocab.other_relation || {colour: "#8a94a6", dash: []});
    var dash = inferred || String(type || "").indexOf("~inferred") >= 0 ? vocab.inferred_dash : s.dash;
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
    function draw(ctx) {
      var t0 = performance.now();
      var nodes = network.body.nodes, view = network.body.view, scale = view.scale, tr = view.translation;
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
        placed++;
      }
      ctx.restore();
      last.placed = placed; last.candidates = tried; last.ms = performance.now() - t0;
    }
    network.on("afterDrawing", draw);
    return last;
  }

  root.LinkgraphGlyphs = {renderer: renderer, edgeLook: edgeLook, labeler: labeler, entityStyle: entityStyle, bitmap: bitmap};
})(window);

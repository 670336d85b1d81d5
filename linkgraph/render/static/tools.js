/* Saving and printing a chart: PNG of the canvas, PDF through the browser's print dialog, the
   layout and annotations as a JSON sidecar or inside a copy of the page, and loading a sidecar. */
(function (root) {
  "use strict";
  function download(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function stem() { return (document.title || "chart").replace(/[^\w.-]+/g, "_").slice(0, 60) || "chart"; }
  function safeJson(obj) {
    return JSON.stringify(obj).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
      .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  }

  function Tools(ctx, pristine) {
    this.ctx = ctx;
    var self = this;
    function on(id, fn) { document.getElementById(id).addEventListener("click", fn); }
    on("tool-fit", function () { ctx.network.fit({animation: false}); });
    on("tool-png", function () { self.png(); });
    on("tool-pdf", function () { self.pdf(); });
    on("tool-save", function () { download(stem() + ".layout.json", new Blob([JSON.stringify(self.layout(), null, 1)], {type: "application/json"})); });
    on("tool-html", function () { download(stem() + ".html", new Blob([self.html(pristine)], {type: "text/html"})); });
    var file = document.getElementById("tool-load");
    file.addEventListener("change", function () {
      if (!file.files || !file.files[0]) { return; }
      var reader = new FileReader();
      reader.onload = function () {
        try { ctx.applyLayout(JSON.parse(String(reader.result))); ctx.say("layout loaded"); }
        catch (e) { ctx.say("not a linkgraph layout file"); }
      };
      reader.readAsText(file.files[0]);
    });
  }
  /* positions, annotations, filters and the brushed period */
  Tools.prototype.layout = function () {
    var ctx = this.ctx, pos = ctx.network.getPositions();
    var positions = {};
    Object.keys(pos).forEach(function (id) { positions[id] = [Math.round(pos[id].x * 10) / 10, Math.round(pos[id].y * 10) / 10]; });
    return {format: "linkgraph-chart-layout", version: 1, saved: new Date().toISOString(), positions: positions,
            notes: ctx.notes, period: ctx.period(), view: {scale: ctx.network.getScale(), position: ctx.network.getViewPosition()}};
  };
  /* the page as it was loaded, with the layout element holding the current layout */
  Tools.prototype.html = function (pristine) {
    var head = "<" + 'script type="application/json" id="chart-layout">';
    var start = pristine.indexOf(head);
    var end = pristine.indexOf("<\/script>", start);
    if (start < 0 || end < 0) { return pristine; }
    return "<!DOCTYPE html>\n" + pristine.slice(0, start) + head + safeJson(this.layout()) + pristine.slice(end);
  };
  Tools.prototype.snapshot = function () {
    var canvas = document.querySelector("#chart canvas");
    var out = document.createElement("canvas");
    out.width = canvas.width; out.height = canvas.height;
    var g = out.getContext("2d");
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, out.width, out.height);
    g.drawImage(canvas, 0, 0);
    return out;
  };
  Tools.prototype.png = function () {
    this.snapshot().toBlob(function (blob) { download(stem() + ".png", blob); }, "image/png");
  };
  /* the print view: the chart as an image, the legend and the open detail panel; then print (save as PDF) */
  Tools.prototype.pdf = function () {
    var img = document.getElementById("print-image");
    if (!img) {
      img = document.createElement("img");
      img.id = "print-image"; img.alt = "chart";
      document.getElementById("print-view").appendChild(img);
    }
    img.onload = function () { if (!window.__noPrintDialog) { window.print(); } };
    img.src = this.snapshot().toDataURL("image/png");
  };
  root.LinkgraphTools = Tools;
})(window);

/* The offline map of dealing points: Leaflet (inlined) over a France outline (inlined GeoJSON),
   optionally the cell's own tile server. Every string goes through textContent. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var COLOURS = {active: "#c53030", moved: "#d69e2e", dismantled: "#718096"};
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  var map = L.map("map", {zoomControl: true, attributionControl: false, preferCanvas: true});
  if (data.tiles && data.tiles.url) {
    L.tileLayer(data.tiles.url, {maxZoom: data.tiles.max_zoom || 18}).addTo(map);
  }
  var outline = L.geoJSON(data.outline, {style: {color: "#4a5568", weight: 1, fillColor: "#edf2f7", fillOpacity: 0.6}}).addTo(map);
  map.fitBounds(outline.getBounds());
  var markers = {};
  function popup(p) {
    var box = el("div", "popup");
    box.setAttribute("data-point", p.id);
    box.appendChild(el("h3", null, p.label));
    box.appendChild(el("div", "status status-" + (p.status || "unknown"), (p.status || "status unknown") + " \u00B7 " +
      p.count + " report(s) \u00B7 " + p.first_seen + " \u2192 " + p.last_seen));
    box.appendChild(el("div", "precision", "position: " + p.precision + (p.code ? " \u00B7 " + p.code : "")));
    var list = el("ol", "reports");
    p.reports.slice(-8).forEach(function (r) {
      list.appendChild(el("li", null, r.date + " \u00B7 " + (r.record_id || "") + " \u00B7 " + (r.status || "") +
        (r.comment ? " \u00B7 " + r.comment : "")));
    });
    box.appendChild(list);
    if (p.linked.length) {
      box.appendChild(el("div", "linked-title", "Linked (" + p.linked_total + "):"));
      box.appendChild(el("div", "linked", p.linked.slice(0, 12).map(function (x) { return x.label + " (" + x.type + ")"; }).join(", ")));
    }
    if (p.chart) {
      var a = el("a", "open-chart", "Open its chart");
      a.setAttribute("href", p.chart);
      box.appendChild(a);
    }
    return box;
  }
  var located = 0;
  data.points.forEach(function (p) {
    if (typeof p.lat !== "number" || typeof p.lon !== "number") { return; }
    located++;
    var m = L.circleMarker([p.lat, p.lon], {radius: 6 + 3 * Math.log(1 + p.count), color: "#1a202c", weight: 1,
      fillColor: COLOURS[p.status] || "#805ad5", fillOpacity: 0.9, dashArray: p.precision === "coordinates" || p.precision === "address" ? null : "3 2"});
    m.bindPopup(function () { return popup(p); });
    m.addTo(map);
    markers[p.id] = m;
  });
  (data.places || []).forEach(function (p) {
    L.circleMarker([p.lat, p.lon], {radius: 4, color: "#0f766e", weight: 1, fillColor: "#0f766e", fillOpacity: 0.7})
      .bindPopup(function () { var b = el("div", "popup"); b.appendChild(el("b", null, p.label)); b.appendChild(el("div", null, p.count + " sighting row(s)")); return b; })
      .addTo(map);
  });
  // the side list: every point, located or not, with its status
  var side = document.getElementById("points");
  data.points.forEach(function (p) {
    var li = el("li", "point");
    li.setAttribute("data-point", p.id);
    var b = el("button", null, p.label + " \u00B7 " + (p.status || "?") + " \u00B7 " + p.count + " report(s)" +
      (p.lat === null ? " \u00B7 not located" : ""));
    b.type = "button";
    b.addEventListener("click", function () {
      if (markers[p.id]) { map.setView(markers[p.id].getLatLng(), 14); markers[p.id].openPopup(); }
    });
    li.appendChild(b);
    side.appendChild(li);
  });
  document.getElementById("map-status").textContent = located + " of " + data.points.length + " dealing points located" +
    (data.places && data.places.length ? ", " + data.places.length + " other located places" : "");
  window.mapView = {map: map, markers: markers, data: data};
  window.mapReady = true;
  document.body.setAttribute("data-map-ready", "true");
})();

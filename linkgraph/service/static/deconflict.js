// The deconfliction page: sends the list typed in the form to POST /api/deconflict and shows, per row,
// only what the answer holds (status, agencies, contact reference); lists the requests about your
// entities (GET /api/deconflict/requests). Values are shown with textContent (never as HTML).
(function () {
  "use strict";
  if (document.body.dataset.page !== "deconflict") return;
  const TOKEN_KEY = "linkgraph-token";
  function token() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }
  async function call(path, body) {
    const headers = { Accept: "application/json" };
    if (token()) headers["X-Linkgraph-Token"] = token();
    const opts = { headers: headers };
    if (body !== undefined) {
      opts.method = "POST";
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const response = await fetch(path, opts);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new Error(data && typeof data.detail === "string" ? data.detail : "request failed (" + response.status + ")");
    return data;
  }
  function say(text, kind) {
    const s = document.getElementById("status");
    s.textContent = text;
    s.className = kind || "";
  }
  function table(el, head, rows) {
    el.replaceChildren();
    const tr = document.createElement("tr");
    head.forEach((h) => { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); });
    el.appendChild(tr);
    rows.forEach((r) => {
      const row = document.createElement("tr");
      r.forEach((v) => { const td = document.createElement("td"); td.textContent = v; row.appendChild(td); });
      el.appendChild(row);
    });
  }
  function parse(text) {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new Error("a header line and at least one row are needed");
    const sep = lines[0].split(";").length >= lines[0].split(",").length ? ";" : ",";
    const head = lines[0].split(sep).map((h) => h.trim().toLowerCase());
    return lines.slice(1).map((l, k) => {
      const cells = l.split(sep);
      if (cells.length !== head.length) throw new Error("line " + (k + 2) + ": " + cells.length + " values where the header has " + head.length);
      const rec = {};
      head.forEach((h, i) => { const v = cells[i].trim(); if (v) rec[h] = v; });
      return rec;
    });
  }
  document.getElementById("deconflict-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const records = parse(document.getElementById("dc-list").value);
      const possible = parseFloat(document.getElementById("dc-possible").value || "0.5");
      say("checking " + records.length + " row(s)…");
      const answer = await call("/api/deconflict", { records: records, possible: possible });
      table(document.getElementById("dc-results"), ["row", "status", "agencies to contact", "contact reference"],
        answer.rows.map((r) => [String(r.row), r.status, r.agencies.join(", "), r.contact]));
      const errors = answer.errors.map((e) => "row " + e.row + ": " + e.field + " not used (" + e.reason + ")");
      say(answer.rows.length + " row(s) checked." + (errors.length ? " " + errors.join("; ") : ""));
    } catch (e) { say(e.message, "error"); }
  });
  document.getElementById("dc-requests").addEventListener("click", async () => {
    try {
      const answer = await call("/api/deconflict/requests");
      table(document.getElementById("dc-asked"), ["when", "who asked", "case", "contact reference", "status", "your mentions"],
        answer.requests.map((r) => [r.at, r.requester, r.case, r.contact, r.status, r.your_mentions.join(", ")]));
      say(answer.requests.length + " request(s) about your entities.");
    } catch (e) { say(e.message, "error"); }
  });
  document.body.dataset.ready = "1";
})();

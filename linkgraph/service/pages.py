"""The HTML shells of the explorer's pages.

They hold no data at all: ``static/explorer.js`` fetches the JSON API and inserts every value
with ``textContent`` (never ``innerHTML``), so names such as ``<img src=x onerror=...>`` stay text.
Nothing user-controlled is interpolated here; only the fixed page title and body below.
"""
from __future__ import annotations

import json
from functools import lru_cache
from html import escape

from linkgraph.render.style import vocabulary

NAV = """<header>
  <nav aria-label="main">
    <strong>linkgraph explorer</strong>
    <a href="/">Search</a>
    <a href="/chart">Chart</a>
    <a href="/targets">Priority targets</a>
    <a href="/review">Review queue</a>
    <a href="/deconflict">Deconfliction</a>
    <a href="/inbox">Inbox</a>
  </nav>
</header>"""


@lru_cache(maxsize=1)
def vocabulary_json() -> str:
    """The shared visual vocabulary (:mod:`linkgraph.render.style`) as JSON, HTML-escaped for the
    body's ``data-vocabulary`` attribute (no inline script): the explorer draws entities as the
    chart and the SVG do."""
    return escape(json.dumps(vocabulary(), ensure_ascii=False, separators=(",", ":")), quote=True)


def shell(title: str, page: str, body: str, *, scripts: tuple[str, ...] = ()) -> str:
    tags = "".join(f'<script src="/static/{escape(s)}"></script>' for s in (*scripts, "explorer.js"))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} · linkgraph</title>
<link rel="stylesheet" href="/static/explorer.css">
</head>
<body data-page="{escape(page)}" data-vocabulary="{vocabulary_json()}">
{NAV}
<main>
{body}
</main>
<footer><p>Every fact links back to its agency, file and row. Scores and merges are recommendations
for a human decision.</p></footer>
{tags}
</body>
</html>"""


HOME = """<h1>Search</h1>
<form id="search-form" role="search">
  <label for="q">Name, plate, phone, SIREN or procedure number</label>
  <input id="q" name="q" type="search" required maxlength="200" autocomplete="off" autofocus>
  <label for="kind">as</label>
  <select id="kind" name="kind">
    <option value="auto">anything</option><option value="name">name</option>
    <option value="phone">phone</option><option value="plate">plate</option><option value="siren">SIREN</option>
  </select>
  <label for="type">type</label>
  <select id="type" name="type">
    <option value="">all</option><option value="person">person</option><option value="phone">phone</option>
    <option value="vehicle">vehicle</option><option value="company">company</option>
    <option value="container">container</option><option value="place">place</option>
  </select>
  <button type="submit">Search</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<ol id="results" class="results"></ol>"""

ENTITY = """<article id="entity">
<h1 id="entity-title">Entity</h1>
<p id="entity-summary"></p>
<p id="entity-links"></p>
<p id="status" role="status" aria-live="polite"></p>
<section id="facts-section"><h2>Values</h2><dl id="facts"></dl></section>
<section id="score-section" hidden><h2>Priority score</h2><p id="score-line"></p>
  <table id="score-factors"><thead><tr><th>factor</th><th>raw</th><th>normalized</th><th>weight</th>
  <th>contribution</th><th>evidence</th></tr></thead><tbody></tbody></table></section>
<section id="mentions-section"><h2>Mentions <small id="mentions-count"></small></h2>
  <table id="mentions"><thead><tr><th>mention</th><th>agency</th><th>classification</th><th>file</th><th>row</th>
  <th>date</th><th>case record</th><th>values as written</th></tr></thead><tbody></tbody></table></section>
<section id="why-section"><h2>Why these mentions were merged <small id="why-count"></small></h2>
  <ul id="why"></ul></section>
<section id="neighbours-section"><h2>Links</h2>
  <form id="neighbour-filters">
    <label for="f-type">relation</label><select id="f-type" name="type"><option value="">all</option></select>
    <label for="f-agency">agency</label><input id="f-agency" name="agency" maxlength="60">
    <label for="f-since">from</label><input id="f-since" name="since" type="date">
    <label for="f-until">to</label><input id="f-until" name="until" type="date">
    <button type="submit">Filter</button>
  </form>
  <table id="neighbours"><thead><tr><th>relation</th><th>direction</th><th>entity</th><th>count</th>
  <th>first seen</th><th>last seen</th><th>agencies</th><th>evidence</th></tr></thead><tbody></tbody></table>
  <p id="neighbours-count"></p></section>
<section id="timeline-section"><h2>Timeline</h2><div id="timeline-bars" aria-label="events per month"></div>
  <table id="timeline"><thead><tr><th>when</th><th>what</th><th>with</th><th>agency</th><th>record</th><th>evidence</th>
  <th>details</th></tr></thead><tbody></tbody></table><p id="timeline-count"></p></section>
</article>"""

CHART = """<h1>Link chart</h1>
<div class="chart-forms">
<form id="focus-form">
  <label for="focus">Entity (id or name)</label>
  <input id="focus" name="focus" required maxlength="200" autocomplete="off">
  <button type="submit">Add to chart</button>
</form>
<form id="path-form">
  <label for="path-from">Path from</label><input id="path-from" name="from" required maxlength="200" autocomplete="off">
  <label for="path-to">to</label><input id="path-to" name="to" required maxlength="200" autocomplete="off">
  <label><input id="path-avoid-places" type="checkbox" checked> not through places</label>
  <button type="submit">Find path</button>
</form>
<button id="clear-chart" type="button">Clear</button>
<form id="chart-filters">
  <label for="c-agency">agency</label><select id="c-agency" name="agency"><option value="">all</option></select>
  <label for="c-from">seen from</label><input id="c-from" name="from" type="date">
  <label for="c-to">to</label><input id="c-to" name="to" type="date">
  <button type="submit">Filter</button><button type="reset">All</button>
</form>
</div>
<div id="choices" class="choices" hidden></div>
<p id="status" role="status" aria-live="polite"></p>
<p>Nodes: <output id="node-count">0</output> · Links: <output id="edge-count">0</output>.
Click a node to add its links; the panel shows what it is and its case records.</p>
<div class="chart-layout">
  <div id="network" aria-label="link chart"></div>
  <aside>
    <section><h2>Selected</h2><div id="selection"><p>Nothing selected.</p></div></section>
    <section><h2>Path</h2><ol id="path-list"></ol></section>
    <section><h2>Legend</h2><ul id="legend"></ul></section>
  </aside>
</div>"""

TARGETS = """<h1>Priority targets</h1>
<p id="notice"></p>
<form id="targets-form"><label for="n">how many</label>
  <input id="n" name="n" type="number" min="1" max="500" value="20"><button type="submit">Show</button></form>
<p id="status" role="status" aria-live="polite"></p>
<table id="targets"><thead><tr><th>rank</th><th>person</th><th>score</th><th>network</th><th>activity</th>
<th>corroboration</th><th>listed links</th><th>international</th><th>financial</th><th>concealment</th><th>evidence</th>
</tr></thead>
<tbody></tbody></table>"""

REVIEW = """<h1>Review queue</h1>
<p>Pairs of mentions the model is unsure about. Your verdict is saved at once; over a workspace it is
applied at once too (over files, at the next re-resolution). It always wins over the model.</p>
<form id="judge-meta">
  <label for="case-number">Case number (required)</label>
  <input id="case-number" name="case_number" required maxlength="64" autocomplete="off">
  <label for="analyst">Analyst</label><input id="analyst" name="analyst" maxlength="64" autocomplete="off">
  <label for="justification">Justification</label>
  <input id="justification" name="justification" maxlength="2000" autocomplete="off">
</form>
<form id="review-filters">
  <label for="r-type">type</label>
  <select id="r-type" name="type"><option value="">all</option><option value="person">person</option>
  <option value="company">company</option></select>
  <label for="r-low">probability from</label><input id="r-low" name="low" type="number" min="0" max="1" step="0.05" value="0.3">
  <label for="r-high">to</label><input id="r-high" name="high" type="number" min="0" max="1" step="0.05" value="0.95">
  <button type="submit">Load</button>
  <button id="reresolve" type="button">Re-resolve now</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<div id="pairs"></div>"""

INBOX = """<h1>Inbox</h1>
<p>Alerts raised when new data touched a watched entity (watchlists: <code>linkgraph watch add</code>):
what matched, the new rows and the agencies they come from — only what you may see.</p>
<p id="status" role="status" aria-live="polite"></p>
<table id="alerts"><thead><tr><th>#</th><th>when</th><th>watchlist</th><th>entity</th><th>what</th>
<th>new rows</th><th>agencies</th></tr></thead>
<tbody></tbody></table>"""

NOT_FOUND = """<h1>Not found</h1><p>Nothing here: no such page, or no such entity in the current resolution.
<a href="/">Search</a></p>"""


def home() -> str:
    return shell("Search", "home", HOME)


def entity() -> str:
    return shell("Entity", "entity", ENTITY)


def chart() -> str:
    return shell("Link chart", "chart", CHART, scripts=("vis-network.min.js", "glyphs.js", "explorer_chart.js"))


def targets() -> str:
    return shell("Priority targets", "targets", TARGETS)


def review() -> str:
    return shell("Review queue", "review", REVIEW)


def inbox() -> str:
    return shell("Inbox", "inbox", INBOX)


def not_found() -> str:
    return shell("Not found", "not-found", NOT_FOUND)

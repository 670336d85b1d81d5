"""How long a big link chart takes to be usable in Chromium (issue 5).

    python benchmarks/chart_settle.py                       # 2 000 nodes, 4 000 edges, 5 runs
    python benchmarks/chart_settle.py --nodes 5000 --edges 10000 --runs 3
    python benchmarks/chart_settle.py --fixtures             # every entity of the resolved fixtures

Generated chart data (``linkgraph.render.synthetic.synthetic_chart_data``: communities of 40
entities of the six types, 85 % of the links inside a community), laid out in Python
(``layout_positions``), written by ``write_chart`` and opened in Debian's Chromium through
playwright (the browser tests' flags), each run in a fresh browser context with every request
other than the file itself aborted. Measured per run:

* ``ready``: ``window.chartStats.ms``, i.e. ``performance.now()`` (from navigation start) at the
  network's first ``afterDrawing``; the chart is drawn without physics (positions precomputed), so
  this is when it has settled;
* ``wall``: the same seen from Python (``goto`` until ``window.chartReady``);
* ``frame``: the median time of a full redraw afterwards (what panning or zooming costs).

Acceptance: ready within 5 s (median and max) on the 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from linkgraph.render.chart import write_chart  # noqa: E402
from linkgraph.render.layout import layout_positions  # noqa: E402
from linkgraph.render.synthetic import synthetic_chart_data  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
LIMIT_MS = 1500.0
MIN_FPS = 30.0

FRAME_JS = """() => new Promise(resolve => {
  const net = window.chartNetwork, times = [];
  let t = 0;
  const step = () => {
    if (times.length === 5) { net.off('afterDrawing', done); resolve(times.sort((a, b) => a - b)[2]); return; }
    t = performance.now(); net.redraw();
  };
  const done = () => { times.push(performance.now() - t); setTimeout(step, 0); };
  net.on('afterDrawing', done);
  step();
})"""


#: an empty point of the canvas (no node under it), where a drag pans the view
EMPTY_JS = """() => {
  const net = window.chartNetwork, box = document.querySelector('#chart canvas').getBoundingClientRect();
  for (let y = 0.3; y < 0.9; y += 0.02) { for (let x = 0.3; x < 0.9; x += 0.02) {
    const p = {x: box.width * x, y: box.height * y};
    if (net.getNodeAt(p) === undefined && net.getEdgeAt(p) === undefined) { return [box.left + p.x, box.top + p.y]; }
  } }
  return [box.left + 5, box.top + 5];
}"""


#: a 2 s drag of the view made of pointer events dispatched by the page itself, one per animation
#: frame (so the automation's own input latency does not count): frames drawn per second, and
#: whether the network was in its dragging state with the edges drawn
PAN_JS = """([x, y]) => new Promise(resolve => {
  const net = window.chartNetwork, canvas = document.querySelector('#chart canvas');
  let draws = 0;
  const count = () => { draws++; };
  const fire = (type, px, py, buttons) => canvas.dispatchEvent(new PointerEvent(type, {bubbles: true, cancelable: true,
      clientX: px, clientY: py, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons: buttons}));
  fire('pointerdown', x, y, 1);
  let k = 0, dragging = false;
  const t0 = performance.now();
  net.on('afterDrawing', count);
  const step = () => {
    const t = performance.now() - t0;
    dragging = dragging || !!net.renderer.dragging;
    if (t >= 2000) {
      net.off('afterDrawing', count);
      fire('pointerup', x - 3 * (k % 100), y - (k % 100), 0);
      resolve({draws: draws, ms: t, moves: k, dragging: dragging,
               fast: window.chartFastEdges ? window.chartFastEdges.drawn : null, shown: window.chartStats.visibleEdges});
      return;
    }
    k++;
    fire('pointermove', x - 3 * (k % 100), y - (k % 100), 1);
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})"""


def pan(page) -> dict:
    """Frames per second while the view is dragged for 2 s, and the edges drawn meanwhile."""
    stats = page.evaluate(PAN_JS, page.evaluate(EMPTY_JS))
    stats["fps"] = stats["draws"] * 1000 / stats["ms"]
    # edges visible: the batched lines (big charts) or vis-network's own edges (small charts)
    stats["edges"] = stats["fast"] if stats["fast"] is not None else stats["shown"]
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--edges", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "out" / "bench" / "chart_settle.html"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--against", default=None,
                    help="another chart page (e.g. the main branch's out/bench/chart_settle.html) measured in the "
                         "same browser, alternating with this one, for a side-by-side figure under the same load")
    ap.add_argument("--fixtures", action="store_true",
                    help="chart every entity of the resolved fixtures (chart_data) instead of generated data")
    args = ap.parse_args()

    t = time.perf_counter()
    if args.fixtures:
        import linkgraph
        from linkgraph.render.subgraph import chart_data

        result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        data = chart_data(result)  # includes the layout
        layout_s = time.perf_counter() - t
        title = "Fixtures: every entity"
    else:
        data = synthetic_chart_data(args.nodes, args.edges, seed=args.seed)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        pos = layout_positions([n["id"] for n in data["nodes"]], [(e["from"], e["to"]) for e in data["edges"]],
                               seed=args.seed)
        layout_s = time.perf_counter() - t
        for n in data["nodes"]:
            n["x"], n["y"] = pos[n["id"]]
        title = f"Synthetic chart: {args.nodes} nodes, {len(data['edges'])} edges"
    t = time.perf_counter()
    path = write_chart(data, args.out, title)
    render_s = time.perf_counter() - t
    url = path.resolve().as_uri()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"chart: {len(data['nodes'])} nodes, {len(data['edges'])} edges, {path.stat().st_size / 1e6:.2f} MB "
          f"({path}); {'resolve' if args.fixtures else 'generate'} {gen_s:.2f} s, "
          f"{'chart_data + ' if args.fixtures else ''}layout {layout_s:.2f} s, render {render_s:.2f} s")

    from playwright.sync_api import sync_playwright

    ready, wall, frames, blocked, fps = [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=FLAGS)
        version = browser.version
        for run in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            outside: list[str] = []

            def route(r, outside=outside):
                if r.request.url == url:
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            t = time.perf_counter()
            page.goto(url)
            page.wait_for_function("window.chartReady === true", timeout=60_000, polling=20)
            wall.append((time.perf_counter() - t) * 1000)
            stats = page.evaluate("window.chartStats")
            ready.append(float(stats["ms"]))
            frames.append(float(page.evaluate(FRAME_JS)))
            pan_stats = pan(page)
            fps.append(float(pan_stats["fps"]) if pan_stats["dragging"] and pan_stats["edges"] else 0.0)
            blocked.append(len(outside))
            print(f"run {run + 1}: ready {ready[-1]:.0f} ms (script {stats['buildMs']:.0f} ms), wall {wall[-1]:.0f} ms, "
                  f"redraw {frames[-1]:.0f} ms, pan {fps[-1]:.0f} fps ({pan_stats['draws']} frames for "
                  f"{pan_stats['moves']} pointer moves) with {pan_stats['edges']} edges drawn, "
                  f"nodes drawn {stats['visibleNodes']}, requests outside the file "
                  f"{len(outside)}")
            context.close()
        other_ready, other_fps = [], []
        if args.against:
            other = Path(args.against).resolve().as_uri()
            for run in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.route("**/*", lambda r, _req=None: r.continue_() if r.request.url == other else r.abort())
                page.goto(other)
                page.wait_for_function("window.chartReady === true", timeout=60_000, polling=20)
                other_ready.append(float(page.evaluate("window.chartStats.ms")))
                other_fps.append(float(pan(page)["fps"]))
                context.close()
        browser.close()
    if other_ready:
        print(f"against {args.against}: ready median {statistics.median(other_ready):.0f} ms, "
              f"max {max(other_ready):.0f} ms; pan median {statistics.median(other_fps):.0f} fps "
              "(same browser, runs after this page's)")
    print(f"Chromium {version}")
    print(f"ready: median {statistics.median(ready):.0f} ms, max {max(ready):.0f} ms; "
          f"wall: median {statistics.median(wall):.0f} ms, max {max(wall):.0f} ms; "
          f"redraw: median {statistics.median(frames):.0f} ms; pan: median {statistics.median(fps):.0f} fps, "
          f"min {min(fps):.0f} fps")
    ok = max(ready) <= LIMIT_MS and min(fps) >= MIN_FPS and not any(blocked)
    print(f"acceptance (ready <= {LIMIT_MS / 1000:.1f} s and panning >= {MIN_FPS:.0f} fps with edges every run, "
          "no request outside the file): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

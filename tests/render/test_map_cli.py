"""`linkgraph map` and `linkgraph chart --layout` from the command line."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from linkgraph.cli import app

MAP = Path(__file__).resolve().parents[2] / "fixtures" / "map"


RULES = Path(__file__).resolve().parents[2] / "rules" / "sources"


def test_map_command_writes_the_map_and_one_chart_per_point(tmp_path):
    mappings = [a for m in sorted(RULES.glob("*.yaml")) if m.stem != "example_person_list" for a in ("-m", str(m))]
    mappings += ["-m", f"{MAP / 'plateforme_signalements.yaml'}:{MAP / 'plateforme_signalements.csv'}"]
    result = CliRunner().invoke(app, ["resolve", *mappings, "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["map", str(tmp_path / "run"), "-o", str(tmp_path / "m"),
                                      "--ban", str(MAP / "ban_sample.csv")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "m" / "map.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, flags=re.S).group(1))
    assert len(data["points"]) == 12 and all(p["lat"] is not None for p in data["points"])
    assert all((tmp_path / "m" / p["chart"]).exists() for p in data["points"])
    csp = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert "connect-src 'none'" in csp and "img-src data:;" in csp  # no tile server configured: nothing to load


def test_chart_layout_option(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"positions": {}}', encoding="utf-8")
    run = tmp_path / "run"
    assert CliRunner().invoke(app, ["resolve", "-o", str(run)]).exit_code == 0
    result = CliRunner().invoke(app, ["chart", str(run), "--top", "2", "--depth", "0", "-o", str(tmp_path / "c.html"),
                                      "--layout", str(bad)])
    assert result.exit_code != 0 and "not a linkgraph chart layout" in " ".join(result.output.split())
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"format": "linkgraph-chart-layout", "version": 1, "positions": {}, "notes": {"X": "n"}}),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["chart", str(run), "--top", "2", "--depth", "0", "-o", str(tmp_path / "c.html"),
                                      "--layout", str(good)])
    assert result.exit_code == 0, result.output
    assert '"notes":{"X":"n"}' in (tmp_path / "c.html").read_text(encoding="utf-8")

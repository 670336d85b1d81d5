"""Located dealing points: offline geocoding on the committed BAN sample (precision stated) and the
merging of repeated reports."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import linkgraph
from fixtures.reports import generate_reports
from linkgraph.render.geo import BanIndex, dealing_points
from linkgraph.sources.mapping import load_mapping

MAP = Path(__file__).resolve().parents[2] / "fixtures" / "map"


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    return pd.read_csv(MAP / "plateforme_signalements.csv", sep=";", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ban() -> BanIndex:
    return BanIndex.read(MAP / "ban_sample.csv")


@pytest.fixture(scope="module")
def result():
    mapping = load_mapping(MAP / "plateforme_signalements.yaml")
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()]
                                     + [(mapping, MAP / "plateforme_signalements.csv")])


def test_fixture_files_are_generated_deterministically(tmp_path):
    paths = generate_reports(tmp_path)
    for name, path in paths.items():
        assert path.read_bytes() == (MAP / name).read_bytes(), name


def test_every_fixture_address_in_the_sample_is_found_at_address_precision(reports, ban):
    sample = pd.read_csv(MAP / "ban_sample.csv", sep=";", dtype=str, keep_default_na=False)
    without = reports[reports["lat"] == ""]
    assert len(without) >= 5 and without["id_point"].nunique() >= 3
    got = ban.geocode(without["adresse"], without["code_postal"], without["commune"])
    assert (got["precision"] == "address").all()
    # each is the BAN row of that number and street
    for (_, rep), (_, g) in zip(without.iterrows(), got.iterrows()):
        number = rep["adresse"].split()[0]
        row = sample[(sample["numero"] == number) & (sample["code_postal"] == rep["code_postal"])
                     & (sample["nom_voie"].str.lower().str.endswith(rep["adresse"].split(" ", 2)[2].lower()))]
        assert len(row) == 1
        assert g["lat"] == pytest.approx(float(row["lat"].iloc[0])) and g["lon"] == pytest.approx(float(row["lon"].iloc[0]))


def test_precision_falls_back_to_street_then_commune(ban, reports):
    rep = reports[reports["lat"] == ""].iloc[0]
    number, street = rep["adresse"].split(" ", 1)
    got = ban.geocode([f"{int(number) + 1000} {street}", f"7 impasse Inconnue", "", "9 rue X"],
                      [rep["code_postal"], rep["code_postal"], rep["code_postal"], "99999"],
                      [rep["commune"], rep["commune"], rep["commune"], "Nulle-Part"])
    assert got["precision"].tolist() == ["street", "commune", "commune", None]
    assert got["lat"].iloc[:3].notna().all() and pd.isna(got["lat"].iloc[3])


def test_abbreviations_and_accents_match(ban):
    sample = pd.read_csv(MAP / "ban_sample.csv", sep=";", dtype=str, keep_default_na=False).iloc[0]
    kind, rest = sample["nom_voie"].split(" ", 1)
    short = {"Avenue": "av.", "Boulevard": "bd", "Rue": "r.", "Allée": "all.", "Chemin": "ch."}.get(kind, kind)
    got = ban.geocode([f"{sample['numero']} {short} {rest.upper()}"], [sample["code_postal"]], [sample["nom_commune"]])
    assert got["precision"].iloc[0] == "address"


def test_not_a_ban_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x.csv: not a Base Adresse Nationale CSV"):
        BanIndex.read(bad)


def test_dealing_points_merge_their_reports(result, reports, ban):
    points = {p["code"]: p for p in dealing_points(result, ban)}
    by_point = reports.groupby("id_point")
    assert len(points) == by_point.ngroups
    status = {"actif": "active", "déplacé": "moved", "démantelé": "dismantled"}
    for code, group in by_point:
        p = points[code.replace("-", "")]
        dates = pd.to_datetime(group["date_signalement"], dayfirst=True).dt.strftime("%Y-%m-%d")
        assert p["count"] == len(group)
        assert (p["first_seen"], p["last_seen"]) == (dates.min(), dates.max())
        assert p["status"] == status[group.iloc[dates.argmax()]["statut"]]
        assert [r["record_id"] for r in p["reports"]] == group.iloc[dates.argsort(kind="stable")]["num_signalement"].tolist()
        located = group[group["lat"] != ""]
        if len(located):
            assert p["precision"] == "coordinates"
            assert p["lat"] == pytest.approx(located["lat"].astype(float).median())
        else:
            assert p["precision"] == "address" and p["lat"] is not None
    # plates seen at a point link it to the vehicles (and their drivers) of the police file
    assert any(x["type"] == "vehicle" for p in points.values() for x in p["linked"])
    assert any(x["type"] == "person" for p in points.values() for x in p["linked"])


def test_tile_server_is_optional_and_checked(tmp_path):
    import html
    import re

    from linkgraph.render.mapview import load_tiles, render_map

    assert load_tiles() is None  # shipped rules/map.yaml: no tile server, the outline only
    rules = tmp_path / "map.yaml"
    rules.write_text('tiles: {url: "https://tiles.cellule.example/{z}/{x}/{y}.png", max_zoom: 17}\n', encoding="utf-8")
    tiles = load_tiles(rules)
    assert tiles == {"url": "https://tiles.cellule.example/{z}/{x}/{y}.png", "max_zoom": 17}
    page = render_map([], "Map", tiles=tiles)
    csp = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert "img-src data: https://tiles.cellule.example;" in csp and "connect-src 'none'" in csp
    rules.write_text('tiles: {url: "javascript:alert(1)"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="tiles.url must be an http"):
        load_tiles(rules)

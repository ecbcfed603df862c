"""datasets/make_admin1_boundaries.py on a tiny GeoPackage made here: shared borders, islets
dropped, one object per country, names kept, clear failures. Needs the `boundaries` extra."""
from __future__ import annotations

import importlib.util
import json
import sqlite3
import struct

import pytest

from conftest import ROOT

shapely = pytest.importorskip("shapely")
pytest.importorskip("topojson")


def _script():
    spec = importlib.util.spec_from_file_location("make_admin1", ROOT / "datasets" / "make_admin1_boundaries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _blob(geometry) -> bytes:
    """GeoPackage geometry: magic, version, flags (little-endian, xy envelope), srs id, envelope, WKB."""
    minx, miny, maxx, maxy = geometry.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", 4326, minx, maxx, miny, maxy) + shapely.to_wkb(geometry)


@pytest.fixture
def gpkg(tmp_path):
    from shapely.geometry import MultiPolygon, box

    path = tmp_path / "world_map.gpkg"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE states_provinces (fid INTEGER PRIMARY KEY, geom BLOB, adm0_a3 TEXT, admin TEXT, "
                   "name TEXT, woe_name TEXT, gn_name TEXT)")
        rows = [(MultiPolygon([box(0, 0, 1, 1), box(5, 5, 5.01, 5.01)]), "AAA", "Aland", "West", None, None),
                (MultiPolygon([box(1, 0, 2, 1)]), "AAA", "Aland", None, "East (woe)", None),
                (MultiPolygon([box(10, 10, 11, 11)]), "BBB", "Beeland", "Only", None, None)]
        db.executemany("INSERT INTO states_provinces (geom, adm0_a3, admin, name, woe_name, gn_name) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [(_blob(g), *rest) for g, *rest in rows])
    return path


def test_regions_share_borders_islets_go_and_names_stay(gpkg, tmp_path):
    out = tmp_path / "admin1.json"
    _script().main([str(gpkg), "--out", str(out), "--countries", "AAA", "--tolerance", "0", "--min-area", "0.01"])
    topology = json.loads(out.read_text(encoding="utf-8"))
    assert list(topology["objects"]) == ["Aland"]
    regions = topology["objects"]["Aland"]["geometries"]
    assert sorted(g["properties"]["name"] for g in regions) == ["East (woe)", "West"]
    assert [g["type"] for g in regions] == ["Polygon", "Polygon"]  # the 0.0001 square-degree islet is gone
    used = [i if i >= 0 else ~i for g in regions for ring in g["arcs"] for i in ring]
    assert len(used) > len(set(used))  # the border between West and East is one shared arc


def test_a_country_missing_or_a_file_too_big_fails_clearly(gpkg, tmp_path):
    out = tmp_path / "admin1.json"
    with pytest.raises(SystemExit, match="no admin-1 regions for ZZZ"):
        _script().main([str(gpkg), "--out", str(out), "--countries", "AAA,ZZZ"])
    with pytest.raises(SystemExit, match="over --max-bytes 100"):
        _script().main([str(gpkg), "--out", str(out), "--countries", "all", "--max-bytes", "100"])
    assert not out.exists()

"""Regenerate `boundaries/admin1.json`: admin-1 regions (states, provinces, regions) as a small
TopoJSON file, from Natural Earth's 1:10m "Admin 1 - States, Provinces" (version 4.1.0, public
domain) as QGIS ships it in `world_map.gpkg` (layer `states_provinces`, already generalised by
QGIS; see datasets/README.md for provenance and licence).

Get the source from Debian's package and run this script (shapely and topojson from PyPI:
`pip install -e '.[boundaries]'`):

    apt-get download qgis-common && dpkg -x qgis-common_*.deb /tmp/qgis-common
    python datasets/make_admin1_boundaries.py /tmp/qgis-common/usr/share/qgis/resources/data/world_map.gpkg

Steps: read the layer (GeoPackage = SQLite; each geometry is a GeoPackage header then WKB);
keep the countries asked for (`--countries`, Natural Earth's alpha-3 codes; the default is the
countries of the bundled and shared data); drop islands smaller than `--min-area` square
degrees (a region's largest part is always kept); build one topology so neighbouring regions
share their borders, simplify it (Douglas-Peucker, `--tolerance` degrees, on the shared arcs,
so no gaps open between regions) and quantize it (`--quantize` steps per axis); write one
TopoJSON object per country (named by the country's name) whose geometries carry the region's
`name`. The file is written with compact separators and checked: every requested country has
regions, every region a name, and the file is under `--max-bytes`.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "boundaries" / "admin1.json"
# Natural Earth's adm0_a3 codes (ISO 3166-1 alpha-3 but for a few, e.g. South Sudan SDS): Mali, Burkina
# Faso and Mali's southern neighbours (the bundled demo and the shared WFP files), Belarus (HDX's format
# example) and the 29 countries of the shared global WFP extract (hdx_wfp_food_prices_global_2026_Q1.csv).
DEFAULT_COUNTRIES = ("MLI", "BFA", "NER", "SEN", "GIN", "CIV", "BLR",
                     "AFG", "ARM", "BDI", "BOL", "CMR", "COD", "DZA", "EGY", "ETH", "IDN", "IRN", "IRQ", "KGZ",
                     "LBY", "MDA", "MDG", "MMR", "MRT", "MWI", "NGA", "PAK", "PHL", "RWA", "SDN", "SDS", "TJK",
                     "TLS", "TUR", "ZMB")
# GeoPackage binary header: envelope size in bytes by the envelope-contents indicator (flags bits 1-3).
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def geometry(blob: bytes):
    """A shapely geometry from a GeoPackage geometry blob (header, optional envelope, WKB)."""
    import shapely

    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    return shapely.from_wkb(bytes(blob[8 + ENVELOPE_BYTES[(blob[3] >> 1) & 7]:]))


def read_regions(gpkg: Path, countries: set[str]) -> list[dict]:
    """[{country (adm0_a3), admin (country name), name, geometry}] for the countries asked for
    (a region without a `name` takes its `woe_name`, `gn_name` or its country's name)."""
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT adm0_a3, admin, coalesce(nullif(name, ''), nullif(woe_name, ''), "
                          "nullif(gn_name, ''), admin), geom FROM states_provinces ORDER BY adm0_a3, name").fetchall()
    return [{"country": code, "admin": admin, "name": name or "", "geometry": geometry(blob)}
            for code, admin, name, blob in rows if not countries or code in countries]


def without_islets(shape, min_area: float):
    """The polygon's parts of at least `min_area` square degrees (the largest part always stays)."""
    from shapely.geometry import MultiPolygon

    parts = list(getattr(shape, "geoms", [shape]))
    largest = max(parts, key=lambda p: p.area)
    kept = [p for p in parts if p is largest or p.area >= min_area]
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def topology(regions: list[dict], tolerance: float, quantize: float) -> dict:
    """One TopoJSON topology with shared arcs, then one object per country."""
    import topojson

    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"admin": r["admin"], "name": r["name"]},
         "geometry": r["geometry"].__geo_interface__} for r in regions]}
    built = json.loads(topojson.Topology(features, prequantize=False, toposimplify=tolerance,
                                         topoquantize=quantize, object_name="regions").to_json())
    objects: dict[str, dict] = {}
    for shape in built["objects"]["regions"]["geometries"]:
        properties = shape.pop("properties")
        shape.pop("id", None)
        shape["properties"] = {"name": properties["name"]}
        objects.setdefault(properties["admin"], {"type": "GeometryCollection", "geometries": []})["geometries"] \
            .append(shape)
    return {"type": "Topology", "transform": built["transform"], "objects": objects, "arcs": built["arcs"]}


def check(topo: dict, regions: list[dict], countries: set[str], text: str, max_bytes: int) -> None:
    missing = countries - {r["country"] for r in regions}
    if missing:
        raise SystemExit(f"no admin-1 regions for {', '.join(sorted(missing))} in the source")
    if any(not g["properties"]["name"] for o in topo["objects"].values() for g in o["geometries"]):
        raise SystemExit("a region has no name")
    if len(text.encode("utf-8")) > max_bytes:
        raise SystemExit(f"{len(text.encode('utf-8')):,} bytes, over --max-bytes {max_bytes:,}: "
                         "raise --tolerance or --min-area, or ask for fewer countries")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gpkg", type=Path, help="QGIS's world_map.gpkg (Debian package qgis-common)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--countries", default=",".join(DEFAULT_COUNTRIES),
                        help="ISO 3166-1 alpha-3 codes, comma-separated; 'all' for every country")
    parser.add_argument("--tolerance", type=float, default=0.02, help="simplification, degrees")
    parser.add_argument("--min-area", type=float, default=0.01, help="smallest island kept, square degrees")
    parser.add_argument("--quantize", type=float, default=1e5, help="quantization steps per axis")
    parser.add_argument("--max-bytes", type=int, default=500_000)
    args = parser.parse_args(argv)
    countries = set() if args.countries == "all" else {c.strip().upper() for c in args.countries.split(",") if c}
    regions = read_regions(args.gpkg, countries)
    for region in regions:
        region["geometry"] = without_islets(region["geometry"], args.min_area)
    topo = topology(regions, args.tolerance, args.quantize)
    text = json.dumps(topo, ensure_ascii=False, separators=(",", ":"))
    check(topo, regions, countries, text, args.max_bytes)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(regions)} regions in {len(topo['objects'])} countries, "
          f"{len(text.encode('utf-8')):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

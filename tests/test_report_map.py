"""The report's map: every place that has a series (prices, fuel, outages), wherever its coordinates
come from, coloured by its worst current state, over the admin-1 regions of its country; places
without coordinates are listed under the map."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from indicators.collectors import get_collector
from indicators.detect import run_detection
from indicators.report import write_report
from indicators.report.places import gazetteer
from indicators.store import Store

HEADER = "indicator,location,item,price_type,date,value,unit,latitude,longitude\n"
DAYS = [str(d.date()) for d in pd.date_range("2025-07-01", "2025-10-31")]
MONTHS = [f"{y}-{m:02d}" for y in range(2019, 2026) for m in range(1, 13)][:-2]


def _rows(indicator, location, item, price_type, dates, values, unit, lat="", lon=""):
    return "".join(f'{indicator},"{location}",{item},{price_type},{d},{v:.3f},{unit},{lat},{lon}\n'
                   for d, v in zip(dates, values))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("map")
    rng = np.random.default_rng(15)
    steady = 0.9 + rng.normal(0, 0.01, len(DAYS))
    blocked = steady.copy()
    blocked[-20:] = 0.15  # Kati's stations run dry: crisis
    text = HEADER
    text += _rows("grain_price", "Segou", "millet", "retail", MONTHS, 250 + rng.normal(0, 2, len(MONTHS)), "XOF/KG",
                  13.43, -6.22)
    text += _rows("grain_price", "Bamako (MLI)", "millet", "retail", MONTHS, 260 + rng.normal(0, 2, len(MONTHS)),
                  "XOF/KG", 12.64, -8.00)
    text += _rows("grain_price", "Ouagadougou", "millet", "retail", MONTHS, 240 + rng.normal(0, 2, len(MONTHS)),
                  "XOF/KG", 12.37, -1.52)
    text += _rows("fuel_availability", "Kati", "petrol", "", DAYS, blocked, "share")  # places.csv
    text += _rows("fuel_availability", "Bamako", "petrol", "", DAYS, blocked, "share")  # the WFP market's place
    text += _rows("power_outage", "Bamako Commune VI", "", "", DAYS, 4 + rng.normal(0, 0.2, len(DAYS)), "hours/day")
    text += _rows("power_outage", "Nowhere Town", "", "", DAYS, 4 + rng.normal(0, 0.2, len(DAYS)), "hours/day")
    path = folder / "series.csv"
    path.write_text(text, encoding="utf-8")
    with Store(folder / "track.db") as store:
        get_collector("csv").collect_file(store, path)
        run_detection(store)
        write_report(store, folder / "report")
    return folder / "report"


def _map(site) -> dict:
    html = (site / "map.html").read_text(encoding="utf-8")
    return json.loads(re.search(r'data-chart="market-map">(.*?)</script>', html).group(1))


def _markers(site) -> list:
    return [t for t in _map(site)["data"] if t.get("mode", "").startswith("markers") and "customdata" in t
            and t.get("marker", {}).get("symbol") is None]


def test_one_marker_per_place_with_a_series_and_coordinates(site):
    placed = sorted(name for trace in _markers(site) for name, _, _ in trace["customdata"])
    assert placed == ["Bamako", "Bamako Commune VI", "Kati", "Ouagadougou", "Segou"]
    table = pd.read_csv(site / "places.csv", keep_default_na=False).set_index("location")
    assert table.loc["Kati", "coordinates"] == "datasets/places.csv"
    assert table.loc["Bamako Commune VI", "coordinates"] == "datasets/places.csv"
    assert table.loc["Segou", "coordinates"] == "data"
    assert table.loc["Kati", "region"] == "Koulikoro" and table.loc["Ouagadougou", "region"] == "Kadiogo"
    assert table.loc["Bamako", "families"] == "fuel, grain" and table.loc["Bamako", "series"] == 2
    assert table.loc["Bamako", "locations"] == "Bamako; Bamako (MLI)"  # one place, one marker
    assert table.loc["Bamako", "coordinates"] == "data"


def test_places_are_coloured_by_their_worst_current_state(site):
    by_phase = {trace["name"]: {name for name, _, _ in trace["customdata"]} for trace in _markers(site)}
    assert {"Kati", "Bamako"} <= by_phase["crisis"]  # Bamako's prices are normal, its fuel is not
    assert "Segou" not in by_phase.get("crisis", set())


def test_the_map_draws_the_admin1_regions_of_every_country_with_a_place(site):
    regions = {t["name"] for t in _map(site)["data"] if t.get("hoveron") == "fills"}
    assert {"Koulikoro, Mali", "Bamako, Mali", "Ségou, Mali", "Kadiogo, Burkina Faso"} <= regions
    assert len([r for r in regions if r.endswith(", Mali")]) == 9
    assert len([r for r in regions if r.endswith(", Burkina Faso")]) == 45


def test_places_without_coordinates_are_listed_under_the_map(site):
    page = (site / "map.html").read_text(encoding="utf-8")
    missing = page.split('id="without-coordinates"')[1].split("</table>")[0]
    assert "Nowhere Town" in missing and "Kati" not in missing
    assert "5 of 6 places are on the map" in page


def test_the_gazetteer_holds_the_demo_places():
    assert set(gazetteer()) >= {"bamako", "kati", "bamako_commune_vi"}


HOVER_PROBE = """<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    if (window.drawAllCharts) { window.drawAllCharts(); }
    setTimeout(function () {
      var gd = document.querySelector(".js-plotly-plot");
      var found = {drawn: !!(gd && gd._fullData)};
      try {
        // in Segou region, far from every place: the region's fill answers the hover
        Plotly.Fx.hover(gd, {xval: -5.5, yval: 14.3});
        var layer = gd.querySelector(".hoverlayer");
        found.hover = layer ? layer.textContent : "";
      } catch (e) { found.error = String(e); }
      document.documentElement.setAttribute("data-hover", JSON.stringify(found));
    }, 500);
  }, 500);
});
</script>"""


def test_a_region_shows_its_name_on_hover_in_a_real_browser(site, tmp_path):
    from html.parser import HTMLParser

    from indicators.report.browser import dump_dom, find_chromium

    if find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "map.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</head>", HOVER_PROBE + "</head>", 1), encoding="utf-8")
    found = {}

    class Root(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "html":
                found.update(json.loads(dict(attrs).get("data-hover", "{}")))

    Root().feed(dump_dom(page, budget_ms=8000))
    assert found.get("drawn") and "error" not in found, found
    assert "Ségou, Mali" in found.get("hover", ""), found

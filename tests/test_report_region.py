"""Reports for a region: a store with several countries gets a page set per country and an index
ranking countries and families by their worst current state; long pages chart the worst series
and list every series in a filtered table; progress is silent when not on a terminal."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from indicators.collectors import get_collector
from indicators.report import pages, write_report
from indicators.report.browser import dump_dom, find_chromium
from indicators.store import Store

HDX_HEADER = ("countryiso3,date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,"
              "unit,priceflag,pricetype,currency,price,usdprice\n")
MONTHS = [f"{y}-{m:02d}-15" for y in range(2021, 2026) for m in range(1, 13)]
# (country, market, commodity) -> the severity at its latest date; every earlier date is normal
LATEST = {("MLI", "Bamako", "Millet"): "crisis", ("MLI", "Bamako", "Sorghum"): "normal",
          ("NER", "Niamey", "Millet"): "alert",
          ("BFA", "Ouagadougou", "Millet"): "normal", ("BFA", "Bobo-Dioulasso", "Millet"): "stress"}


def _hdx_file(path: Path, keys) -> Path:
    lines = [HDX_HEADER]
    for number, (iso3, market, commodity) in enumerate(keys):
        for position, date in enumerate(MONTHS):
            price = 250 + number * 10 + position % 12
            lines.append(f"{iso3},{date},Region {iso3},District,{market},{100 + number},12.6,-8.0,cereals and tubers,"
                         f"{commodity},{number},KG,actual,Retail,XOF,{price},{price / 600:.2f}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _flag(store: Store, latest: dict) -> None:
    """Detector rows for every date: normal, and the given severity at the latest date."""
    for row in store.series().itertuples(index=False):
        values = store.values(row.id)
        severity = ["normal"] * len(values)
        severity[-1] = latest(row)
        frame = pd.DataFrame({"date": values.index, "value": values.to_numpy(), "expected": values.to_numpy(),
                              "lower": values.to_numpy() * 0.9, "upper": values.to_numpy() * 1.1, "score": 1.0,
                              "severity": severity, "explanation": f"test row for {row.location}"})
        with store.transaction():
            store.replace_anomalies(row.id, "state", frame)


def _wfp_store(folder: Path, keys) -> Path:
    db = folder / "track.db"
    with Store(db) as store:
        get_collector("wfp").collect_file(store, _hdx_file(folder / "prices.csv", keys))

        def latest(row):
            meta = json.loads(row.metadata)
            return LATEST[(meta["country"], meta["market"], meta["commodity"])]
        _flag(store, latest)
    return db


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    with Store(_wfp_store(folder, list(LATEST))) as store:
        write_report(store, folder / "report")
    return folder / "report"


def test_each_country_has_its_pages_and_the_index_ranks_them(region):
    for code in ("mli", "ner", "bfa"):
        assert {"index.html", "grain.html", "method.html"} <= {p.name for p in (region / "countries" / code).iterdir()}
    ranking = pd.read_csv(region / "countries.csv", keep_default_na=False)
    assert list(ranking["country"]) == ["MLI", "NER", "BFA"]
    assert list(ranking["worst"]) == ["crisis", "alert", "stress"]
    assert list(ranking["series"]) == [2, 1, 2]
    index = (region / "index.html").read_text(encoding="utf-8")
    positions = [index.index(f'href="countries/{code}/index.html"') for code in ("mli", "ner", "bfa")]
    assert positions == sorted(positions)
    families = pd.read_csv(region / "country_families.csv", keep_default_na=False)
    assert list(families["country"]) == ["MLI", "NER", "BFA"]
    assert families["headline"].iloc[0].startswith("Grain prices: 1 of 1 market in crisis")
    current = pd.read_csv(region / "current_alerts.csv", keep_default_na=False)
    assert list(current["country"]) == ["MLI", "NER", "BFA"]  # crisis, alert, stress


def test_a_country_page_shows_only_its_series_and_links_resolve(region):
    grain = (region / "countries" / "ner" / "grain.html").read_text(encoding="utf-8")
    assert "Niamey" in grain and "Bamako" not in grain and "Ouagadougou" not in grain
    for page in list(region.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"#]+)(?:#[^"]*)?"', text):
            assert (page.parent / link).resolve().is_file(), f"{page.relative_to(region)} links to missing {link}"
    assert '<a href="../../index.html">All countries</a>' in grain


def test_one_country_keeps_the_one_country_layout(tmp_path):
    keys = [key for key in LATEST if key[0] == "MLI"]
    with Store(_wfp_store(tmp_path, keys)) as store:
        write_report(store, tmp_path / "report")
    assert not (tmp_path / "report" / "countries").exists()
    assert "All countries" not in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")


def _many_series_store(folder: Path, count: int) -> Path:
    """`count` monthly grain series of one country; every tenth is in crisis at its latest date."""
    lines = ["indicator,location,item,price_type,date,value,unit"]
    for n in range(count):
        lines += [f"grain_price,Market {n:03d},millet,retail,{d[:7]},{200 + n + i % 12},XOF/KG"
                  for i, d in enumerate(MONTHS[-24:])]
    source = folder / "many.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "many.db"
    with Store(db) as store:
        get_collector("csv").collect_file(store, source)
        _flag(store, lambda row: "crisis" if int(row.location.split()[-1]) % 10 == 0 else "normal")
    return db


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "CHARTS_PER_PAGE", 8)
        patch.setattr(pages, "CHART_BYTES_PER_PAGE", 30_000)
        patch.setattr(pages, "CARDS_PER_FAMILY", 20)
        with Store(_many_series_store(folder, 250)) as store:
            write_report(store, folder / "report")
    return folder / "report"


def test_a_long_page_charts_the_worst_series_and_lists_every_series(many):
    grain = (many / "grain.html").read_text(encoding="utf-8")
    charted = re.findall(r'<h3 id="s-\d+">(.*?)</h3>', grain)
    assert 0 < len(charted) < 8  # stopped by the byte budget before the count
    assert all("sev-crisis" in heading for heading in charted)  # the worst series get the charts
    table = grain[grain.index('id="series-grain"'):]
    assert table.count("<tr") == 251  # the header and every series
    assert len(list((many / "data").glob("*.csv"))) == 250
    # every card of the overview lands on a chart or a row of the family page
    index = (many / "index.html").read_text(encoding="utf-8")
    cards = re.findall(r'class="card[^"]*" href="grain\.html#(s-\d+)"', index)
    assert len(cards) == 20
    assert all(f'id="{anchor}"' in grain for anchor in cards)


def test_no_page_exceeds_its_budget(many):
    sizes = {page.name: page.stat().st_size for page in many.glob("*.html")}
    # 30 kB of charts, 250 table rows, the page's own text: far below what 250 charts would weigh
    assert max(sizes.values()) < 250_000, sizes


CHROMIUM = find_chromium()
FILTER_PROBE = """<script>
window.addEventListener("load", function () {
  var input = document.querySelector('input[data-filter="series-grain"]');
  var rows = function () {
    return Array.from(document.querySelectorAll("#series-grain tbody tr")).filter(function (r) { return !r.hidden; });
  };
  var first = rows().length;
  input.value = "Market 123";
  input.dispatchEvent(new Event("input"));
  var matching = rows().map(function (r) { return r.cells[0].textContent; });
  document.documentElement.setAttribute("data-filter-test", JSON.stringify({first: first, matching: matching,
    status: document.getElementById("series-grain-status").textContent}));
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_series_filter_works_in_the_browser(many, tmp_path):
    page = tmp_path / "grain.html"
    source = (many / "grain.html").read_text(encoding="utf-8").replace("</body>", FILTER_PROBE + "</body>")
    for name in ("filter.js", "charts.js", "plotly.min.js", "style.css"):
        (tmp_path / name).write_bytes((many / name).read_bytes())
    page.write_text(source, encoding="utf-8")
    dom = dump_dom(page, budget_ms=8000)
    found = json.loads(re.search(r'data-filter-test="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert found["first"] == 100  # a page of rows at a time
    assert len(found["matching"]) == 1 and "Market 123" in found["matching"][0]
    assert found["status"] == "rows 1-1 of 1 matching (250 in all)"


def test_progress_is_reported_and_silent_off_a_terminal(region, tmp_path, runner):
    from indicators.cli import cli

    calls = []
    db = next(region.parent.glob("*.db"))
    with Store(db) as store:
        write_report(store, tmp_path / "direct", progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] == 4  # three countries, then the index
    result = runner.invoke(cli, ["report", "--db", str(db), "--out", str(tmp_path / "cli")], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""  # CliRunner's stderr is not a terminal
    quiet = runner.invoke(cli, ["report", "--quiet", "--db", str(db), "--out", str(tmp_path / "cli")],
                          catch_exceptions=False)
    assert quiet.exit_code == 0 and quiet.output == ""

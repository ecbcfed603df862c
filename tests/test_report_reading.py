"""The report as people read it: tables as cards on phones, charts opening on a useful range,
flat administered prices without a band, an in-page index, the simulated banner's count,
provenance without this machine's paths, a licence per source."""
import csv
import io

import pandas as pd
import pytest

from indicators.config import load_config
from indicators.jobs import collector_for
from indicators.report import write_report
from indicators.report.assets import STYLE
from indicators.report.figures import initial_range, series_figure
from indicators.report.layout import banner, page_index, table
from indicators.store import Store
from report_data import build_database


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    database = build_database(tmp_path_factory.mktemp("reading") / "db")
    out = tmp_path_factory.mktemp("site") / "report"
    with Store(database) as store:
        write_report(store, out)
    return database, out


def test_tables_become_labelled_cards_under_600_px():
    html = table(pd.DataFrame({"location": ["Segou"], "value": [1.5]}), {"location": "market", "value": "price"})
    assert '<table class="cards">' in html
    assert '<td data-label="market">Segou</td>' in html and 'data-label="price"' in html
    phone = STYLE.split("@media (max-width: 600px)")[1]
    assert "table.cards thead { display: none; }" in phone and "attr(data-label)" in phone


@pytest.mark.parametrize("dates, frequency, expected", [
    (pd.date_range("2024-01-01", "2025-11-20", freq="D").strftime("%Y-%m-%d"), "daily", ["2025-05-20", "2025-11-21"]),
    ([f"{y}-{m:02d}" for y in range(2010, 2026) for m in range(1, 13)], "monthly", ["2020-12-31", "2026-01-01"]),
    (pd.date_range("2025-08-01", "2025-11-20", freq="D").strftime("%Y-%m-%d"), "daily", None),
    ([f"2024-{m:02d}" for m in range(1, 13)], "monthly", None),
])
def test_charts_open_on_the_recent_past(dates, frequency, expected):
    assert initial_range(list(dates), frequency) == expected


def test_series_chart_opens_on_the_last_six_months_with_the_buttons_to_widen():
    dates = pd.date_range("2024-01-01", "2025-11-20", freq="D").strftime("%Y-%m-%d")
    observed = pd.DataFrame({"date": dates, "value": range(len(dates))})
    empty_band = pd.DataFrame(columns=["date", "expected", "lower", "upper", "band_detector"])
    scored = pd.DataFrame(columns=["date", "value", "severity", "explanation", "detector"])
    figure = series_figure(observed, empty_band, scored, "XOF/L", "daily")
    assert list(figure.layout.xaxis.range) == ["2025-05-20", "2025-11-21"]
    assert [b.label for b in figure.layout.xaxis.rangeselector.buttons][-1] == "all"


def test_a_flat_administered_price_draws_no_band():
    dates = pd.date_range("2025-01-01", periods=200, freq="D").strftime("%Y-%m-%d")
    observed = pd.DataFrame({"date": dates, "value": 725.0})
    band = pd.DataFrame({"date": dates, "expected": 725.0, "lower": 717.8, "upper": 732.3, "band_detector": "seasonal"})
    scored = pd.DataFrame(columns=["date", "value", "severity", "explanation", "detector"])
    figure = series_figure(observed, band, scored, "XOF/L", "daily")
    assert [t.name for t in figure.data] == ["observed"]
    low, high = figure.layout.yaxis.range
    assert low == pytest.approx(652.5) and high == pytest.approx(797.5)
    moving = series_figure(observed.assign(value=[725.0 + i % 3 for i in range(200)]), band, scored, "XOF/L", "daily")
    assert any(t.name and t.name.startswith("normal range") for t in moving.data)


def test_long_pages_open_with_an_index(built):
    _, out = built
    fuel = (out / "fuel.html").read_text(encoding="utf-8")
    index = fuel.split('<nav class="toc"')[1].split("</nav>")[0]
    targets = [part.split('"')[0] for part in index.split('href="#')[1:]]
    assert len(targets) >= 4
    for target in targets:
        assert f'id="{target}"' in fuel
    body, toc = page_index("<h2>Only</h2><p>short page</p>")
    assert toc == "" and body == "<h2>Only</h2><p>short page</p>"


class Data:
    def __init__(self, simulated, total):
        self.simulated, self.series = simulated, pd.DataFrame({"sid": range(total)})


def test_simulated_banner_counts_the_simulated_series():
    assert "all 57 series" in banner(Data(57, 57))
    assert "3 of 57 series" in banner(Data(3, 57))
    assert banner(Data(0, 57)) == ""


def test_provenance_shows_paths_relative_to_the_data_folder(built):
    database, out = built
    folder = str(database.parent)
    method = (out / "method.html").read_text(encoding="utf-8")
    assert folder not in method and "grain.csv" in method
    rows = list(csv.DictReader(io.StringIO((out / "series.csv").read_text(encoding="utf-8"))))
    assert {r["files"] for r in rows} <= {"grain.csv", "fuel.csv", "power.csv", "other.csv"}


def test_wfp_series_carry_cc_by_igo_and_a_configured_licence_wins(tmp_path, track, db_path):
    from conftest import FIXTURES
    assert track("collect", "wfp", str(FIXTURES / "wfp_food_prices_bfa_subset.csv")).exit_code == 0
    out = tmp_path / "report"
    assert track("report", "--out", str(out)).exit_code == 0
    method = (out / "method.html").read_text(encoding="utf-8")
    assert '<td data-label="licence">CC BY-IGO</td>' in method.split('id="s-sources-and-licences"')[1]
    config = tmp_path / "track.toml"
    config.write_text(f'[[sources]]\nkind = "csv"\npath = "{tmp_path / "x.csv"}"\nlicence = "CC BY 4.0"\n')
    source = load_config(config).sources[0]
    rows = collector_for(source).read
    (tmp_path / "x.csv").write_text("indicator,location,date,value\nfuel_availability,Bamako,2025-10-01,0.5\n")
    assert rows(tmp_path / "x.csv").rows["metadata"][0]["licence"] == "CC BY 4.0"


def test_the_map_draws_admin1_regions_offline_and_outlines_elsewhere():
    from indicators.report.boundaries import ADMIN1, BOUNDARIES, outlines_around, regions_around
    from indicators.report.maps import place_map, shapes_for
    assert BOUNDARIES.stat().st_size < 200_000 and ADMIN1.stat().st_size < 500_000  # small, bundled
    assert list(outlines_around([-6.22, -8.0], [13.43, 12.64])) == ["Mali"]
    assert {name for name, _ in regions_around([-6.22], [13.43])["Mali"]} == {
        "Bamako", "Gao", "Kayes", "Kidal", "Koulikoro", "Mopti", "Sikasso", "Ségou", "Timbuktu"}
    places = pd.DataFrame({"location": ["Segou"], "latitude": [13.43], "longitude": [-6.22], "phase": ["crisis"],
                           "series": [1], "families": ["grain"], "series_at_phase": ["millet"]})
    figure = place_map(places, *shapes_for(places))
    region = [t for t in figure.data if t.name == "Ségou, Mali"]
    assert region and region[0].fill == "toself" and region[0].hoveron == "fills"
    assert figure.layout.xaxis.range[0] < -12  # the whole country in view
    at_sea = places.assign(latitude=[0.0], longitude=[-30.0])
    assert [t.name for t in place_map(at_sea, *shapes_for(at_sea)).data] == ["crisis"]
    minsk = places.assign(latitude=[53.9], longitude=[27.57])  # Belarus: regions bundled too
    assert "Minsk, Belarus" in {t.name for t in place_map(minsk, *shapes_for(minsk)).data}
    quito = places.assign(latitude=[-0.18], longitude=[-78.47])  # no bundled regions: the country outline
    assert [t.name for t in place_map(quito, *shapes_for(quito)).data] == ["Ecuador", "crisis"]

"""The report site on a small real database: pages, CSV downloads, escaping, safe file names,
atomic replacement, headlines, seasonal profiles, generic detectors, static export checks."""
from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from indicators.report import ReportError, write_report
from indicators.report import pages as report_pages
from indicators.report import static, tables
from indicators.report.figures import month_runs
from indicators.report.headlines import headline
from indicators.report.layout import safe_name
from indicators.store import Store
from report_data import HOSTILE, build_database

RAW_HOSTILE = "<img src=x"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return build_database(tmp_path_factory.mktemp("report") / "db")


@pytest.fixture(scope="module")
def report(database, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "report"
    with Store(database) as store:
        write_report(store, out)
    return out


def test_site_has_every_page_and_shares_one_plotly_js(report):
    names = {p.name for p in report.iterdir()}
    assert {"index.html", "grain.html", "fuel.html", "power.html", "other.html", "seasonal.html", "map.html",
            "method.html", "plotly.min.js", "style.css"} <= names
    plotly_size = (report / "plotly.min.js").stat().st_size
    assert plotly_size > 1_000_000
    for page in report.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert page.stat().st_size < plotly_size / 4, f"{page.name} seems to inline plotly.js"
        assert "http://" not in text.split("<body>")[0] and "https://" not in text.split("<body>")[0]
        if 'class="plotly-graph-div"' in text:
            assert text.count('<script src="plotly.min.js"></script>') == 1


def test_every_linked_csv_exists_beside_the_pages(report):
    import re
    for page in report.glob("*.html"):
        for href in re.findall(r'href="([^"]+\.csv)"', page.read_text(encoding="utf-8")):
            assert (report / href).is_file(), f"{page.name} links to missing {href}"
    current = pd.read_csv(report / "current_alerts.csv", keep_default_na=False)
    assert {"severity", "explanation", "location"} <= set(current.columns)
    assert set(current["severity"]) <= {"stress", "alert", "crisis"}
    assert len(list((report / "data").glob("*.csv"))) == 14  # one per series


def test_hostile_names_are_escaped_everywhere(report):
    for page in report.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert RAW_HOSTILE not in text, f"{page.name} contains the raw hostile name"
    assert "&lt;img src=x onerror=alert(1)&gt;" in (report / "method.html").read_text(encoding="utf-8")
    # CSV files keep the name exactly as collected.
    assert HOSTILE in (report / "series.csv").read_text(encoding="utf-8")


def test_series_file_names_stay_inside_the_folder(report):
    for path in (report / "data").iterdir():
        assert path.resolve().parent == (report / "data").resolve()
        assert "<" not in path.name and " " not in path.name


@pytest.mark.parametrize("parts", [("../../etc/passwd",), ("/absolute",), ("",), ("..",), (HOSTILE,),
                                   ("Ségou", "mil"), ("a" * 500,), ("con", "nul")])
def test_safe_name_is_one_plain_component(parts):
    name = safe_name(*parts)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name) <= 70
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_safe_name_keeps_distinct_series_apart():
    assert safe_name("grain_price", "A/B", "millet") != safe_name("grain_price", "A B", "millet")
    assert safe_name("x", "Ségou") == safe_name("x", "Ségou")


def test_folder_is_world_readable(report):
    assert stat.S_IMODE(report.stat().st_mode) == 0o755
    assert stat.S_IMODE((report / "data").stat().st_mode) == 0o755
    assert stat.S_IMODE((report / "index.html").stat().st_mode) & 0o444 == 0o444


def test_failed_build_leaves_the_old_report_untouched(database, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    with Store(database) as store:
        write_report(store, out)
        before = (out / "index.html").read_text(encoding="utf-8")

        def broken(site, data, **options):
            site.write_text("index.html", "half")
            raise RuntimeError("killed half-way")

        monkeypatch.setattr(report_pages, "build", broken)
        with pytest.raises(RuntimeError):
            write_report(store, out)
    assert (out / "index.html").read_text(encoding="utf-8") == before
    # no staging folder left behind: only the link and the live folder it points to
    assert {p.name for p in tmp_path.iterdir()} == {"reports", os.readlink(out)}


def test_refuses_to_replace_a_folder_that_is_not_a_report(database, tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("precious", encoding="utf-8")
    with Store(database) as store:
        with pytest.raises(ReportError, match="not a report folder"):
            write_report(store, project)
        monkeypatch.chdir(project)
        with pytest.raises(ReportError, match="its own folder"):
            write_report(store, ".")
        (tmp_path / "file").write_text("x", encoding="utf-8")
        with pytest.raises(ReportError, match="not a folder"):
            write_report(store, tmp_path / "file")
        empty = tmp_path / "empty"
        empty.mkdir()
        write_report(store, empty)  # an empty folder may become a report
        kept = tmp_path / "reports"
        kept.mkdir()
        (kept / "README.md").write_text("Generated reports go here.", encoding="utf-8")
        write_report(store, kept)  # a repository's reports/README.md is kept
        write_report(store, kept)
    assert (project / "notes.txt").read_text(encoding="utf-8") == "precious"
    assert (empty / ".track-report").exists()
    assert (kept / "README.md").read_text(encoding="utf-8") == "Generated reports go here."


def test_strict_umask_still_publishes_readable_files(database, tmp_path):
    import os
    old = os.umask(0o077)
    try:
        with Store(database) as store:
            write_report(store, tmp_path / "r")
    finally:
        os.umask(old)
    for path in (tmp_path / "r").rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o444 == 0o444, path


def test_leftovers_of_killed_jobs_are_removed(database, tmp_path):
    import os
    stale = tmp_path / ".reports-abcd1234"
    stale.mkdir()
    dead = tmp_path / ".reports-old-99999999"  # a process id that cannot be running: removed at once
    dead.mkdir()
    fresh = tmp_path / f".reports-{os.getppid()}-abcd1234"  # a live process may still be writing it
    fresh.mkdir()
    unrelated = tmp_path / ".other-abcd1234"
    unrelated.mkdir()
    os.utime(stale, (0, 0))
    os.utime(unrelated, (0, 0))
    with Store(database) as store:
        write_report(store, tmp_path / "reports")
    assert not stale.exists() and not dead.exists() and fresh.exists() and unrelated.exists()


def test_overview_headlines_and_simulated_banner(report, database, tmp_path):
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "SIMULATED" not in index
    assert "Fuel: " in index and "Grain prices: " in index and "Power: " in index
    assert 'class="grid"' in index and index.count("<svg") == 14
    # the consolidation rule is a paragraph of method: the overview links to it
    assert 'href="method.html#consolidation"' in index and "max-severity" not in index
    assert 'id="consolidation"' in (report / "method.html").read_text(encoding="utf-8")
    with Store(database) as store:
        store.conn.execute("UPDATE series SET source = 'SIMULATED demo data' WHERE id = 1")
        write_report(store, tmp_path / "sim")
        store.conn.execute(f"UPDATE series SET source = 'report test fixture' WHERE id = 1")
    assert "SIMULATED DATA" in (tmp_path / "sim" / "index.html").read_text(encoding="utf-8")


def test_headline_counts_locations_at_their_worst_severity():
    series = pd.DataFrame({
        "location": ["Bamako", "Bamako", "Kati", "Segou", "Sikasso"],
        "severity": ["crisis", "normal", "crisis", "alert", "normal"],
        "since": ["2025-09-20", "", "2025-09-12", "2025-10-01", ""],
    })
    sentence, worst = headline("fuel", series)
    assert worst == "crisis"
    assert sentence == "Fuel: 2 of 4 cities in crisis since 2025-09-12; 1 on alert."
    calm = series.assign(severity="normal")
    assert headline("grain", calm) == ("Grain prices: all 4 markets normal at their latest date.", "normal")
    one = calm[calm["location"] == "Kati"]
    assert headline("power", one)[0] == "Power: the one area is normal at its latest date."
    assert headline("fuel", one.assign(severity="crisis", since="2025-09-12"))[0] == \
        "Fuel: 1 of 1 city in crisis since 2025-09-12."


def test_seasonal_profile_compares_this_year_with_past_years():
    dates = [f"{y}-{m:02d}" for y in range(2018, 2026) for m in range(1, 13)][:-1]
    values = [100 + (10 if d[5:] in ("07", "08") else 0) + (50 if d.startswith("2025") else 0) for d in dates]
    profile, year, past = tables.seasonal_profile(pd.DataFrame({"date": dates, "value": values}))
    assert (year, past) == (2025, 5)
    july = profile.set_index("month").loc[7]
    assert july["this_year"] == 160 and july["last_year"] == 110 and july["average"] == 110
    assert pd.isna(profile.set_index("month").loc[12, "this_year"])


def test_band_comes_from_an_early_warning_detector_before_a_market_phase_one():
    """ALPS covers more dates (no warm-up) but is refitted on the whole series: the band drawn is
    the one the alerts were judged against, from a past-data detector whenever one ran."""
    from indicators.report.rows import band as _band

    def rows(series_id, detector, dates):
        return [{"series_id": series_id, "detector": detector, "date": f"2025-{m:02d}", "value": 1.0,
                 "expected": 1.0, "lower": 0.5, "upper": 1.5} for m in range(1, dates + 1)]

    anomalies = pd.DataFrame(rows(1, "alps", 12) + rows(1, "regime", 6) + rows(1, "state", 6)
                             + rows(2, "alps", 12) + rows(3, "future_detector", 3) + rows(3, "state", 2))
    chosen = _band(anomalies).groupby("sid")["band_detector"].first().to_dict()
    assert chosen == {1: "state", 2: "alps", 3: "future_detector"}


def test_fuel_panel_lines_are_trailing_seven_day_means():
    days = [f"2025-09-{d:02d}" for d in (1, 2, 3, 4, 5, 6, 7, 8, 20)]
    frame = pd.DataFrame({"location": "Kati", "item": "petrol", "date": days, "value": [0.0] * 6 + [7.0, 7.0, 3.0]})
    smooth = tables.trailing_mean(frame.iloc[::-1], 7)  # any row order
    assert list(smooth["date"]) == days
    assert list(smooth["value"]) == [0.0] * 6 + [1.0, 2.0, 3.0]  # 09-07: mean of 7 days; 09-20: alone


def test_fuel_panel_shows_averages_and_links_them(report):
    fuel = (report / "fuel.html").read_text(encoding="utf-8")
    assert 'href="fuel_panel.csv"' in fuel and "7-day average" in fuel
    panel = pd.read_csv(report / "fuel_panel.csv")
    assert list(panel.columns) == ["panel", "location", "item", "date", "value"]
    assert set(panel["panel"]) == {"Fuel availability (share)", "Fuel queue time (h)",
                                   "Parallel-market premium over pump price (%)"}


def test_month_runs_wrap_the_year():
    assert month_runs([11, 12, 1]) == [(1, 1), (11, 12)]
    assert month_runs([6, 7, 8, 9]) == [(6, 9)]


def test_unknown_detector_in_the_table_is_described(database, tmp_path):
    """Detectors are read from the registry and the table: a detector this version does not
    know still appears on the method page and in the alerts."""
    with Store(database) as store:
        series_id = int(store.series("grain_price")["id"].iloc[0])
        frame = pd.DataFrame([{"date": "2025-11", "value": 400.0, "expected": 300.0, "lower": 280.0, "upper": 320.0,
                               "score": 99.0, "severity": "crisis", "explanation": "Regime <b>shift</b>"}])
        with store.transaction():
            store.replace_anomalies(series_id, "regime_test", frame)
        write_report(store, tmp_path / "r")
        with store.transaction():
            store.replace_anomalies(series_id, "regime_test", frame.iloc[0:0])
    method = (tmp_path / "r" / "method.html").read_text(encoding="utf-8")
    assert "regime_test" in method and "Not in this version" in method
    assert "Regime &lt;b&gt;shift&lt;/b&gt;" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


def test_table_cells_read_like_a_bulletin():
    from indicators.report.layout import number, table

    values = (12345.6, 1935.4, 267.6, 0.4512, float("nan"))
    assert [number(v) for v in values] == ["12,346", "1,935", "267.6", "0.4512", ""]
    html = table(pd.DataFrame({"date": ["2025-11"], "value": [12345.6]}), {"date": "date", "value": "value"})
    assert '<td class="date" data-label="date">2025-11</td>' in html
    assert '<td class="num" data-label="value">12,346</td>' in html


def test_thresholds_read_as_words():
    assert tables.thresholds_text({"stress": 0.5, "alert": 1, "crisis": float("inf")}) == \
        "stress >= 0.5; alert >= 1; never crisis"
    assert tables.thresholds_text({"window": "36 months"}) == "window: 36 months"


def test_provenance_says_when_no_licence_was_recorded(report):
    method = (report / "method.html").read_text(encoding="utf-8")
    provenance = method.split('id="provenance"')[1]
    series = provenance.split("<h3")[2]  # after the "Sources and licences" summary
    assert series.count('<td data-label="licence">not recorded</td>') == 14  # every fixture series
    assert "not recorded" not in (report / "series.csv").read_text(encoding="utf-8")  # the CSV keeps it empty


def test_empty_database_still_writes_a_report(tmp_path):
    with Store(tmp_path / "empty.db") as store:
        index = write_report(store, tmp_path / "out")
    assert "0 series" in index.read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "map.html").exists()


def test_static_export_unavailable_is_one_clear_line(database, tmp_path, monkeypatch):
    monkeypatch.setattr(static.importlib.util, "find_spec", lambda name: None)
    with Store(database) as store, pytest.raises(ReportError) as error:
        write_report(store, tmp_path / "out", static_formats=("png",))
    message = str(error.value)
    assert "kaleido is not installed" in message and "\n" not in message
    assert not (tmp_path / "out").exists()


def test_cli_report_png_without_kaleido_exits_1(track, store, monkeypatch, tmp_path):
    monkeypatch.setattr(static.importlib.util, "find_spec", lambda name: None)
    result = track("report", "--out", str(tmp_path / "r"), "--png")
    assert result.exit_code == 1
    assert "kaleido is not installed" in result.output


def test_static_images_stand_alone_with_a_title_and_no_buttons(database, tmp_path, monkeypatch):
    """An image pasted into a brief has no page heading around it: the export titles it."""
    import plotly.io as pio

    written = {}
    monkeypatch.setattr(static, "unavailable", lambda: None)
    monkeypatch.setattr(pio, "write_images", lambda figures, paths, **options: written.update(zip(paths, figures)))
    with Store(database) as store:
        write_report(store, tmp_path / "out", static_formats=("png", "pdf"))
    titles = {path.name: figure.layout.title.text for path, figure in written.items()}
    assert len(titles) == 2 * 19 and all(titles.values())  # 19 charts, as in the browser test
    assert titles["fuel-panel.png"] == titles["fuel-panel.pdf"] == "Fuel panel"
    assert "Millet retail price in &lt;img src=x onerror=alert(1)&gt;" in titles.values()
    assert not [f for f in written.values() if f.layout.xaxis.rangeselector.visible is not False]
    page = (tmp_path / "out" / "fuel.html").read_text(encoding="utf-8")
    assert '"rangeselector":{' in page and '"visible":false' not in page  # the pages keep their buttons


@pytest.mark.skipif(static.unavailable() is not None, reason=f"static export not possible here: {static.unavailable()}")
def test_static_png_export_writes_every_chart(tmp_path):
    from report_data import write_inputs
    from indicators.collectors import get_collector
    from indicators.detect import run_detection

    with Store(tmp_path / "small.db") as store:
        get_collector("csv").collect_file(store, write_inputs(tmp_path)[2])  # power: 2 series + heat map
        run_detection(store)
        write_report(store, tmp_path / "out", static_formats=("png",))
    images = sorted(p.name for p in (tmp_path / "out" / "static").glob("*.png"))
    assert len(images) == 3 and "power-heat-map.png" in images
    assert all((tmp_path / "out" / "static" / name).read_bytes()[:4] == b"\x89PNG" for name in images)


def test_seasonal_view_shades_the_crop_calendar_the_series_was_scored_with(database, tmp_path):
    """A job's per-source crop calendar (stored in the series metadata) shades the seasonal view,
    as it drives the harvest detector; other series keep their zone's calendar."""
    import json
    import shutil

    from indicators.report.data import load

    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    override = {"zone": "sahel", "crop_calendar": {"millet": {"harvest": [9, 10], "lean": [5, 6, 7]}}}
    def millet_calendars(store):
        series = load(store).series
        return series.loc[series["item"] == "millet", "calendar"].tolist()

    with Store(copy) as store:
        before = millet_calendars(store)
        store.conn.execute("UPDATE series SET metadata = ? WHERE item = 'millet'", [json.dumps(override)])
        after = millet_calendars(store)
    assert before and all(calendar.harvest == (10, 11, 12) for calendar in before)  # the Sahel zone's default
    assert after and all((calendar.harvest, calendar.lean) == ((9, 10), (5, 6, 7)) for calendar in after)


def test_headline_names_the_size_and_a_possible_data_error():
    series = pd.DataFrame({
        "location": ["Bamako", "Kati", "Djibo"],
        "indicator": ["fuel_availability", "fuel_availability", "fuel_availability"],
        "unit": ["share", "share", "share"],
        "severity": ["crisis", "crisis", "crisis"],
        "since": ["2025-09-20", "2025-09-12", "2025-11-20"],
        "latest_value": [0.1, 0.4, 0.05],
        "suspect": [False, False, True],
    })
    sentence, worst = headline("fuel", series)
    assert worst == "crisis"
    assert sentence == ("Fuel: 2 of 3 cities in crisis since 2025-09-12 (availability 10-40%). "
                        "Check 1 city with a possible data error (Djibo).")

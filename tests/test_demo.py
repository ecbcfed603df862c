"""The main job on the bundled demo, end to end, on a real database file (the README's command)."""
import json
import sqlite3

import pytest
from click.testing import CliRunner

from indicators.cli import cli


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from click.testing import CliRunner
    folder = tmp_path_factory.mktemp("demo")
    db, out = folder / "track.db", folder / "reports"
    result = CliRunner().invoke(cli, ["run", "--db", str(db), "--out", str(out), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db, out, json.loads(result.output)


def _alerts(db, indicator):
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT a.date, a.severity FROM anomalies a JOIN series s ON s.id = a.series_id "
        "WHERE s.indicator = ? AND a.severity != 'normal'", (indicator,)).fetchall()
    connection.close()
    return rows


def test_demo_creates_the_four_families_of_series(demo_run):
    db, out, summary = demo_run
    connection = sqlite3.connect(db)
    indicators = {row[0] for row in connection.execute("SELECT DISTINCT indicator FROM series")}
    assert {"grain_price", "fuel_availability", "fuel_queue_time", "power_outage"} <= indicators
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (out / "index.html").is_file()
    assert summary["exit_code"] == 0 and summary["errors"] == []
    assert {source["kind"] for source in summary["sources"]} == {"wfp", "stations", "outages", "events"}


@pytest.mark.parametrize("indicator", ["fuel_availability", "fuel_queue_time", "power_outage"])
def test_demo_raises_crisis_alerts_on_the_blockade(demo_run, indicator):
    rows = _alerts(demo_run[0], indicator)
    crisis_dates = sorted(date for date, severity in rows if severity == "crisis")
    assert crisis_dates, indicator
    blockade = [date for date in crisis_dates if date >= "2025-09"]
    assert "2025-09-01" <= blockade[0] <= "2025-10-31"  # flagged as the blockade tightens
    # Before the blockade, only isolated days when half a small town's stations ran dry (a few a year).
    assert len(crisis_dates) - len(blockade) <= 3 and len(blockade) >= 20


def test_demo_flags_grain_prices_that_did_not_fall_at_harvest(demo_run):
    rows = _alerts(demo_run[0], "grain_price")
    assert any(date in ("2025-10", "2025-11") for date, _ in rows)


def test_rerunning_the_demo_changes_no_observation(demo_run):
    db, out, _ = demo_run
    from click.testing import CliRunner
    result = CliRunner().invoke(cli, ["run", "--db", str(db), "--out", str(out), "--json"], catch_exceptions=False)
    summary = json.loads(result.output)
    assert sum(s["new"] + s["revised"] for s in summary["sources"]) == 0


def test_demo_shows_the_six_attacks_on_the_fuel_panel_and_the_map(demo_run):
    import re

    db, out, _ = demo_run

    def markers(page, chart):
        html = (out / page).read_text(encoding="utf-8")
        figure = json.loads(re.search(rf'data-chart="{chart}">(.*?)</script>', html).group(1))
        return [t for t in figure["data"] if t.get("name") == "attack on fuel convoy (Bellingcat)"]

    assert len(markers("fuel.html", "fuel-panel")[0]["customdata"]) == 6
    assert len(markers("map.html", "market-map")[0]["customdata"]) == 6
    result = CliRunner().invoke(cli, ["events", "--db", str(db), "--format", "csv"])
    assert result.output.count("Bellingcat") == 6 and "2025-09-14" in result.output

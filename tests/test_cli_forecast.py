"""`forecast` and `forecasts` through the store and the CLI: vintages, the CSV contract, skill."""
import csv
import io
import json
import warnings

from series_factory import daily_share, monthly_prices

warnings.simplefilter("ignore")

DESIGN_COLUMNS = ("indicator,location,item,price_type,origin,date,method,forecast,lower_80,upper_80,lower_95,"
                  "upper_95,unit").split(",")


def _csv(write_csv, name, months=60, days=0):
    rows = [("grain_price", "Segou", "millet", "retail", date, round(value, 1), "XOF/KG")
            for date, value in monthly_prices(seed=5, months=108).iloc[:months].items()]
    rows += [("fuel_availability", "Bamako", "petrol", "", date, round(value, 3), "share")
             for date, value in daily_share(seed=1, days=200).iloc[:days].items()]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["indicator", "location", "item", "price_type", "date", "value", "unit"])
    writer.writerows(rows)
    return write_csv(name, text.getvalue())


def _rows(track, *args):
    result = track("forecasts", "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_forecasts_csv_has_the_design_columns_and_horizons(track, write_csv):
    assert track("collect", "csv", str(_csv(write_csv, "a.csv", months=60, days=150))).exit_code == 0
    result = track("forecast")
    assert result.exit_code == 0, result.output
    assert "2 series projected (2 new origins" in result.output
    output = track("forecasts", "--format", "csv").output
    assert output.splitlines()[0].split(",") == DESIGN_COLUMNS
    rows = _rows(track)
    grain = [r for r in rows if r["indicator"] == "grain_price"]
    fuel = [r for r in rows if r["indicator"] == "fuel_availability"]
    assert len(grain) == 6 and grain[0]["origin"] == "2020-12" and grain[0]["date"] == "2021-01"
    assert len(fuel) == 30 and fuel[-1]["date"] == "2025-06-29"
    assert all(float(r["lower_95"]) <= float(r["forecast"]) <= float(r["upper_95"]) for r in rows)
    with_baseline = _rows(track, "--all-methods")
    assert {r["method"] for r in with_baseline} >= {"seasonal_naive"}


def test_a_second_run_next_month_keeps_the_first_projection(track, write_csv):
    assert track("collect", "csv", str(_csv(write_csv, "a.csv", months=60))).exit_code == 0
    assert track("forecast").exit_code == 0
    first = _rows(track, "--all-methods")
    assert track("forecast").exit_code == 0  # same data again: nothing rewritten, nothing added
    assert _rows(track, "--all-methods") == first
    assert track("collect", "csv", str(_csv(write_csv, "b.csv", months=61))).exit_code == 0
    result = track("forecast")
    assert "1 new origins" in result.output
    rows = _rows(track, "--all-methods")
    assert [r for r in rows if r["origin"] == "2020-12"] == first
    assert {r["origin"] for r in rows} == {"2020-12", "2021-01"}
    latest = _rows(track, "--latest")
    assert {r["origin"] for r in latest} == {"2021-01"}


def test_skill_is_printed_per_indicator_method_and_horizon(track, write_csv):
    assert track("collect", "csv", str(_csv(write_csv, "a.csv", months=108))).exit_code == 0
    assert track("forecast", "--horizon", "3").exit_code == 0
    result = track("forecasts", "--skill", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["method"] for r in rows} >= {"naive", "seasonal_naive", "selected"}
    assert {r["horizon"] for r in rows} == {1, 2, 3}
    baseline = [r for r in rows if r["method"] == "seasonal_naive"]
    assert all(abs(r["mase"] - 1) < 1e-9 for r in baseline)
    assert all(0 <= r["coverage_80"] <= r["coverage_95"] <= 1 for r in rows)
    table = track("forecasts", "--skill").output
    assert "coverage_80" in table and "selected" in table


def test_to_lean_projects_to_the_end_of_the_lean_season(track, write_csv):
    assert track("collect", "csv", str(_csv(write_csv, "a.csv", months=59))).exit_code == 0  # to 2020-11
    assert track("forecast", "--to-lean").exit_code == 0
    rows = _rows(track)
    assert rows[-1]["date"] == "2021-09"


def test_the_run_job_projects_after_detection(track, write_csv, tmp_path):
    config = tmp_path / "track.toml"
    config.write_text(f'reports = "{tmp_path / "reports"}"\n[[sources]]\nkind = "csv"\n'
                      f'path = "{_csv(write_csv, "a.csv", months=80)}"\n', encoding="utf-8")
    result = track("run", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["forecast"]["series"] == 1
    assert list(summary["durations"]).index("forecast") == list(summary["durations"]).index("detect") + 1

"""The CLI contract of DESIGN.md: commands, --db, output formats, exit codes."""
import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from indicators.alerts import ALERT_COLUMNS

DESIGN_ALERT_COLUMNS = ("indicator,location,item,price_type,date,value,expected,lower,upper,score,severity,"
                        "detector,explanation,unit,currency").split(",")  # unit, currency added at the end


@pytest.fixture
def fuel_csv(tmp_path):
    """90 days of fuel availability in two cities; Bamako collapses on day 80."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2025-08-01", periods=90, freq="D")
    rows = []
    for city in ("Bamako", "Kati"):
        values = 0.92 + rng.normal(0, 0.015, len(dates))
        if city == "Bamako":
            values[80:] = 0.3
        rows += [{"indicator": "fuel_availability", "location": city, "item": "petrol", "date": d.strftime("%Y-%m-%d"),
                  "value": round(float(v), 3), "unit": "share"} for d, v in zip(dates, values)]
    path = tmp_path / "fuel.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def detected(track, fuel_csv):
    assert track("collect", "csv", str(fuel_csv)).exit_code == 0
    result = track("detect")
    assert result.exit_code == 0, result.output
    return result


def test_collect_prints_a_summary_and_exits_0_with_rejects(track, write_csv):
    path = write_csv("in.csv", "indicator,location,date,value\ngrain_price,Segou,2025-01,300\n"
                                "grain_price,Segou,2025-02,x\n")
    result = track("collect", "csv", str(path))
    assert result.exit_code == 0
    assert "1 new" in result.output and "rejected 1 (lines 3)" in result.output


def test_collect_strict_exits_1_and_names_file_and_line(track, write_csv):
    path = write_csv("in.csv", "indicator,location,date,value\ngrain_price,Segou,2025-01,300\n"
                                "grain_price,Segou,2025-02,x\n")
    result = track("collect", "csv", "--strict", str(path))
    assert result.exit_code == 1
    assert "in.csv, line 3" in result.output and "nothing imported" in result.output
    assert track("export", "--format", "csv").output.strip().count("\n") == 0  # header only


def test_non_csv_file_is_one_line_error_exit_1(track, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\nxxxx")
    result = track("collect", "csv", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path}: not a CSV file" in result.output


def test_missing_file_is_an_error(track, tmp_path):
    result = track("collect", "csv", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "no such file" in result.output


def test_detect_reports_counts(detected):
    assert "2 series scored" in detected.output and "crisis" in detected.output


def test_alerts_csv_has_exactly_the_design_columns(track, detected):
    result = track("alerts", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == DESIGN_ALERT_COLUMNS == ALERT_COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert body and all(r["severity"] in ("stress", "alert", "crisis") for r in body)
    crisis = [r for r in body if r["severity"] == "crisis"]
    assert crisis[0]["location"] == "Bamako" and crisis[0]["date"] == "2025-10-20"
    assert crisis[0]["explanation"].startswith("Fuel availability (petrol) in Bamako, 2025-10-20: 30%")


def test_alerts_all_includes_normal_and_detector_filter(track, detected):
    default = json.loads(track("alerts", "--format", "json").output)
    everything = json.loads(track("alerts", "--all", "--format", "json").output)
    assert len(everything) > len(default)
    assert any(r["severity"] == "normal" for r in everything)
    own = json.loads(track("alerts", "--detector", "seasonal", "--format", "json").output)
    assert own and {r["detector"] for r in own} == {"seasonal"}
    assert track("alerts", "--detector", "no-such", "--format", "json").exit_code == 2  # names the detectors


def test_alerts_table_is_readable(track, detected):
    output = track("alerts", "--history").output
    assert "crisis" in output and "Bamako" in output and "explanation" in output


def test_alerts_default_table_is_the_current_view_sized_to_the_terminal(track, detected, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = track("alerts").output.splitlines()
    history = track("alerts", "--format", "csv").output.splitlines()
    assert lines[-1].startswith("1 series flagged at their latest date; ")
    assert f"{len(history) - 1} flagged dates in all" in lines[-1] and "--history" in lines[-1]
    assert lines[0].startswith("crisis ") and "Bamako" in lines[0]
    assert all(len(line) <= 80 for line in lines[:-1])


@pytest.mark.parametrize("command", ["series", "export", "rejects", "alerts"])
def test_every_listing_supports_three_formats(track, detected, command):
    as_csv = track(command, "--format", "csv")
    as_json = track(command, "--format", "json")
    as_table = track(command)
    assert as_csv.exit_code == as_json.exit_code == as_table.exit_code == 0
    assert isinstance(json.loads(as_json.output), list)
    assert as_csv.output.splitlines()[0].count(",") >= 3


def test_export_is_the_generic_long_format_with_provenance(track, detected, fuel_csv):
    rows = list(csv.DictReader(io.StringIO(track("export", "--indicator", "fuel_availability", "--format", "csv").output)))
    assert len(rows) == 180
    first = rows[0]
    for column in ("indicator", "location", "item", "date", "value", "unit", "source_file", "source_line", "collected_at"):
        assert column in first
    assert first["source_file"] == str(fuel_csv.resolve())


def test_series_lists_coverage(track, detected):
    rows = json.loads(track("series", "--format", "json").output)
    assert {r["location"] for r in rows} == {"Bamako", "Kati"}
    assert all(r["observations"] == 90 and r["frequency"] == "daily" for r in rows)


def test_report_writes_html(track, detected, tmp_path):
    result = track("report", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0 and (tmp_path / "site" / "index.html").is_file()


def test_db_from_environment(runner, fuel_csv, tmp_path, monkeypatch):
    from indicators.cli import cli
    monkeypatch.setenv("TRACK_DB", str(tmp_path / "env.db"))
    assert runner.invoke(cli, ["collect", "csv", str(fuel_csv)]).exit_code == 0
    assert (tmp_path / "env.db").is_file()


def test_run_with_a_config_file(runner, fuel_csv, tmp_path):
    from indicators.cli import cli
    config = tmp_path / "track.toml"
    config.write_text(f'db = "{tmp_path / "job.db"}"\nreports = "{tmp_path / "out"}"\n'
                      f'[[sources]]\nkind = "csv"\npath = "{fuel_csv.name}"\n')
    result = runner.invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "job.db").is_file() and (tmp_path / "out" / "index.html").is_file()


def test_run_with_a_bad_config_key_names_it(runner, tmp_path):
    from indicators.cli import cli
    config = tmp_path / "track.toml"
    config.write_text('databse = "x.db"\n')
    result = runner.invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1 and "unknown key(s) databse" in result.output

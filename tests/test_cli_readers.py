"""Read commands: a database that does not exist is an error (nothing created); read-only media
work; bad filters fail naming what is accepted; --since keeps the month it falls in."""
import contextlib
import json
import shutil
import subprocess

import pandas as pd
import pytest

from indicators.cli import cli
from indicators.store import Store

READERS = [["alerts"], ["series"], ["export"], ["rejects"], ["alerts", "--new"]]


@pytest.mark.parametrize("command", READERS)
@pytest.mark.parametrize("where", ["typo.db", "no/such/dir/x.db"])
def test_reader_on_a_missing_database_fails_and_creates_nothing(runner, tmp_path, command, where):
    target = tmp_path / where
    result = runner.invoke(cli, command + ["--db", str(target)])
    assert result.exit_code == 1, result.output
    assert "no such database" in result.output
    assert not target.exists() and not target.parent.exists() or target.parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_report_on_a_missing_database_fails_and_creates_nothing(runner, tmp_path):
    result = runner.invoke(cli, ["report", "--db", str(tmp_path / "typo.db"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "no such database" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_reader_does_not_write(tmp_path, write_csv, track, db_path):
    path = write_csv("a.csv", "indicator,location,date,value\nfuel_availability,Bamako,2025-10-01,0.5\n")
    assert track("collect", "csv", str(path)).exit_code == 0
    with Store(db_path, readonly=True) as store:
        assert len(store.observations()) == 1
        with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
            store.conn.execute("DELETE FROM observations")


def test_a_reader_sees_tables_an_old_database_lacks_as_empty(db_path):
    with Store(db_path) as store:
        store.conn.execute("DROP TABLE run_alerts")
    with Store(db_path, readonly=True) as store:
        assert store.query_frame("SELECT * FROM run_alerts").empty
    with Store(db_path) as store:  # the file itself was not changed by the reader
        assert "run_alerts" in {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}


@contextlib.contextmanager
def read_only_mount(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("needs permission to mount a tmpfs (root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_readers_work_on_read_only_media(tmp_path, runner, write_csv):
    source = write_csv("a.csv", "indicator,location,date,value\nfuel_availability,Bamako,2025-10-01,0.5\n"
                                "fuel_availability,Bamako,2025-10-02,0.4\n")
    with read_only_mount(tmp_path) as media:
        db = media / "track.db"
        assert runner.invoke(cli, ["collect", "csv", "--db", str(db), str(source)]).exit_code == 0
        assert subprocess.run(["mount", "-o", "remount,ro", str(media)]).returncode == 0
        for command in READERS:
            result = runner.invoke(cli, command + ["--db", str(db), "--format", "json"])
            assert result.exit_code == 0, (command, result.output)
        export = json.loads(runner.invoke(cli, ["export", "--db", str(db), "--format", "json"]).output)
        assert [row["value"] for row in export] == [0.5, 0.4]
        result = runner.invoke(cli, ["report", "--db", str(db), "--out", str(tmp_path / "report")])
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli, ["backup", "--db", str(db), str(tmp_path / "copy.db")])
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli, ["collect", "csv", "--db", str(db), str(source)])
        assert result.exit_code == 1 and "Traceback" not in result.output


@pytest.mark.parametrize("args, accepted", [
    (["alerts", "--since", "yesterday"], "YYYY-MM-DD"),
    (["alerts", "--since", "2025-13-01"], "YYYY-MM-DD"),
    (["alerts", "--since", "2025-02-30"], "YYYY-MM-DD"),
    (["alerts", "--new", "--since", "last week"], "YYYY-MM-DD"),
    (["alerts", "--detector", "foo"], "seasonal"),
    (["series", "--indicator", "nosuch"], "grain_price"),
    (["export", "--indicator", "nosuch"], "fuel_price"),
])
def test_bad_filters_fail_naming_accepted_values(store, db_path, runner, args, accepted):
    result = runner.invoke(cli, args + ["--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert accepted in result.output and "(none)" not in result.output


def test_an_indicator_the_store_holds_is_accepted(track, write_csv):
    path = write_csv("a.csv", "indicator,location,date,value\nmy_indicator,Bamako,2025-10-01,3\n")
    assert track("collect", "csv", str(path)).exit_code == 0
    assert "Bamako" in track("export", "--indicator", "my_indicator").output
    assert track("series", "--indicator", "grain_price").output.strip() == "(none)"


def _monthly_anomalies(store):
    frame = pd.DataFrame([{"indicator": "grain_price", "location": "Segou", "item": "millet",
                           "price_type": "retail", "unit": "XOF/KG"}])
    series_id = int(store.ensure_series(frame).iloc[0])
    rows = pd.DataFrame([{"date": d, "value": 400.0, "expected": 300.0, "lower": 250.0, "upper": 350.0,
                          "score": 4.0, "severity": "crisis", "explanation": f"high in {d}"}
                         for d in ("2025-09", "2025-10", "2025-11")])
    with store.transaction():
        store.replace_anomalies(series_id, "harvest", rows)  # a detector the consolidated view counts


@pytest.mark.parametrize("since, kept", [("2025-11-15", ["2025-11"]), ("2025-10", ["2025-10", "2025-11"]),
                                         ("2025", ["2025-09", "2025-10", "2025-11"]),
                                         ("2025-11-30T23:00", ["2025-11"]), ("2025-12-01", [])])
def test_since_keeps_the_month_it_falls_in(store, track, since, kept):
    _monthly_anomalies(store)
    for detector in (["--detector", "harvest"], []):
        result = track("alerts", "--since", since, "--format", "json", *detector)
        assert result.exit_code == 0, result.output
        assert [row["date"] for row in json.loads(result.output)] == kept

"""The scheduled job from the command line, in process: JSON summary, new alerts, the job lock,
backup, progress bars and verbosity."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading

import pandas as pd

from indicators.alerts import new_alerts, record_new_alerts
from indicators.cli import TerminalProgress, cli
from indicators.locks import close_dead_runs, job_lock
from jobs_support import HEADER, availability_rows, integrity, track as track_process


def job_files(tmp_path, crash=False):
    rows = availability_rows("Kayes", 60, crash_from=57 if crash else None)
    (tmp_path / "fuel.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    config = tmp_path / "track.toml"
    config.write_text('reports = "reports"\n[[sources]]\nname = "fuel"\nkind = "csv"\npath = "fuel.csv"\n')
    return config


def test_run_json_summary(track, tmp_path):
    result = track("run", "--config", str(job_files(tmp_path, crash=True)), "--json", "--fail-on", "crisis")
    assert result.exit_code == 3
    summary = json.loads(result.output)
    assert summary["exit_code"] == 3 and summary["status"] == "ok" and summary["errors"] == []
    [source] = summary["sources"]
    assert (source["name"], source["kind"], source["status"], source["rows_read"], source["new"], source["rejected"]) \
        == ("fuel", "csv", "collected", 60, 60, 0)
    assert source["files"][0]["rows_read"] == 60 and source["seconds"] >= 0
    assert summary["totals"]["new"] == 60 and summary["detection"]["series"] == 1
    # One alarm: the episode's start; its next two days are the same crisis going on, not new alarms.
    assert summary["new_alerts"]["count"] == 1 and summary["new_alerts"]["by_severity"] == {"crisis": 1}
    assert {a["date"] for a in summary["new_alerts"]["alerts"]} == {"2020-02-27"}
    assert summary["detection"]["states"]["flagged_dates"] == {"crisis": 3}
    assert summary["detection"]["states"]["episodes"] == summary["detection"]["states"]["ongoing_episodes"] == 1
    assert set(summary["durations"]) == {"collect", "derive", "detect", "forecast", "report", "total"}
    assert set(summary["derivation"]) == {"terms_of_trade", "basket_cost", "fuel_stress"}
    assert summary["report"].endswith("index.html")


def test_detect_records_new_alerts_and_alerts_new_lists_them(track, tmp_path):
    (tmp_path / "fuel.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 60, crash_from=58)) + "\n")
    assert track("collect", "csv", str(tmp_path / "fuel.csv")).exit_code == 0
    detected = track("detect")
    assert "flagged dates: 2 crisis; episodes: 1 (1 ongoing); new alarms: 1 (1 crisis)" in detected.output
    listed = json.loads(track("alerts", "--new", "--format", "json").output)
    assert [(a["date"], a["severity"]) for a in listed] == [("2020-02-28", "crisis")]
    assert "new alarms: 0" in track("detect").output
    assert track("alerts", "--new").output.strip() == "(none)"
    again = json.loads(track("alerts", "--new", "--run", "2", "--format", "json").output)
    assert len(again) == 1  # what an earlier run found stays queryable


def _anomaly(store, series_id, day, severity):
    frame = pd.DataFrame([{"date": day, "value": 1.0, "expected": 2.0, "lower": 1.5, "upper": 2.5, "score": 3.0,
                           "severity": severity, "explanation": "test"}])
    with store.transaction():
        store.replace_anomalies(series_id, "state", frame)


def test_new_means_not_seen_at_this_severity_or_worse(store, tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 3)) + "\n")
    from indicators.collectors import get_collector
    get_collector("csv").collect_file(store, tmp_path / "a.csv")
    series_id = int(store.series()["id"][0])

    def run_with(severity):
        _anomaly(store, series_id, "2020-01-02", severity)
        run_id = store.start_run("detect")
        found = record_new_alerts(store, run_id)
        store.finish_run(run_id, "ok", {"new_alerts": len(found)})
        return list(found["severity"])

    assert run_with("alert") == ["alert"]
    assert run_with("alert") == []          # seen
    assert run_with("stress") == []         # a downgrade is not news
    assert run_with("crisis") == ["crisis"]  # an escalation is
    assert run_with("alert") == []
    assert list(new_alerts(store)["severity"]) == []
    assert list(new_alerts(store, run_id=4)["severity"]) == ["crisis"]


def test_a_busy_database_exits_75_or_waits(runner, tmp_path, db_path):
    config = job_files(tmp_path)
    with job_lock(db_path):
        busy = runner.invoke(cli, ["run", "--config", str(config), "--db", str(db_path)])
        assert busy.exit_code == 75
        assert f"{db_path} is busy" in busy.output and "--wait SECONDS" in busy.output
        busy_collect = runner.invoke(cli, ["collect", "csv", "--db", str(db_path), str(tmp_path / "fuel.csv")])
        assert busy_collect.exit_code == 75
    held = threading.Event()
    release = threading.Event()

    def hold():
        with job_lock(db_path):
            held.set()
            release.wait(30)

    class ReleaseWhenWaiting(logging.Handler):  # the holder lets go once the job says it waits
        def emit(self, record):
            if record.getMessage().startswith("waiting up to"):
                release.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    waiting = logging.getLogger("indicators.jobs")
    waiting.addHandler(ReleaseWhenWaiting())
    try:
        waited = runner.invoke(cli, ["run", "--config", str(config), "--db", str(db_path), "--wait", "20"])
    finally:
        waiting.handlers.clear()
        release.set()
        holder.join()
    assert waited.exit_code == 0, waited.output
    assert "waiting up to 20 s: another track process holds the job lock" in waited.output


def test_shared_collect_locks_do_not_exclude_each_other(db_path):
    with job_lock(db_path, exclusive=False), job_lock(db_path, exclusive=False, wait=0):
        pass  # two collectors at once


def test_runs_of_dead_processes_are_marked_killed(store):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.conn.execute("INSERT INTO runs (command, started_at, status, pid, host) VALUES "
                       "('run', '2025-01-01T00:00:00+00:00', 'running', ?, ?)", (dead.pid, __import__("socket").gethostname()))
    store.conn.execute("INSERT INTO runs (command, started_at, status, pid, host) VALUES "
                       "('collect csv', '2025-01-01T00:00:00+00:00', 'running', 1, 'another-host')")
    assert close_dead_runs(store) == [1]
    assert list(store.runs()["status"]) == ["killed", "running"]  # other hosts' runs cannot be checked


def test_backup_is_a_checked_consistent_copy(track, runner, tmp_path, db_path):
    (tmp_path / "fuel.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 30)) + "\n")
    track("collect", "csv", str(tmp_path / "fuel.csv"))
    result = track("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0 and "integrity ok" in result.output
    assert integrity(tmp_path / "copy.db") == "ok"
    from indicators.store import Store
    with Store(tmp_path / "copy.db") as copy:
        assert copy.table_counts()["observations"] == 30
    (tmp_path / "backups").mkdir()
    stamped = track("backup", str(tmp_path / "backups"))
    assert stamped.exit_code == 0 and len(list((tmp_path / "backups").glob("track-*.db"))) == 1
    assert track("backup", f"{tmp_path / 'new-folder'}/").exit_code == 0
    assert len(list((tmp_path / "new-folder").glob("track-*.db"))) == 1
    onto_itself = track("backup", str(db_path))
    assert onto_itself.exit_code == 1 and "cannot overwrite the database itself" in onto_itself.output


def test_quiet_verbose_and_no_progress_bar_off_a_terminal(runner, tmp_path, db_path):
    config = str(job_files(tmp_path))
    quiet = runner.invoke(cli, ["run", "--config", config, "--db", str(db_path), "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
    normal = runner.invoke(cli, ["run", "--config", config, "--db", str(db_path)])
    assert "fuel: 1 file(s), 60 rows read" in normal.output and "durations" not in normal.output
    assert "[#" not in normal.output and "collecting" not in normal.output
    verbose = runner.invoke(cli, ["run", "--config", config, "--db", str(db_path), "-v"])
    assert "fuel.csv: 60 rows read" in verbose.output and "durations: collect" in verbose.output


def test_progress_bar_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = TerminalProgress()
    for done in range(1, 4):
        progress("collecting", done, 3)
    progress("detecting", 1, 2)
    progress.close()
    assert "collecting" in screen.getvalue() and "detecting" in screen.getvalue() and "#" in screen.getvalue()
    silent = TerminalProgress(enabled=False)
    silent("collecting", 1, 1)
    assert silent.bar is None


def test_a_collector_bug_fails_its_source_not_the_job(store, tmp_path, monkeypatch):
    from indicators import collectors
    from indicators.collectors.generic_csv import GenericCSVCollector
    from indicators.config import JobConfig, Source
    from indicators.jobs import run_job

    class Broken(GenericCSVCollector):
        name = "broken"

        def read(self, path):
            raise ValueError("cannot happen")

    monkeypatch.setitem(collectors.COLLECTORS, "broken", Broken)
    job_files(tmp_path)
    config = JobConfig(sources=[Source("broken", str(tmp_path / "fuel.csv")), Source("csv", str(tmp_path / "fuel.csv"))])
    result = run_job(store, config, tmp_path / "reports")
    assert result.exit_code() == 1
    assert "unexpected ValueError in the broken collector: cannot happen" in result.sources[0].errors[0]
    assert result.sources[1].totals()["new"] == 60 and result.detection["series"] == 1


def test_json_summary_also_when_the_job_cannot_run(tmp_path, db_path):
    """A scheduler reading stdout gets one JSON object whatever happened (busy, bad config)."""
    config = job_files(tmp_path)
    with job_lock(db_path):
        busy = track_process("run", "--config", config, "--db", db_path, "--json")
    assert busy.returncode == 75 and "is busy" in busy.stderr
    summary = json.loads(busy.stdout)
    assert (summary["status"], summary["exit_code"], summary["run_id"]) == ("busy", 75, None)
    assert "is busy" in summary["errors"][0] and summary["new_alerts"]["count"] == 0
    assert summary["config"] == str(config) and summary["db"] == str(db_path)

    broken = tmp_path / "broken.toml"
    broken.write_text('[[sources]]\nkind = "csv"\npath = "fuel.csv"\nretry = 2\n')
    bad = track_process("run", "--config", broken, "--db", db_path, "--json")
    assert bad.returncode == 1
    summary = json.loads(bad.stdout)
    assert (summary["status"], summary["exit_code"]) == ("failed", 1)
    assert "unknown key(s) sources[1].retry" in summary["errors"][0]
    assert summary["sources"] == [] and summary["totals"]["files"] == 0

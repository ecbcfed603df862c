"""Scheduled-job safety with real processes on real database files: kill, overlap, many writers."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time

import pytest

from jobs_support import LocalServer, availability_rows, integrity, query, send, start_track, track, write_rows

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock are POSIX")


def wait_for(condition, timeout: float = 60.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def imports_done(db):
    try:
        return query(db, "SELECT COUNT(*) FROM imports")[0][0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def run_started(db):
    """The collect's run row is stored (the schema exists): it is past start-up, in its first file."""
    try:
        return bool(query(db, "SELECT COUNT(*) FROM runs")[0][0])
    except sqlite3.OperationalError:  # the file or its schema is being created
        return False


@pytest.fixture
def many_files(tmp_path):
    """40 files of 3000 rows, each its own series: a collect long enough to be killed half-way
    (bulk ingestion stores a file in tens of milliseconds, so there must be many)."""
    folder = tmp_path / "in"
    folder.mkdir()
    return [write_rows(folder / f"part{n:02d}.csv", availability_rows(f"Place {n}", 3000)) for n in range(40)]


@pytest.mark.parametrize("kill_after_imports", [0, 3])
def test_sigkill_during_collect_then_rerun_loses_and_duplicates_nothing(tmp_path, many_files, kill_after_imports):
    db = tmp_path / "track.db"
    job = start_track("collect", "csv", "--db", db, *many_files)
    if kill_after_imports:
        wait_for(lambda: imports_done(db) >= kill_after_imports, every=0.005)
    else:
        wait_for(lambda: run_started(db), every=0.005)  # killed at once: in the first file
    job.send_signal(signal.SIGKILL)
    job.wait(timeout=30)
    assert job.returncode == -signal.SIGKILL

    assert integrity(db) == "ok"
    per_file = dict(query(db, "SELECT source_file, COUNT(*) FROM observations GROUP BY source_file"))
    imported = {row[0] for row in query(db, "SELECT source_file FROM imports")}
    for path in many_files:
        count = per_file.get(str(path.resolve()), 0)
        assert count in (0, 3000), f"{path.name} half-imported: {count} rows"
        assert (count == 3000) == (str(path.resolve()) in imported)
    assert len(imported) < len(many_files), "the kill came too late to test anything"

    again = track("collect", "csv", "--db", db, *many_files)
    assert again.returncode == 0, again.stderr
    assert integrity(db) == "ok"
    assert query(db, "SELECT COUNT(*) FROM observations")[0][0] == len(many_files) * 3000
    assert query(db, "SELECT COUNT(*) FROM (SELECT DISTINCT series_id, date FROM observations)")[0][0] == \
        len(many_files) * 3000
    assert query(db, "SELECT COUNT(*) FROM revisions")[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM rejects")[0][0] == 0
    statuses = [row[0] for row in query(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses == ["killed", "ok"]


def test_four_concurrent_collectors_give_exactly_the_union(tmp_path):
    db = tmp_path / "fresh" / "track.db"  # not created yet: the writers also race to create it
    groups = [[write_rows(tmp_path / f"w{w}f{f}.csv", availability_rows(f"Writer {w} file {f}", 1500))
               for f in range(2)] for w in range(4)]
    jobs = [start_track("collect", "csv", "--db", db, *files) for files in groups]
    outputs = [job.communicate(timeout=120) for job in jobs]
    for job, (out, err) in zip(jobs, outputs):
        assert job.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
    assert integrity(db) == "ok"
    assert query(db, "SELECT COUNT(*) FROM observations")[0][0] == 4 * 2 * 1500
    assert query(db, "SELECT COUNT(*) FROM series")[0][0] == 8
    assert query(db, "SELECT COUNT(*) FROM imports")[0][0] == 8
    assert query(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'")[0][0] == 4


def _config(folder, *names):
    text = "".join(f'[[sources]]\nkind = "csv"\npath = "{name}"\n' for name in names)
    path = folder / "track.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_files(tmp_path):
    """6 files of 60 days, each its own series: quick to collect and to score."""
    folder = tmp_path / "small"
    folder.mkdir()
    return [write_rows(folder / f"part{n}.csv", availability_rows(f"Town {n}", 60)) for n in range(6)]


def test_a_second_run_during_a_first_exits_75_or_waits(tmp_path, small_files):
    db = tmp_path / "track.db"
    release = threading.Event()

    def slow(handler):  # holds the first job inside its run until the test releases it
        release.wait(60)
        send(handler, (tmp_path / "small" / "part0.csv").read_bytes())

    with LocalServer({"/slow.csv": slow}) as server:
        config = tmp_path / "track.toml"
        config.write_text(f'[[sources]]\nkind = "csv"\npath = "small/*.csv"\n'
                          f'[[sources]]\nname = "slow"\nkind = "csv"\npath = "{server.url("/slow.csv")}"\n')
        first = start_track("run", "--config", config, "--db", db, "--out", tmp_path / "reports")
        try:
            wait_for(lambda: server.hits["/slow.csv"])  # the first job holds the lock, mid-collection

            second = track("run", "--config", config, "--db", db, "--out", tmp_path / "reports2", timeout=60)
            assert second.returncode == 75
            assert "is busy" in second.stderr and "run #1 (run, pid" in second.stderr and "--wait" in second.stderr
            collect = track("collect", "csv", "--db", db, small_files[0])
            assert collect.returncode == 75  # a collector does not write into a running job either

            # stderr in a file, read while the job runs: the first job is released only once the
            # patient one has said it waits (a slow start-up on a busy machine must not skip the wait)
            with open(tmp_path / "patient.err", "w") as patient_err:
                patient = start_track("run", "--config", config, "--db", db, "--out", tmp_path / "reports3",
                                      "--wait", "60", "--json", stderr=patient_err)
            wait_for(lambda: "waiting up to 60 s" in (tmp_path / "patient.err").read_text() or patient.poll())
            assert patient.poll() is None, (tmp_path / "patient.err").read_text()
        finally:
            release.set()
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        out, _ = patient.communicate(timeout=120)
    err = (tmp_path / "patient.err").read_text()
    assert patient.returncode == 0, err
    assert "waiting up to 60 s: run #1 (run, pid" in err and "Traceback" not in err
    summary = json.loads(out)
    assert summary["totals"]["new"] == 0 and summary["totals"]["unchanged"] == 6 * 60
    assert [row[0] for row in query(db, "SELECT status FROM runs WHERE command = 'run' ORDER BY id")] == ["ok", "ok"]


def test_killed_run_leaves_no_stale_lock_and_the_next_run_completes(tmp_path, small_files):
    db = tmp_path / "track.db"
    release = threading.Event()

    def slow(handler):  # holds the first job between its first and its last three files
        release.wait(60)
        send(handler, small_files[0].read_bytes())

    with LocalServer({"/slow.csv": slow}) as server:
        config = tmp_path / "track.toml"
        config.write_text(f'[[sources]]\nkind = "csv"\npath = "small/part[0-2].csv"\n'
                          f'[[sources]]\nname = "slow"\nkind = "csv"\npath = "{server.url("/slow.csv")}"\n'
                          f'[[sources]]\nkind = "csv"\npath = "small/part[3-5].csv"\n')
        first = start_track("run", "--config", config, "--db", db, "--out", tmp_path / "reports")
        try:
            wait_for(lambda: server.hits["/slow.csv"])  # mid-collection: 3 files imported, 3 to go
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            release.set()
        assert integrity(db) == "ok"
        assert query(db, "SELECT COUNT(*) FROM observations")[0][0] == 3 * 60

        again = track("run", "--config", config, "--db", db, "--out", tmp_path / "reports", "--json")
    assert again.returncode == 0, again.stderr
    assert integrity(db) == "ok"
    assert query(db, "SELECT COUNT(*) FROM observations")[0][0] == 6 * 60
    runs = query(db, "SELECT status, message FROM runs ORDER BY id")
    assert runs[0][0] == "killed" and "ended without finishing" in runs[0][1]
    assert runs[1][0] == "ok"
    assert (tmp_path / "reports" / "index.html").is_file()


def test_fail_on_exit_codes(tmp_path):
    db = tmp_path / "track.db"
    write_rows(tmp_path / "steady.csv", availability_rows("Kayes", 90))
    config = _config(tmp_path, "steady.csv")
    common = ["--config", config, "--db", db, "--out", tmp_path / "reports"]

    quiet_history = track("run", *common, "--fail-on", "stress")
    assert quiet_history.returncode == 0, quiet_history.stderr

    write_rows(tmp_path / "blockade.csv", availability_rows("Kayes", 5, first_day=90, crash_from=90))
    config = _config(tmp_path, "steady.csv", "blockade.csv")
    crisis = track("run", *common, "--fail-on", "crisis", "--json")
    assert crisis.returncode == 3, crisis.stderr
    summary = json.loads(crisis.stdout)
    # one alarm: the episode starts at crisis; its four following days are a state, not new alarms
    assert summary["exit_code"] == 3 and summary["new_alerts"]["by_severity"] == {"crisis": 1}

    seen_already = track("run", *common, "--fail-on", "alert")
    assert seen_already.returncode == 0, seen_already.stderr  # the same alerts are not new any more
    listed = track("alerts", "--new", "--db", db, "--format", "csv")
    assert listed.stdout.strip().splitlines() == ["indicator,location,item,price_type,date,value,expected,lower,"
                                                  "upper,score,severity,detector,explanation,unit,currency"]

    (tmp_path / "steady.csv").unlink()
    broken = track("run", *common, "--fail-on", "crisis")
    assert broken.returncode == 1
    assert "steady.csv: no such file" in broken.stderr


def test_readers_keep_working_during_a_write(tmp_path):
    db = tmp_path / "track.db"
    write_rows(tmp_path / "a.csv", availability_rows("Kayes", 40))
    assert track("collect", "csv", "--db", db, tmp_path / "a.csv").returncode == 0
    writer = sqlite3.connect(str(db), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE observations SET value = value + 0")
    try:
        # The write lock is held throughout: a reader that needed it would fail after the 60 s
        # busy timeout ("database is locked"), so exit 0 within the subprocess timeout is the proof.
        for command in (["export", "--format", "csv"], ["alerts"], ["report", "--out", tmp_path / "reports"]):
            result = track(*command, "--db", db, timeout=50)
            assert result.returncode == 0, result.stderr
        assert "Kayes" in track("series", "--db", db).stdout
        assert (tmp_path / "reports" / "index.html").is_file()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_sigterm_rolls_back_and_records_the_run_as_failed(tmp_path, small_files):
    db = tmp_path / "track.db"
    release = threading.Event()
    with LocalServer({"/slow.csv": lambda handler: release.wait(30)}) as server:
        config = tmp_path / "track.toml"
        config.write_text(f'[[sources]]\nkind = "csv"\npath = "small/*.csv"\n'
                          f'[[sources]]\nname = "slow"\nkind = "csv"\npath = "{server.url("/slow.csv")}"\n')
        job = start_track("run", "--config", config, "--db", db, "--out", tmp_path / "reports", "--json")
        try:
            wait_for(lambda: server.hits["/slow.csv"])
            job.send_signal(signal.SIGTERM)  # what systemd sends on stop or timeout
            out, err = job.communicate(timeout=30)
        finally:
            release.set()
    assert job.returncode == 143
    assert "Traceback" not in err
    summary = json.loads(out)
    assert (summary["status"], summary["exit_code"], summary["errors"]) == ("failed", 143, ["terminated by SIGTERM"])
    assert integrity(db) == "ok"
    assert query(db, "SELECT status, message FROM runs") == [("failed", "Terminated: terminated by SIGTERM")]
    assert query(db, "SELECT COUNT(*) FROM observations")[0][0] == 6 * 60  # the files done before stay

"""A detection run hands its alarm pass what it found where the series were scored
(`series_states.from_scores`, kept in `Fresh`), instead of reading its rows back: the pass must
record exactly what it records from the stored rows, for observed and derived series and for a
series with rows of a detector this version does not know (read back from the store)."""
from __future__ import annotations

import pandas as pd
import pytest

from indicators import series_states
from indicators.alerts import consolidated, record_alarms
from indicators.detect import run_detection
from indicators.episodes import state_counts
from indicators.store import Store

from report_data import collect_and_derive

RUN_ALERTS = "SELECT series_id, date, severity, detector, value, expected, score, explanation FROM run_alerts ORDER BY 1, 2"
STATES = "SELECT * FROM series_states ORDER BY series_id"


@pytest.fixture
def collected(tmp_path):
    """14 series and their derived series, one with rows of a detector this version does not know."""
    with Store(tmp_path / "collected.db") as store:
        collect_and_derive(store, tmp_path)
        series_id = store.conn.execute("SELECT MIN(id) FROM series").fetchone()[0]
        store.replace_anomalies(series_id, "a_later_versions_rule", pd.DataFrame({
            "date": ["2025-10"], "value": [1.0], "expected": [0.5], "lower": [0.0], "upper": [0.8], "score": [9.0],
            "severity": ["crisis"], "explanation": ["a rule of a later version"]}))
        return store.backup(tmp_path / "reference.db"), store.backup(tmp_path / "fresh.db")


def detect_and_record(path, fresh):
    with Store(path) as store:
        run_id = store.start_run("detect", "")
        run_detection(store, run_id=run_id, fresh=fresh)
        new, counts = record_alarms(store, run_id, fresh=fresh)
        return new, counts, store.conn.execute(RUN_ALERTS).fetchall(), store.conn.execute(STATES).fetchall(), \
            state_counts(consolidated(store))


def test_the_pass_records_from_fresh_findings_what_it_records_from_the_stored_rows(collected):
    reference, fresh_db = collected
    fresh = series_states.Fresh()
    new, counts, alarms, states, whole = detect_and_record(fresh_db, fresh)
    kept = set(fresh.states()["series_id"])
    with Store(fresh_db) as store:
        every = {row[0] for row in store.conn.execute("SELECT id FROM series")}
        unknown = store.conn.execute("SELECT MIN(id) FROM series").fetchone()[0]
    assert kept and kept < every  # most series came from fresh findings, not all of them
    assert unknown not in kept  # a series with counted rows of another detector is read back
    reference_new, reference_counts, reference_alarms, reference_states, _ = detect_and_record(reference, None)
    assert len(new) > 0 and len(alarms) > 0
    pd.testing.assert_frame_equal(new, reference_new)
    assert counts == reference_counts == whole
    assert alarms == reference_alarms
    assert states == reference_states


def test_a_runs_report_reads_only_the_series_due_and_finds_the_whole_stores_new_alarms(collected, tmp_path):
    from indicators.alerts import alarms_since_last_run, pending_alarms, _alert_columns
    from test_detect_incremental import change_two_series

    _, path = collected
    with Store(path) as store:
        detect_and_record(path, series_states.Fresh())  # every series' alarms recorded once
        change_two_series(tmp_path, store)
        run_id = store.start_run("run", "")
        run_detection(store, run_id=run_id, full=False)  # the report is written before the pass
        due = series_states.stale_series(store, tidy=False)
        whole = pending_alarms(store, before_run=run_id)  # from every series' rows
        found = alarms_since_last_run(store, run_id)
    assert 0 < len(due) < len(every_series(path))
    assert len(found) > 0
    pd.testing.assert_frame_equal(found, _alert_columns(whole))


def every_series(path):
    with Store(path) as store:
        return [row[0] for row in store.conn.execute("SELECT id FROM series")]

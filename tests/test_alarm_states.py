"""The alarm pass of an incremental run consolidates only the series whose anomalies were written
(`indicators.series_states`), and records the alarms, counts and summary a full run records."""
from __future__ import annotations

import pandas as pd
import pytest

from indicators.alerts import consolidated
from indicators.detect import run_detection
from indicators.episodes import state_counts
from indicators.jobs import derive_job, detect_job
from indicators.store import Store

from report_data import collect_and_derive
from test_detect_incremental import change_two_series

RUN_ALERTS = "SELECT series_id, date, severity, detector, value, explanation FROM run_alerts ORDER BY 1, 2, 3"


@pytest.fixture
def detected(tmp_path):
    """14 series plus their derived series, detected and their alarms recorded once."""
    with Store(tmp_path / "track.db") as store:
        collect_and_derive(store, tmp_path)
        counts, new = detect_job(store)
        assert counts["scored"] > 0 and len(new) > 0
    return tmp_path / "track.db"


def changed_pair(detected, folder):
    """The store with two changed series (and their derived series re-derived), and a copy of it."""
    with Store(detected) as store:
        change_two_series(folder, store)
        derive_job(store)
        return store.backup(folder / "full.db")


def same_outcome(incremental, full, incremental_db, full_db):
    (counts, new), (full_counts, full_new) = incremental, full
    pd.testing.assert_frame_equal(new, full_new)
    assert counts["states"] == full_counts["states"]
    assert counts["scored"] < full_counts["scored"]
    with Store(incremental_db) as one, Store(full_db) as other:
        assert one.conn.execute(RUN_ALERTS).fetchall() == other.conn.execute(RUN_ALERTS).fetchall()
        assert counts["states"] == state_counts(consolidated(one))


def test_an_incremental_run_records_what_a_full_run_records(detected, tmp_path):
    full_db = changed_pair(detected, tmp_path)
    with Store(detected) as store:
        incremental = detect_job(store)
    with Store(full_db) as store:
        full = detect_job(store, full=True)
    assert len(full[1]) > 0  # the change raised an alarm: the comparison is not of two empty frames
    same_outcome(incremental, full, detected, full_db)


def test_series_scored_by_a_run_killed_before_its_alarm_pass_are_passed_next_time(detected, tmp_path):
    full_db = changed_pair(detected, tmp_path)
    with Store(detected) as store:
        run_detection(store, full=False)  # scored and committed; the alarm pass never ran
        incremental = detect_job(store)
        assert incremental[0]["scored"] == 0
    with Store(full_db) as store:
        full = detect_job(store, full=True)
    pd.testing.assert_frame_equal(incremental[1], full[1])
    assert incremental[0]["states"] == full[0]["states"]


def test_a_pass_with_nothing_written_reads_no_anomalies(detected, monkeypatch):
    with Store(detected) as store:
        before = detect_job(store)[0]["states"]
        monkeypatch.setattr(Store, "anomalies", lambda *a, **k: pytest.fail("the alarm pass read anomalies"))
        counts, new = detect_job(store)
    assert counts["scored"] == 0 and new.empty and counts["states"] == before

"""Incremental detection: a run re-scores only the series that changed, and stores what a full
run would have stored."""
from __future__ import annotations

import pytest

from indicators.collectors import get_collector
from indicators.detect import run_detection
from indicators.store import Store

from report_data import HEADER, SOURCE, write_inputs

ANOMALIES = ("SELECT s.indicator, s.location, s.item, s.price_type, a.date, a.detector, a.value, a.expected, "
             "a.lower, a.upper, a.score, a.severity, a.explanation FROM anomalies a JOIN series s ON s.id = a.series_id "
             "ORDER BY 1, 2, 3, 4, 5, 6")
STATUS = ("SELECT s.location, s.indicator, s.price_type, d.detector, d.status, d.message, d.observations "
          "FROM detection_status d JOIN series s ON s.id = d.series_id ORDER BY 1, 2, 3, 4")


def rows(store):
    return store.conn.execute(ANOMALIES).fetchall(), store.conn.execute(STATUS).fetchall()


@pytest.fixture
def scored(tmp_path):
    """A database with 14 series, fully scored once."""
    with Store(tmp_path / "track.db") as store:
        for path in write_inputs(tmp_path):
            get_collector("csv").collect_file(store, path)
        counts = run_detection(store, full=False)
    assert counts["scored"] == 12 and counts["short_history"] == 2 and counts.get("unchanged", 0) == 0
    return tmp_path / "track.db"


def change_two_series(folder, store):
    """New days for Bamako's fuel availability, a revised month for Segou's millet price."""
    path = folder / "changes.csv"
    path.write_text(HEADER + "".join(
        f"fuel_availability,Bamako,petrol,,2025-10-{day},0.150,share,{SOURCE},,\n" for day in (31,)) +
        f"grain_price,Segou,millet,retail,2025-06,999.000,XOF/KG,{SOURCE},13.43,-6.22\n", encoding="utf-8")
    summary = get_collector("csv").collect_file(store, path)
    assert summary.new == 1 and summary.revised == 1


def test_a_second_run_without_new_data_scores_nothing(scored):
    with Store(scored) as store:
        before = rows(store)
        counts = run_detection(store, full=False)
        assert counts == {"series": 14, "scored": 0, "short_history": 0, "unchanged": 14}
        assert rows(store) == before


def test_incremental_equals_full_on_the_changed_series(scored, tmp_path):
    with Store(scored) as store:
        before = rows(store)
        change_two_series(tmp_path, store)
        full_copy = store.backup(tmp_path / "full.db")
        counts = run_detection(store, full=False)
        assert counts["scored"] == 2 and counts["unchanged"] == 12 and counts["series"] == 14
        incremental = rows(store)
    with Store(full_copy) as store:
        counts = run_detection(store, full=True)
        assert counts["scored"] == 12 and counts.get("unchanged", 0) == 0
        assert rows(store) == incremental  # every anomaly and status row, changed series or not
    assert incremental != before  # the changes did change what is stored


def test_new_metadata_makes_a_series_due_again(scored):
    with Store(scored) as store:
        store.conn.execute("UPDATE series SET metadata = '{\"zone\": \"sudanian\"}' WHERE location = 'Segou'")
        counts = run_detection(store, full=False)
    assert counts["scored"] == 1 and counts["unchanged"] == 13


def test_a_run_of_other_detectors_is_not_skipped(scored, tmp_path):
    with Store(tmp_path / "fresh.db") as store:
        for path in write_inputs(tmp_path):
            get_collector("csv").collect_file(store, path)
        assert run_detection(store, ["seasonal"], full=False)["scored"] == 12
        assert run_detection(store, ["seasonal"], full=False)["unchanged"] == 14
        assert run_detection(store, ["seasonal", "regime"], full=False)["scored"] == 12
        assert run_detection(store, ["regime"], full=False)["unchanged"] == 14


def test_the_detect_command_is_incremental_and_full_on_demand(track, tmp_path):
    assert track("collect", "csv", *map(str, write_inputs(tmp_path))).exit_code == 0
    assert "12 series scored, 2 skipped (short history)" in track("detect").output
    again = track("detect").output
    assert again.startswith("0 series scored, 14 unchanged since their last detection"), again
    assert track("detect", "--full").output.startswith("12 series scored, 2 skipped (short history);")

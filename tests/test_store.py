import sqlite3

import pandas as pd

from indicators.store import Store, infer_frequency


def _keys(n=1, **extra):
    return pd.DataFrame({"indicator": ["grain_price"] * n, "location": ["Segou"] * n, "item": ["millet"] * n,
                         "price_type": ["retail"] * n, "unit": ["XOF/KG"] * n, **extra})


def test_database_file_uses_wal_and_busy_timeout(db_path):
    with Store(db_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert {"series", "observations", "revisions", "rejects", "anomalies", "runs"} <= set(store.db.table_names())
    assert sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_series_identity_allows_empty_parts(store):
    frame = pd.DataFrame({"indicator": ["power_outage", "power_outage"], "location": ["Kati", "Kati"],
                          "item": ["", ""], "price_type": ["", ""]})
    with store.transaction():
        ids = store.ensure_series(frame)
    assert ids.nunique() == 1
    assert len(store.series()) == 1


def test_ingest_counts_new_unchanged_and_revised_and_keeps_history(store):
    with store.transaction():
        ids = store.ensure_series(_keys(2))
        first = store.ingest(pd.DataFrame({"series_id": ids, "date": ["2025-01", "2025-02"], "value": [300.0, 310.0],
                                           "source_file": "a.csv", "source_line": [2, 3]}))
    assert first == {"new": 2, "revised": 0, "unchanged": 0}
    with store.transaction():
        second = store.ingest(pd.DataFrame({"series_id": ids, "date": ["2025-01", "2025-02"], "value": [300.0, 320.0],
                                            "source_file": "b.csv", "source_line": [2, 3]}))
    assert second == {"new": 0, "revised": 1, "unchanged": 1}
    assert store.values(int(ids[0])).to_dict() == {"2025-01": 300.0, "2025-02": 320.0}
    history = store.revisions()
    assert history[["date", "value", "source_file", "new_value", "new_source_file"]].values.tolist() == [
        ["2025-02", 310.0, "a.csv", 320.0, "b.csv"]]
    # The unchanged value keeps its first provenance.
    observations = store.observations()
    assert observations.set_index("date").loc["2025-01", "source_file"] == "a.csv"


def test_failed_transaction_leaves_nothing(store):
    try:
        with store.transaction():
            ids = store.ensure_series(_keys())
            store.ingest(pd.DataFrame({"series_id": ids, "date": ["2025-01"], "value": [1.0],
                                       "source_file": "x", "source_line": [2]}))
            raise RuntimeError("killed half-way")
    except RuntimeError:
        pass
    assert store.table_counts()["observations"] == 0
    assert store.table_counts()["series"] == 0


def test_runs_are_recorded(store):
    run_id = store.start_run("detect")
    store.finish_run(run_id, "ok", {"series": 3})
    runs = store.runs()
    assert runs.loc[0, "status"] == "ok" and runs.loc[0, "ended_at"]


def test_infer_frequency():
    assert infer_frequency(["2025-01", "2025-02"]) == "monthly"
    assert infer_frequency(["2025-01-01", "2025-01-02", "2025-01-03"]) == "daily"
    assert infer_frequency(["2025-01-01", "2025-01-08", "2025-01-15"]) == "weekly"
    assert infer_frequency(["2025-01-01T01:00:00", "2025-01-01T02:00:00"]) == "hourly"

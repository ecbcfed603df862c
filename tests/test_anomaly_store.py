"""`anomaly_store.write_outputs`: a chunk's detector rows in one upsert, with the semantics of
replacing each (series, detector)'s output: dates no longer in it go, rows whose severity is
unchanged keep the run that first raised them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.anomaly_store import Output, write_outputs
from indicators.store import Store

ROWS = "SELECT series_id, detector, date, severity, score, first_run_id, run_id FROM anomalies ORDER BY 1, 2, 3"


def output(series_id, detector, dates, severities, scores=None):
    n = len(dates)
    scores = np.arange(n, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    return Output(series_id, detector, {
        "date": list(dates), "value": np.ones(n), "expected": np.full(n, np.nan), "lower": np.zeros(n),
        "upper": np.full(n, 2.0), "score": scores, "severity": list(severities),
        "explanation": [f"{detector} {d}" for d in dates]})


def _plain_series(store, count):
    """`count` series' ids, created as collectors create them."""
    frame = pd.DataFrame({"indicator": "grain_price", "location": [f"Market {i}" for i in range(count)],
                          "item": "millet", "price_type": "retail", "unit": "XOF/KG"})
    return [int(i) for i in store.ensure_series(frame)]


def test_a_shorter_output_drops_the_dates_it_no_longer_has_and_keeps_first_runs(tmp_path):
    with Store(tmp_path / "t.db") as store:
        a, b = _plain_series(store, 2)
        with store.transaction():
            write_outputs(store, [output(a, "state", ["2025-01", "2025-02", "2025-03"], ["normal", "alert", "normal"]),
                                  output(b, "state", ["2025-01"], ["normal"])], run_id=1, stamp="t1")
        with store.transaction():  # 2025-02 revised away; 2025-03 now crisis
            others = write_outputs(store, [output(a, "state", ["2025-01", "2025-03"], ["normal", "crisis"])],
                                   run_id=2, stamp="t2")
        rows = store.conn.execute(ROWS).fetchall()
    assert others == {a: set()}
    assert rows == [(a, "state", "2025-01", "normal", 0.0, 1, 2),  # same severity: first raised by run 1
                    (a, "state", "2025-03", "crisis", 1.0, 2, 2),  # new severity: first raised by run 2
                    (b, "state", "2025-01", "normal", 0.0, 1, 1)]  # another series' rows untouched


def test_one_chunk_equals_one_output_at_a_time_and_names_the_other_detectors_stored(tmp_path):
    outputs = lambda ids: [output(ids[0], "state", ["2025-01", "2025-02"], ["alert", "crisis"]),
                           output(ids[0], "harvest", ["2025-02"], ["stress"], [np.nan]),
                           output(ids[1], "state", [], []),  # short history: no rows kept
                           output(ids[2], "state", ["2025-01"], ["normal"])]
    results = []
    for name, chunked in (("one.db", True), ("many.db", False)):
        with Store(tmp_path / name) as store:
            ids = _plain_series(store, 3)
            with store.transaction():
                write_outputs(store, [output(ids[1], "state", ["2024-12"], ["alert"]),
                                      output(ids[2], "ipa", ["2024-12"], ["stress"])], run_id=1, stamp="t1")
            with store.transaction():
                if chunked:
                    others = write_outputs(store, outputs(ids), run_id=2, stamp="t2")
                else:
                    others = {}
                    for one in outputs(ids):
                        for key, value in write_outputs(store, [one], run_id=2, stamp="t2").items():
                            others[key] = others.get(key, set()) | value
            results.append(store.conn.execute(ROWS).fetchall())
    assert results[0] == results[1]
    assert others[ids[2]] == {"ipa"} and others[ids[1]] == set()
    assert [row for row in results[0] if row[0] == ids[1]] == []  # the emptied output removed its old row
    assert (ids[0], "harvest", "2025-02", "stress", None, 2, 2) in results[0]  # NaN stored as NULL

"""Writing detector output to the `anomalies` table: set-based, a chunk of series at a time.

`write_outputs` is the one writer of detector rows (`Store.replace_anomalies` is its one-output
case): each (series, detector) output replaces that detector's earlier rows for the series. The
rows of a whole chunk of series go in as one `executemany` upsert, the columns converted with
numpy rather than value by value; rows already stored keep the run that first raised them
(`first_run_id`, `detected_at`) while their severity stays the same. Dates an output no longer
has are deleted afterwards, found from one count per (series, detector) of the chunk, so a
first detection (nothing stored yet) costs only the insert. A large store holds some thousand
detector rows per series, so this insert is most of what the coordinating process of a
detection does (docs/scale.md).
"""
from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass

import numpy as np

FLOAT_COLUMNS = ("value", "expected", "lower", "upper", "score")
UPSERT = """INSERT INTO anomalies (series_id, date, detector, value, expected, lower, upper, score, severity,
                                   explanation, detected_at, first_run_id, run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (series_id, date, detector) DO UPDATE SET
              value = excluded.value, expected = excluded.expected, lower = excluded.lower,
              upper = excluded.upper, score = excluded.score, explanation = excluded.explanation,
              run_id = excluded.run_id,
              first_run_id = CASE WHEN anomalies.severity = excluded.severity THEN anomalies.first_run_id
                                  ELSE excluded.first_run_id END,
              detected_at = CASE WHEN anomalies.severity = excluded.severity THEN anomalies.detected_at
                                 ELSE excluded.detected_at END,
              severity = excluded.severity"""


@dataclass(frozen=True)
class Output:
    """One detector's output for one series: `columns` as `DetectionResult.columns` gives them
    (`OUTPUT_COLUMNS`, one array each); no dates means the detector keeps no rows for the series."""

    series_id: int
    detector: str
    columns: dict


def write_outputs(store, outputs: list[Output], run_id: int | None, stamp: str) -> dict[int, set[str]]:
    """Make each output its detector's rows for its series (call inside a transaction); drop the
    series' `series_states` rows (their alarms are due). Returns, per series written, the
    detectors whose rows the store holds for it besides those written here (rows of an earlier
    run of other detectors, derivation rules, or a version's detectors no longer registered)."""
    if not outputs:
        return {}
    series_ids = sorted({int(output.series_id) for output in outputs})
    ids_json = json.dumps(series_ids)
    store.conn.execute("DELETE FROM series_states WHERE series_id IN (SELECT value FROM json_each(?))", [ids_json])
    written = [output for output in outputs if len(output.columns["date"])]
    emptied = [(int(output.series_id), output.detector) for output in outputs if not len(output.columns["date"])]
    if emptied:
        store.conn.executemany("DELETE FROM anomalies WHERE series_id = ? AND detector = ?", emptied)
    if written:
        store.conn.executemany(UPSERT, _rows(written, run_id, stamp))
    expected = Counter({(int(o.series_id), o.detector): len(o.columns["date"]) for o in written})
    others: dict[int, set[str]] = {series_id: set() for series_id in series_ids}
    stale = []
    for series_id, detector, stored in store.conn.execute(
            "SELECT series_id, detector, COUNT(*) FROM anomalies WHERE series_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY series_id, detector", [ids_json]):
        if (series_id, detector) not in expected:
            others[series_id].add(detector)
        elif stored > expected[series_id, detector]:
            stale.append((series_id, detector))
    if stale:
        dates = {(int(o.series_id), o.detector): o.columns["date"] for o in written}
        store.conn.executemany(
            "DELETE FROM anomalies WHERE series_id = ? AND detector = ? "
            "AND date NOT IN (SELECT value FROM json_each(?))",
            [(series_id, detector, json.dumps(list(dates[series_id, detector]))) for series_id, detector in stale])
    return others


def _rows(outputs: list[Output], run_id: int | None, stamp: str):
    """The upsert's parameter rows for every output, whole columns at a time."""
    sizes = [len(output.columns["date"]) for output in outputs]
    ids = np.repeat([int(output.series_id) for output in outputs], sizes).tolist()
    detectors = list(itertools.chain.from_iterable(itertools.repeat(o.detector, n) for o, n in zip(outputs, sizes)))
    text = {name: list(itertools.chain.from_iterable(o.columns[name] for o in outputs))
            for name in ("date", "severity", "explanation")}
    numbers = [_nullable(np.concatenate([np.asarray(o.columns[name], dtype="float64") for o in outputs]))
               for name in FLOAT_COLUMNS]
    return zip(ids, text["date"], detectors, *numbers, text["severity"], text["explanation"],
               itertools.repeat(stamp), itertools.repeat(run_id), itertools.repeat(run_id))


def _nullable(values: np.ndarray) -> list:
    """Floats as Python floats, None where missing (SQLite NULL)."""
    missing = np.isnan(values)
    if not missing.any():
        return values.tolist()
    boxed = values.astype(object)
    boxed[missing] = None
    return boxed.tolist()


def write_statuses(store, rows: list[tuple]) -> None:
    """Each (series id, detector, status, message, observations, updated at, run id): that
    detector's status for the series, replacing the earlier one."""
    store.conn.executemany(
        """INSERT INTO detection_status (series_id, detector, status, message, observations, updated_at, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, detector) DO UPDATE SET
           status = excluded.status, message = excluded.message, observations = excluded.observations,
           updated_at = excluded.updated_at, run_id = excluded.run_id""", rows)

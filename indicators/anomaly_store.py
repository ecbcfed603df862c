"""Writing detector output to the `anomalies` table: set-based, a chunk of series at a time.

`write_outputs` is the one writer of detector rows (`Store.replace_anomalies` is its one-output
case): each (series, detector) output replaces that detector's earlier rows for the series. The
rows of a whole chunk of series go in as one `executemany` upsert, the columns converted with
numpy rather than value by value; rows already stored keep the run that first raised them
(`first_run_id`, `detected_at`) while their severity stays the same. Dates an output no longer
has are deleted afterwards, found from one count per (series, detector) of the chunk before and
after the upsert, so a first detection (nothing stored yet) costs only the insert. A large store
holds some thousand detector rows per series, so this insert is most of what the coordinating
process of a detection does (docs/scale.md).
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import numpy as np

FLOAT_COLUMNS = ("value", "expected", "lower", "upper", "score")
TEXT_COLUMNS = ("severity", "explanation")
COLUMNS = ("date",) + FLOAT_COLUMNS + TEXT_COLUMNS  # an output's columns, as detectors give them
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
    (`OUTPUT_COLUMNS`, one array each); None or no dates: the detector keeps no rows for the series."""

    series_id: int
    detector: str
    columns: dict | None

    @property
    def size(self) -> int:
        return 0 if self.columns is None else len(self.columns["date"])


def write_outputs(store, outputs: list[Output], run_id: int | None, stamp: str) -> dict[int, set[str]]:
    """Make each output its detector's rows for its series (call inside a transaction); drop the
    series' `series_states` rows (their alarms are due). Returns, per series written, the
    detectors whose rows the store holds for it besides those of `outputs` (rows of an earlier
    run of other detectors, derivation rules, or a version's detectors no longer registered)."""
    if not outputs:
        return {}
    series_ids = sorted({int(output.series_id) for output in outputs})
    ids_json = json.dumps(series_ids)
    store.conn.execute("DELETE FROM series_states WHERE series_id IN (SELECT value FROM json_each(?))", [ids_json])
    before = _stored_counts(store, ids_json)  # nothing on a first detection: then no deletes at all
    keys = {(int(output.series_id), output.detector) for output in outputs}
    others: dict[int, set[str]] = {series_id: set() for series_id in series_ids}
    for series_id, detector in before.keys() - keys:
        others[series_id].add(detector)
    written = [output for output in outputs if output.size]
    emptied = [key for key in ((int(o.series_id), o.detector) for o in outputs if not o.size) if key in before]
    if emptied:
        store.conn.executemany("DELETE FROM anomalies WHERE series_id = ? AND detector = ?", emptied)
    if written:
        store.conn.executemany(UPSERT, _rows(written, run_id, stamp))
    rewritten = [output for output in written if (int(output.series_id), output.detector) in before]
    if rewritten:  # dates the new output no longer has: the stored count exceeds the output's
        after = _stored_counts(store, json.dumps(sorted({int(o.series_id) for o in rewritten})))
        stale = [output for output in rewritten if after[int(output.series_id), output.detector] > output.size]
        store.conn.executemany(
            "DELETE FROM anomalies WHERE series_id = ? AND detector = ? "
            "AND date NOT IN (SELECT value FROM json_each(?))",
            [(int(o.series_id), o.detector, json.dumps(list(o.columns["date"]))) for o in stale])
    return others


def _stored_counts(store, ids_json: str) -> dict[tuple[int, str], int]:
    """{(series id, detector): stored rows} of the series in `ids_json`."""
    return {(series_id, detector): count for series_id, detector, count in store.conn.execute(
        "SELECT series_id, detector, COUNT(*) FROM anomalies WHERE series_id IN (SELECT value FROM json_each(?)) "
        "GROUP BY series_id, detector", [ids_json])}


def _rows(outputs: list[Output], run_id: int | None, stamp: str):
    """The upsert's parameter rows for every output, whole columns at a time."""
    sizes = [output.size for output in outputs]
    ids = np.repeat([int(output.series_id) for output in outputs], sizes).tolist()
    detectors = list(itertools.chain.from_iterable(itertools.repeat(o.detector, n) for o, n in zip(outputs, sizes)))
    text = {name: list(itertools.chain.from_iterable(o.columns[name] for o in outputs))
            for name in ("date",) + TEXT_COLUMNS}
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

"""Run detectors over the stored series and write their output back to the store.

`score_series` is the one per-series entry point: a pure function from a series' values and
info to each detector's result. `run_detection` streams the series from the store in chunks,
has an executor (`fanout`: this process, local processes or a Dask cluster) call `score_series`
on them, and writes the results itself, one transaction per chunk.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from .. import changes
from ..anomaly_store import Output, write_outputs, write_statuses
from ..store import Store, now
from .base import DetectionResult, Detector, SeriesInfo, regularise
from .fanout import executor_for, fewer_collections

CHUNK_SERIES = 200  # series per unit of work: large enough to ship cheaply, small enough to stream


def score_series(values: pd.Series, info: SeriesInfo, detectors: list[str] | tuple[str, ...]) -> dict[str, DetectionResult]:
    """Each applicable detector's result for one series (by detector name, in the order given).

    Pure: it reads and writes nothing, so the sequential loop, a process pool and a Dask worker
    call it alike and get the same results."""
    from . import get_detector

    results, regular = {}, None
    for detector in map(get_detector, detectors):
        if not detector.applies(info):
            continue
        try:
            if type(detector).detect is not Detector.detect:  # a detector with its own `detect` gets the values
                result = detector.detect(values, info)
            else:
                if regular is None:
                    regular = regularise(values, info)  # once for all detectors
                result = detector.detect_regular(regular, info)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            # One odd series must not stop a scheduled job: record why and go on.
            result = DetectionResult("error", f"{detector.name} failed on this series: {error}")
        results[detector.name] = result
    return results


def run_detection(store: Store, detectors: list[str] | None = None, run_id: int | None = None,
                  indicator: str | None = None, progress=None, workers: int | None = None, scheduler=None,
                  full: bool = True, chunk_size: int = CHUNK_SERIES, fresh=None) -> dict:
    """Score every series (or one indicator's) with every detector (or the named ones).

    `full=False` (the scheduled job's default) re-scores only the series that changed since their
    last detection: new or revised values, other metadata, another detection method
    (`indicators.changes`); the others keep their stored rows, which re-scoring would reproduce.
    `workers` > 1 runs the scoring on that many local processes, `scheduler` (a Dask scheduler
    address such as `tcp://10.0.0.5:8786`, or a `dask.distributed.Client`) on a Dask cluster;
    the stored results are the same as in one process. Each chunk of series is written in one
    transaction (each series' output replaces that detector's earlier output).
    `progress(done, total)` is called after each chunk (a progress bar's hook). `fresh` (a
    `series_states.Fresh`) receives what the alarm pass needs of the series scored, computed
    where they were scored, so that `alerts.record_alarms(store, run_id, fresh)` need not read
    their rows back.

    Counts: `series` looked at; `scored` (at least one detector scored it), `short_history`
    (every applicable detector lacked history), `failed` (detectors failed on it), `unchanged`
    (skipped); per `detector:status`."""
    from . import DETECTORS, get_detector
    from .consolidate import uncounted_detectors

    names = tuple(detectors or DETECTORS)
    for name in names:
        get_detector(name)  # an unknown name fails here, before any work
    series = changes.with_state(store, detection_series(store, indicator))
    counts = Counter(series=0, scored=0, short_history=0)
    if not full:
        skip = changes.unchanged(series, names)
        counts.update(series=int(skip.sum()), unchanged=int(skip.sum()))
        series = series[~skip]
    stamp, uncounted = now(), uncounted_detectors()
    executor = executor_for(workers, scheduler)
    try:
        with fewer_collections():
            for chunk, results, found in executor.map_chunks(series_chunks(store, series, names, chunk_size)):
                with store.transaction():
                    others = _store_results(store, chunk, results, run_id, counts)
                    ids = [info.series_id for _, info, _ in chunk]
                    changes.record_scored(store, series[series["id"].isin(ids)], names, stamp)
                if fresh is not None:  # left to the pass: series also holding counted rows of other detectors;
                    # series with no output at all keep their state as it was (nothing of theirs was written)
                    fresh.add(found, {series_id for series_id, detectors in others.items() if detectors - uncounted}
                              | (set(ids) - set(others)))
                if progress:
                    progress(counts["series"] - counts["unchanged"], len(series))
    finally:
        executor.close()
    return dict(counts)


def detection_series(store: Store, indicator: str | None = None) -> pd.DataFrame:
    """What detection needs of every series (or one indicator's): id, key and metadata, in key
    order; no coverage (that would read every observation of the store)."""
    where, params = ("WHERE indicator = ?", [indicator]) if indicator else ("", [])
    return store.query_frame(
        f"SELECT id, indicator, location, item, price_type, unit, frequency, metadata FROM series {where} "
        "ORDER BY indicator, location, item, price_type", params)


def series_chunks(store: Store, series: pd.DataFrame, detectors: tuple[str, ...], chunk_size: int = CHUNK_SERIES):
    """(values, info, detector names) for every row of `series`, in lists of `chunk_size`, each
    list's values read in one query: only one chunk is in memory at a time."""
    for start in range(0, len(series), chunk_size):
        rows = series.iloc[start:start + chunk_size]
        values = values_of(store, rows["id"].tolist())
        yield [(values.get(int(row.id), _NO_VALUES), SeriesInfo.from_store(row, series_id=int(row.id)), detectors)
               for row in rows.itertuples(index=False)]


_NO_VALUES = pd.Series([], dtype="float64", name="value")


def values_of(store: Store, series_ids: list[int]) -> dict[int, pd.Series]:
    """`Store.values` for many series in one query: {series id: values indexed by date}."""
    import json

    rows = store.conn.execute(
        "SELECT series_id, date, value FROM observations WHERE series_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY series_id, date", [json.dumps([int(i) for i in series_ids])]).fetchall()
    if not rows:
        return {}
    ids, dates, numbers = zip(*rows)
    ids = np.asarray(ids, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    index, numbers = pd.Index(list(dates)), np.asarray(numbers, dtype="float64")  # converted once, sliced per series
    return {int(ids[a]): pd.Series(numbers[a:b], index=index[a:b], name="value", copy=True)
            for a, b in zip(starts, ends)}


def detection_summary(counts: dict) -> str:
    """What a detection run did, for people: '12 series scored, 2 skipped (short history),
    950 unchanged since their last detection'."""
    parts = [f"{counts.get('scored', 0)} series scored"]
    parts += [f"{counts[key]} {label}" for key, label in (("short_history", "skipped (short history)"),
                                                          ("unchanged", "unchanged since their last detection"),
                                                          ("failed", "failed")) if counts.get(key)]
    return ", ".join(parts)


def _store_results(store: Store, chunk: list[tuple], results: list[dict], run_id, counts: Counter) -> dict:
    """Write a chunk's results (`anomaly_store`: one upsert for the whole chunk) and statuses;
    count them. Returns `write_outputs`' other detectors stored for each series."""
    outputs, statuses, stamp = [], [], now()
    for (values, info, _), by_detector in zip(chunk, results):
        for name, result in by_detector.items():
            # no pandas frame on the way, and no columns at all for the many results without rows
            outputs.append(Output(info.series_id, name, None if result.empty else result.columns))
            statuses.append((int(info.series_id), name, result.status, result.message, len(values), stamp, run_id))
            counts[f"{name}:{result.status}"] += 1
        statuses_of_series = {result.status for result in by_detector.values()}
        counts["series"] += 1
        if "scored" in statuses_of_series:
            counts["scored"] += 1
        elif statuses_of_series <= {"insufficient_history"}:
            counts["short_history"] += 1
        else:
            counts["failed"] += 1
    others = write_outputs(store, outputs, run_id, stamp)
    write_statuses(store, statuses)
    return others

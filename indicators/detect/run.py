"""Run detectors over the stored series and write their output back to the store."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..store import Store
from .base import OUTPUT_COLUMNS, DetectionResult, SeriesInfo


def run_detection(store: Store, detectors: list[str] | None = None, run_id: int | None = None,
                  indicator: str | None = None, progress=None) -> dict:
    """Score every series (or one indicator's) with every detector (or the named ones).

    Each series' output replaces that detector's earlier output in one transaction.
    `progress(done, total)` is called after each series (a progress bar's hook)."""
    from . import DETECTORS, get_detector

    chosen = [get_detector(name) for name in (detectors or list(DETECTORS))]
    series = store.series(indicator)
    counts = Counter()
    for row in series.itertuples(index=False):
        info = SeriesInfo.from_store(row, series_id=row.id)
        values = store.values(row.id)
        for detector in chosen:
            if not detector.applies(info):
                continue
            try:
                result = detector.detect(values, info)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
                # One odd series must not stop a scheduled job: record why and go on.
                result = DetectionResult("error", f"{detector.name} failed on this series: {error}")
            with store.transaction():
                store.replace_anomalies(row.id, detector.name, result.frame[OUTPUT_COLUMNS], run_id)
                store.set_detection_status(row.id, detector.name, result.status, result.message,
                                           len(values), run_id)
            counts[f"{detector.name}:{result.status}"] += 1
        counts["series"] += 1
        if progress:
            progress(counts["series"], len(series))
    return dict(counts)


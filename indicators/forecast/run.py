"""Project every stored series (or one indicator's) and store the projections as vintages."""
from __future__ import annotations

import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from ..detect.base import SeriesInfo
from ..store import Store
from .episodes import ongoing_episodes
from .project import DEFAULT_HORIZON, Projection, project
from .storage import write_projection

MAX_LEAN_HORIZON = 18


def run_forecasts(store: Store, indicator: str | None = None, horizon: int | None = None, to_lean: bool = False,
                  run_id: int | None = None, progress=None, workers: int = 1) -> dict:
    """Project each series `horizon` periods ahead (default 6 months, 30 days; with `to_lean`,
    monthly series with a crop calendar to the end of their coming lean season at least), store
    the projection under its origin, and return counts. Only this process writes to the store;
    with `workers` > 1 the series are projected in a process pool (same results)."""
    episodes = ongoing_episodes(store)
    tasks = []
    for row in store.series(indicator).itertuples(index=False):
        info = SeriesInfo.from_store(row, series_id=row.id)
        if info.frequency not in DEFAULT_HORIZON or not row.observations:
            continue
        values = store.values(row.id)
        steps = horizon or DEFAULT_HORIZON[info.frequency]
        if to_lean:
            steps = max(steps, lean_horizon(info, str(values.index[-1])) or 0)
        tasks.append((row.id, values, info, steps, episodes.get(int(row.id))))
    counts = Counter()
    for done, (series_id, projection) in enumerate(_projections(tasks, workers), start=1):
        fresh = write_projection(store, series_id, projection, run_id)
        counts["series"] += 1
        counts[f"status:{projection.status}"] += 1
        if projection.method:
            counts[f"method:{projection.method}"] += 1
        counts["new_origins" if fresh else "kept_origins"] += 1
        if progress:
            progress(done, len(tasks))
    return dict(counts)


def project_task(task) -> tuple[int, object]:
    from threadpoolctl import threadpool_limits

    series_id, values, info, steps, episode_start = task
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        try:
            return series_id, project(values, info, steps, episode_start)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            # one odd series must not stop a scheduled job: record why and go on
            return series_id, Projection("error", "", f"projection failed on this series: {error}",
                                         origin=str(values.index[-1]) if len(values) else "")


def _projections(tasks, workers: int):
    if workers <= 1 or len(tasks) < 2:
        yield from map(project_task, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(project_task, tasks, chunksize=max(1, len(tasks) // (workers * 8)))


def lean_horizon(info: SeriesInfo, origin: str) -> int | None:
    """Months from `origin` (YYYY-MM) to the last month of the coming lean season in the series'
    crop calendar; None for series without one (or not monthly)."""
    calendar = info.crop_calendar() if info.frequency == "monthly" else None
    if calendar is None or not calendar.lean:
        return None
    start = pd.Period(origin, freq="M")
    for step in range(1, MAX_LEAN_HORIZON + 1):
        month = (start + step).month
        if month in calendar.lean and (start + step + 1).month not in calendar.lean:
            return step
    return None

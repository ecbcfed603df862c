"""Projection skill and speed, measured by rolling-origin backtests (no look-ahead).

    python benchmarks/forecast_benchmark.py                 # BFA + demo skill, speed on 1,000 monthly series
    python benchmarks/forecast_benchmark.py --quick         # speed on 200 series
    python benchmarks/forecast_benchmark.py --workers 2     # project in two local processes

Skill: the real WFP file for Burkina Faso (`/work/shared/data/wfp_food_prices_bfa.csv`, HDX), its
long monthly retail series (at least `--min-years` years of observations), and the bundled demo
(SIMULATED). For every series, the last 36 monthly origins are scored (30 days x 60 origins for
daily series), each forecast fitted only on data up to its origin. Printed per horizon: pooled MAPE of the
selection procedure ("selected": at each origin the method with the smallest error known then)
and of seasonal naive, pooled MASE (selected against seasonal naive on the same origins and
targets; < 1 beats it), and the share of outcomes inside the 80% and 95% intervals.

Speed: forecasts and their backtest for 1,000 synthetic monthly series of 15 years (the detection
benchmark's generator, seed 2025), reported as series per second.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.collectors import get_collector  # noqa: E402
from indicators.detect import SeriesInfo  # noqa: E402
from indicators.forecast.backtest import pooled  # noqa: E402
from indicators.forecast.project import SELECTED  # noqa: E402
from indicators.forecast.run import _projections  # noqa: E402
from indicators.jobs import demo_config  # noqa: E402
from indicators.store import Store  # noqa: E402
from shared_folder import DATA  # noqa: E402

BFA = DATA / "wfp_food_prices_bfa.csv"


def store_tasks(store: Store, keep) -> list:
    tasks = []
    for row in store.series().itertuples(index=False):
        info = SeriesInfo.from_store(row, series_id=row.id)
        if keep(row):
            tasks.append((row.id, store.values(row.id), info, None, None))
    return tasks


def skill_of(tasks, workers: int) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    started = time.perf_counter()
    rows, choices = [], []
    for (series_id, projection), task in zip(_projections(tasks, workers), tasks):
        info = task[2]
        rows.append(projection.skill.assign(indicator=info.indicator, frequency=info.frequency))
        choices.append({"indicator": info.indicator, "status": projection.status, "method": projection.method})
    seconds = time.perf_counter() - started
    rows = [r for r in rows if not r.empty]
    return (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(), pd.DataFrame(choices), seconds)


def print_skill(title: str, skill: pd.DataFrame, choices: pd.DataFrame, seconds: float, by=("indicator",),
                horizons=None) -> None:
    print(f"\n## {title}: {len(choices)} series in {seconds:.1f} s")
    if skill.empty:
        print("(no series long enough to score)")
        return
    print("chosen methods: " + ", ".join(f"{k} {v}" for k, v in choices["method"].value_counts().items()))
    table = pooled(skill, list(by) + ["method", "horizon"])
    selected = table[table["method"] == SELECTED]
    if horizons:
        selected = selected[selected["horizon"].isin(horizons)]
    shown = selected.drop(columns=["method"]).rename(columns={"mape_baseline": "mape_snaive"})
    print(shown.round(3).to_string(index=False))
    overall = pooled(skill, ["method"])
    print("all horizons pooled, per method:")
    print(overall.rename(columns={"mape_baseline": "mape_snaive"}).round(3).to_string(index=False))


def synthetic_tasks(count: int) -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from detection_benchmark import generate

    return [(number, case.values, case.info, None, None) for number, case in enumerate(generate(count, 0))]


def bfa_skill(folder: Path, args) -> None:
    with Store(folder / "bfa.db") as store:
        get_collector("wfp").collect_file(store, BFA)
        tasks = store_tasks(store, lambda r: r.price_type == "retail" and r.frequency == "monthly"
                            and r.observations >= 12 * args.min_years)
        skill, choices, seconds = skill_of(tasks, args.workers)
    print_skill(f"BFA long retail series (WFP/HDX, >= {args.min_years} years)", skill, choices, seconds, by=())


def demo_skill(folder: Path, args) -> None:
    with Store(folder / "demo.db") as store:
        for source in demo_config().sources:
            get_collector(source.kind).collect_file(store, Path(source.path))
        tasks = store_tasks(store, lambda r: r.frequency in ("monthly", "daily") and r.observations > 0)
        skill, choices, seconds = skill_of(tasks, args.workers)
    print_skill("demo (SIMULATED), selected procedure per indicator", skill, choices, seconds,
                horizons=[1, 3, 6, 7, 14, 30])


def speed(args) -> None:
    count = 200 if args.quick else 1000
    tasks = synthetic_tasks(count)
    started, cpu = time.perf_counter(), _cpu()
    for _ in _projections(tasks, args.workers):
        pass
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    print(f"\n## speed: {count} monthly series (15 years), backtest + projection, {args.workers} worker(s): "
          f"{seconds:.1f} s wall, {count / seconds:.1f} series/s; {cpu:.1f} CPU s in all processes")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="speed on 200 series instead of 1,000")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--min-years", type=int, default=10)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-skill", action="store_true")
    args = parser.parse_args(argv)
    print(f"python benchmarks/forecast_benchmark.py {' '.join(argv if argv is not None else sys.argv[1:])}".strip())
    if not args.skip_skill:
        with tempfile.TemporaryDirectory() as folder:
            if BFA.exists():
                bfa_skill(Path(folder), args)
            demo_skill(Path(folder), args)
    if not args.skip_speed:
        speed(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

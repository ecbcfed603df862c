"""Detection at scale: N monthly price series of 15 years, scored sequentially, on `--workers 2`
local processes and on a 2-worker Dask LocalCluster, then an incremental run with 1% changed.

    python benchmarks/detection_scale.py [--series 1000] [--skip-dask]

Each mode scores its own copy of one collected database. Prints seconds, series per second,
parallel efficiency (sequential time / (2 x parallel time)), peak resident memory of this
process and of the largest worker, and whether every anomalies row equals the sequential run's.
"""
from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from detection_benchmark import generate  # noqa: E402

from indicators.collectors import get_collector  # noqa: E402
from indicators.detect import run_detection  # noqa: E402
from indicators.store import Store  # noqa: E402

ROWS = "SELECT series_id, date, detector, value, expected, lower, upper, score, severity, explanation FROM anomalies " \
       "ORDER BY series_id, date, detector"


def write_csv(path: Path, series: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["indicator", "location", "item", "price_type", "date", "value", "unit"])
        for number, case in enumerate(generate(monthly=series, daily=0)):
            info = case.info
            for date, value in case.values.items():
                writer.writerow([info.indicator, f"Market {number:06d}", info.item, info.price_type, date,
                                 f"{value:.2f}", info.unit])


def peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def timed(label: str, db: Path, series: int, baseline: float | None, reference, **options):
    with Store(db) as store:
        started = time.perf_counter()
        counts = run_detection(store, **options)
        seconds = time.perf_counter() - started
        rows = store.conn.execute(ROWS).fetchall()
    efficiency = f"  efficiency {baseline / (2 * seconds):4.2f}" if baseline else ""
    same = "" if reference is None else f"  rows identical: {rows == reference}"
    print(f"{label:34s} {seconds:7.1f} s  {counts.get('scored', 0) / seconds:7.1f} series/s{efficiency}{same}  "
          f"peak RSS {peak_mb(resource.RUSAGE_SELF):.0f} MB (workers {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB)",
          flush=True)
    return seconds, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source, collected = folder / "prices.csv", folder / "collected.db"
        write_csv(source, args.series)
        with Store(collected) as store:
            started = time.perf_counter()
            summary = get_collector("csv").collect_file(store, source)
            print(f"collected {summary.new:,} observations of {summary.series:,} series in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            copies = {name: store.backup(folder / f"{name}.db") for name in ("sequential", "workers", "dask")}
        sequential, reference = timed("sequential", copies["sequential"], args.series, None, None)
        timed("--workers 2", copies["workers"], args.series, sequential, reference, workers=2)
        if not args.skip_dask:
            from dask.distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                timed("Dask LocalCluster, 2 workers", copies["dask"], args.series, sequential, reference,
                      scheduler=cluster.scheduler_address)
        with Store(copies["sequential"]) as store:  # 1% of the series get a new month
            changed = folder / "changed.csv"
            ids = store.query_frame("SELECT indicator, location, item, price_type, unit FROM series ORDER BY id").iloc[::100]
            with open(changed, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["indicator", "location", "item", "price_type", "date", "value", "unit"])
                for row in ids.itertuples(index=False):
                    writer.writerow([row.indicator, row.location, row.item, row.price_type, "2031-01", "999", row.unit])
            get_collector("csv").collect_file(store, changed)
            started = time.perf_counter()
            counts = run_detection(store, full=False)
            seconds = time.perf_counter() - started
        print(f"{'incremental, 1% changed':34s} {seconds:7.1f} s  scored {counts['scored']}, unchanged "
              f"{counts['unchanged']}  ({100 * seconds / sequential:.1f}% of the full run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

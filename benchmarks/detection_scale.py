"""Detection at scale: N monthly price series of 15 years detected as `track detect --full` does
(series scored in streamed chunks, then the alarms recorded from a consolidation streamed the
same way), in one process, on `--workers 2` local processes and on a 2-worker Dask LocalCluster,
then an incremental run after 1% of the series got a new month.

    python benchmarks/detection_scale.py [--series 1000] [--modes sequential,workers,dask] [--chunk 200]
    python benchmarks/detection_scale.py --series 100000 --modes workers   # the 100,000-series target

The store is built in blocks of 1,000 series (the detection benchmark's generator, seeds 2025,
2026, ...; one CSV file per block, collected with `collect csv`), so neither the generator nor
the collector ever holds the whole store. Each mode scores its own copy of the collected
database in a fresh process, and the script prints wall and CPU seconds of the coordinating
process, series per second, parallel efficiency (sequential wall / (2 x parallel wall)), peak
resident memory of the coordinating process and of the largest worker (workers sampled every
0.2 s), and whether every anomalies and status row equals the sequential run's (compared inside
SQLite, not in memory). Peak memory stays that of a chunk: compare `--series 1000` with
`--series 10000` at the same `--chunk`.

Each mode's copy is made just before it runs, and every copy but the first mode's (the
reference, which the incremental run then uses) is deleted once compared: 100,000 series make a
store of some 25 GB. Above `--compare-up-to` series (20,000) the detector rows are compared by
count, not row by row (an EXCEPT over 90 million rows would need as much temporary space again);
statuses, per-series states and the recorded alarms are still compared row by row. Parallel
efficiency is printed when `sequential` is among the modes.
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BLOCK = 1000  # series per generated CSV file
HEADER = ["indicator", "location", "item", "price_type", "date", "value", "unit"]
ROWS = {"anomalies": "series_id, date, detector, value, expected, lower, upper, score, severity, explanation",
        "detection_status": "series_id, detector, status, message, observations",
        "series_states": "*",
        "run_alerts": "series_id, date, severity, detector, value, expected, lower, upper, score, explanation"}


def build_store(db: Path, series: int, folder: Path) -> None:
    """Generate and collect `series` monthly series, a block of `BLOCK` at a time."""
    from detection_benchmark import SEED, generate

    from indicators.collectors import get_collector
    from indicators.store import Store

    started, observations = time.perf_counter(), 0
    with Store(db) as store:
        for block, first in enumerate(range(0, series, BLOCK)):
            path = folder / f"block{block:04d}.csv"
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for offset, case in enumerate(generate(monthly=min(BLOCK, series - first), daily=0, seed=SEED + block)):
                    info = case.info
                    writer.writerows([info.indicator, f"Market {first + offset:06d}", info.item, info.price_type, date,
                                      f"{value:.2f}", info.unit] for date, value in case.values.items())
            observations += get_collector("csv").collect_file(store, path).new
            path.unlink()
    print(f"collected {observations:,} observations of {series:,} series in {time.perf_counter() - started:.0f} s",
          flush=True)


def measure(mode: str, db: Path, chunk: int) -> dict:
    """Run the detect job on `db` as `mode` does (in this process); its figures."""
    import psutil

    from indicators.detect import run as detect_run
    from indicators.jobs import detect_job
    from indicators.store import Store

    detect_run.CHUNK_SERIES = chunk
    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:  # the workers' resident memory, as the processes come and go
        me = psutil.Process()
        while not done.wait(0.2):
            for child in me.children(recursive=True):
                try:
                    peaks[child.pid] = max(peaks.get(child.pid, 0.0), child.memory_info().rss / 2 ** 20)
                except psutil.Error:
                    pass

    threading.Thread(target=sample, daemon=True).start()
    cluster = None
    options = {"full": mode != "incremental"}
    if mode == "workers":
        options["workers"] = 2
    elif mode == "dask":
        from dask.distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        options["scheduler"] = cluster.scheduler_address
    with Store(db) as store:
        wall, cpu = time.perf_counter(), time.process_time()
        counts, new = detect_job(store, **options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if cluster is not None:
        cluster.close()
    done.set()
    return {"wall": wall, "cpu": cpu, "scored": counts.get("scored", 0), "unchanged": counts.get("unchanged", 0),
            "new_alarms": len(new), "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_rss": max(peaks.values(), default=0.0)}


def in_subprocess(mode: str, db: Path, chunk: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", mode, "--db", str(db), "--chunk", str(chunk)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def same_rows(db: Path, reference: Path, by_count: tuple[str, ...] = ()) -> bool:
    """Every row of the `ROWS` tables of `db` equals `reference`'s (in SQLite); the tables in
    `by_count` only by their number of rows."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("ATTACH DATABASE ? AS reference", [str(reference)])
        for table, columns in ROWS.items():
            if table in by_count:
                if conn.execute(f"SELECT (SELECT COUNT(*) FROM main.{table}) = (SELECT COUNT(*) FROM reference.{table})"
                                ).fetchone()[0] != 1:
                    return False
                continue
            for one, other in ((f"main.{table}", f"reference.{table}"), (f"reference.{table}", f"main.{table}")):
                if conn.execute(f"SELECT EXISTS (SELECT {columns} FROM {one} EXCEPT SELECT {columns} FROM {other})"
                                ).fetchone()[0]:
                    return False
    return True


def add_a_month(db: Path, share: float = 0.01) -> int:
    """A new month for every 1/share-th series, collected as a daily job would; how many."""
    from indicators.collectors import get_collector
    from indicators.store import Store

    with Store(db) as store:
        rows = store.query_frame("SELECT indicator, location, item, price_type, unit FROM series ORDER BY id")
        changed = rows.iloc[::round(1 / share)]
        path = db.with_suffix(".changed.csv")
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows([r.indicator, r.location, r.item, r.price_type, "2031-01", "999", r.unit]
                             for r in changed.itertuples(index=False))
        get_collector("csv").collect_file(store, path)
    return len(changed)


def report(label: str, figures: dict, baseline: float | None, identical: bool | None) -> None:
    rate = figures["scored"] / figures["wall"] if figures["wall"] else 0.0
    efficiency = f"  efficiency {baseline / (2 * figures['wall']):4.2f}" if baseline else ""
    same = "" if identical is None else f"  rows identical: {identical}"
    print(f"{label:30s} {figures['wall']:7.1f} s wall {figures['cpu']:7.1f} s CPU  {rate:6.1f} series/s{efficiency}"
          f"{same}  peak RSS {figures['rss']:.0f} MB (largest worker {figures['worker_rss']:.0f} MB)", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--modes", default="sequential,workers,dask", help="comma-separated: sequential, workers, dask")
    parser.add_argument("--chunk", type=int, default=200, help="series per chunk of work")
    parser.add_argument("--compare-up-to", type=int, default=20000,
                        help="above this many series, compare detector rows by count only (default 20,000)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one mode in this process
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.db, args.chunk)))
        return 0
    from indicators.store import Store

    modes = args.modes.split(",")
    by_count = ("anomalies",) if args.series > args.compare_up_to else ()
    labels = {"sequential": "sequential", "workers": "--workers 2", "dask": "Dask LocalCluster, 2 workers"}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        collected = folder / "collected.db"
        build_store(collected, args.series, folder)
        print(f"{args.series:,} monthly series of 15 years, all detectors, chunks of {args.chunk} series "
              f"(the detect job: scoring, storing, then the alarms)")
        reference, baseline, full_wall = None, None, None
        for mode in modes:
            with Store(collected) as store:
                copy = store.backup(folder / f"{mode}.db")
            figures = in_subprocess(mode, copy, args.chunk)
            baseline = figures["wall"] if mode == "sequential" else baseline
            identical = same_rows(copy, reference, by_count) if reference is not None else None
            report(labels[mode], figures, baseline if mode != "sequential" else None, identical)
            if reference is None:
                reference, full_wall = copy, figures["wall"]
            else:
                for path in folder.glob(f"{mode}.db*"):
                    path.unlink()
        if by_count and len(modes) > 1:
            print(f"{'':30s} (detector rows compared by count above {args.compare_up_to:,} series)")
        changed = add_a_month(reference)
        figures = in_subprocess("incremental", reference, args.chunk)
        report(f"incremental, {changed} changed", figures, None, None)
        print(f"{'':30s} scored {figures['scored']}, unchanged {figures['unchanged']}: "
              f"{100 * figures['wall'] / full_wall:.1f}% of the full run's wall time ({modes[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

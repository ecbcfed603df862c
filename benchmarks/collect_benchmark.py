"""Collector and store throughput beside a plain sqlite3 floor, in the same run.

    python benchmarks/collect_benchmark.py [--rows 200000] [--repeat 3] [--shape daily|monthly]

Generates a generic long CSV, then measures (best of `--repeat`, each into a fresh database file):
- the floor: the csv module reads the file and sqlite3 `executemany` loads it, in one transaction,
  into an observations table indexed on (series, date) (no validation, units, revisions, rejects);
- `collect csv` into a fresh database, and the same file again (the idempotent daily re-collect).
Prints wall and CPU seconds, rows per second and the tracker's speed as a fraction of the
floor's (target: >= 0.5x for the first collect); on a busy machine the CPU ratio is the steadier.
"""
from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indicators.collectors import get_collector  # noqa: E402
from indicators.store import Store  # noqa: E402


def make_csv(path: Path, rows: int, shape: str = "daily") -> None:
    """`daily`: ~55 daily queue-time series of 10 years (the shape the collector was tuned on);
    `monthly`: the held-out shape, many monthly price series of 20 months with quoted market
    names (`"Market 12, Region 12"`), 10,000 series at 200,000 rows."""
    if shape == "monthly":
        rng = np.random.default_rng(7)
        months = pd.period_range("2010-01", periods=20, freq="M").strftime("%Y-%m")
        count = max(1, rows // len(months))
        pd.DataFrame({"indicator": "grain_price", "item": np.repeat(rng.choice(["millet", "sorghum", "rice"], count), 20),
                      "location": np.repeat([f"Market {i}, Region {i % 40}" for i in range(count)], 20),
                      "date": np.tile(months, count), "value": np.round(rng.gamma(5, 60, count * 20), 1),
                      "unit": "XOF/KG", "price_type": "retail"}).to_csv(path, index=False)
        return
    rng = np.random.default_rng(0)
    days = pd.date_range("2015-01-01", periods=3650, freq="D").strftime("%Y-%m-%d")
    series = max(1, rows // len(days))
    frames = []
    for number in range(series):
        count = min(len(days), rows - number * len(days))
        if count <= 0:
            break
        frames.append(pd.DataFrame({
            "indicator": "fuel_queue_time", "location": f"City {number:04d}", "item": "petrol",
            "date": days[:count], "value": np.round(rng.gamma(2.0, 0.3, count), 2), "unit": "hours"}))
    pd.concat(frames).to_csv(path, index=False)


def floor_load(csv_path: Path, db_path: Path) -> int:
    """The plain-Python floor: csv module + sqlite3 executemany, one transaction, (series, date) key."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE observations (series TEXT NOT NULL, date TEXT NOT NULL, value REAL NOT NULL, "
                 "PRIMARY KEY (series, date)) WITHOUT ROWID")
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = {name: header.index(name) for name in ("indicator", "location", "item", "date", "value")}
        rows = [(f"{r[at['indicator']]}|{r[at['location']]}|{r[at['item']]}", r[at["date"]], float(r[at["value"]]))
                for r in reader]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO observations VALUES (?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return len(rows)


def best_of(repeat: int, run) -> tuple[float, float, object]:
    """(best wall seconds, best CPU seconds of this process, result): on a shared machine the CPU
    time is the steadier of the two."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        wall, cpu = min(wall, time.perf_counter() - started), min(cpu, time.process_time() - started_cpu)
    return wall, cpu, result


def line(label: str, rows: int, wall: float, cpu: float, floor=None, note: str = "") -> str:
    text = f"{label:28s} {rows:>9,} rows  wall {wall:6.2f} s  cpu {cpu:6.2f} s  {rows / wall:>9,.0f} rows/s"
    if floor:
        text += f"  {floor[0] / wall:4.2f}x the floor (cpu {floor[1] / cpu:4.2f}x)"
    return text + (f"  {note}" if note else "")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the best is shown)")
    parser.add_argument("--shape", choices=["daily", "monthly"], default="daily",
                        help="daily: few long daily series; monthly: 10,000 short monthly series (held out)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv_path = folder / "input.csv"
        make_csv(csv_path, args.rows, args.shape)
        fresh = iter(range(10 ** 6))

        def new_db() -> Path:
            return folder / f"db-{next(fresh)}.db"

        floor_wall, floor_cpu, rows = best_of(args.repeat, lambda: floor_load(csv_path, new_db()))
        floor = (floor_wall, floor_cpu)
        print(line("floor (csv + executemany)", rows, floor_wall, floor_cpu))
        collector = get_collector("csv")

        def first_collect():
            with Store(new_db()) as store:
                return collector.collect_file(store, csv_path)

        wall, cpu, summary = best_of(args.repeat, first_collect)
        print(line("collect csv, fresh database", summary.rows_read, wall, cpu, floor, f"(new {summary.new:,})"))
        again = new_db()
        with Store(again) as store:
            collector.collect_file(store, csv_path)
            wall, cpu, summary = best_of(args.repeat, lambda: collector.collect_file(store, csv_path))
        print(line("re-collect (no change)", summary.rows_read, wall, cpu, floor, f"(unchanged {summary.unchanged:,})"))
        print(f"database size {again.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

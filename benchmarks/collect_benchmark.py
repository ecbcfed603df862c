"""Collector and store throughput: generate a generic long CSV, collect it into a fresh database
file, collect it again (idempotent re-run), and print rows per second.

    python benchmarks/collect_benchmark.py [--rows 200000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indicators.collectors import get_collector  # noqa: E402
from indicators.store import Store  # noqa: E402


def make_csv(path: Path, rows: int) -> None:
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        csv_path, db_path = Path(folder) / "input.csv", Path(folder) / "track.db"
        make_csv(csv_path, args.rows)
        collector = get_collector("csv")
        with Store(db_path) as store:
            for label in ("first collect", "re-collect (no change)"):
                started = time.perf_counter()
                summary = collector.collect_file(store, csv_path)
                seconds = time.perf_counter() - started
                print(f"{label:24s} {summary.rows_read:>9,} rows  {seconds:7.2f} s  "
                      f"{summary.rows_read / seconds:>10,.0f} rows/s  (new {summary.new:,}, unchanged {summary.unchanged:,})")
        print(f"database size {db_path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

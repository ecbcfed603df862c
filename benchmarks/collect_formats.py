"""Time the format collectors on the largest inputs at hand (run on demand, prints figures).

    python benchmarks/collect_formats.py [--bfa ../shared/data/wfp_food_prices_bfa.csv]

Each file is collected into a fresh temporary database, then collected again (the second pass
is the idempotent re-collect a scheduled job does every day).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.collectors import get_collector  # noqa: E402
from indicators.store import Store  # noqa: E402

DEMO = ROOT / "datasets" / "demo"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bfa", type=Path, default=ROOT.parent / "shared" / "data" / "wfp_food_prices_bfa.csv",
                        help="the real Burkina Faso WFP file (skipped when missing)")
    args = parser.parse_args(argv)
    inputs = [("wfp", args.bfa), ("wfp", DEMO / "wfp_food_prices_mli.csv"),
              ("stations", DEMO / "fuel_station_survey.csv"), ("outages", DEMO / "power_outage_log.csv")]
    for kind, path in inputs:
        if not path.is_file():
            print(f"{path}: missing, skipped")
            continue
        with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.db") as store:
            times = []
            for _ in range(2):
                started = time.perf_counter()
                summary = get_collector(kind).collect_file(store, path)
                times.append(time.perf_counter() - started)
            print(f"{kind:9s} {path.name}: {summary.rows_read} rows; first collect {times[0]:.2f} s "
                  f"({summary.rows_read / times[0]:,.0f} rows/s), re-collect {times[1]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

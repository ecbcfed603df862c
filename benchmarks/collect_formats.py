"""Time the format collectors on the largest inputs at hand, beside the plain sqlite3 floor
(run on demand, prints figures).

    python benchmarks/collect_formats.py [--bfa ../shared/data/wfp_food_prices_bfa.csv] [--repeat 3]

The floor is `collect_benchmark.py`'s (csv module + sqlite3 `executemany`, one transaction, an
indexed (series, date) table) on a 50,000-row generic CSV, measured in the same run. Each file is
collected into a fresh temporary database (best of `--repeat`), then collected again (the
idempotent re-collect a scheduled job does every day). Rates are input rows per CPU second of
this process (on a shared machine the steadier measure; wall seconds are printed too); the ratio
is the collector's rate over the floor's.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from collect_benchmark import best_of, floor_load, make_csv  # noqa: E402
from indicators.collectors import get_collector  # noqa: E402
from indicators.store import Store  # noqa: E402
from shared_folder import DATA  # noqa: E402

DEMO = ROOT / "datasets" / "demo"
SHARED = DATA


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bfa", type=Path, default=SHARED / "wfp_food_prices_bfa.csv",
                        help="the real Burkina Faso WFP file (skipped when missing)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the best is shown)")
    args = parser.parse_args(argv)
    inputs = [("wfp", args.bfa), ("wfp", SHARED / "hdx_wfp_food_prices_global_2026_Q1.csv"),
              ("wfp", DEMO / "wfp_food_prices_mli.csv"), ("stations", DEMO / "fuel_station_survey.csv"),
              ("outages", DEMO / "power_outage_log.csv"),
              ("events", SHARED / "mali_fuel_convoy_attacks_2025_bellingcat.csv")]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        fresh = iter(range(10 ** 6))

        def new_db() -> Path:
            return folder / f"db-{next(fresh)}.db"

        floor_csv = folder / "floor.csv"
        make_csv(floor_csv, 50_000)
        floor_wall, floor_cpu, floor_rows = best_of(args.repeat, lambda: floor_load(floor_csv, new_db()))
        floor_rate = floor_rows / floor_cpu
        print(f"floor (csv + executemany)  {floor_rows:>7,} rows  cpu {floor_cpu:5.2f} s  wall {floor_wall:5.2f} s  "
              f"{floor_rate:>9,.0f} rows/cpu s")
        for kind, path in inputs:
            if not path.is_file():
                print(f"{path}: missing, skipped")
                continue

            def first_collect():
                with Store(new_db()) as store:
                    return get_collector(kind).collect_file(store, path)

            wall, cpu, summary = best_of(args.repeat, first_collect)
            with Store(new_db()) as store:
                get_collector(kind).collect_file(store, path)
                again_wall, again_cpu, _ = best_of(args.repeat, lambda: get_collector(kind).collect_file(store, path))
            rate = summary.rows_read / cpu
            print(f"{kind:9s} {path.name}: {summary.rows_read:,} rows; first collect cpu {cpu:.2f} s (wall {wall:.2f} s) "
                  f"{rate:,.0f} rows/cpu s = {rate / floor_rate:.2f}x the floor; re-collect cpu {again_cpu:.2f} s "
                  f"(wall {again_wall:.2f} s) = {summary.rows_read / again_cpu / floor_rate:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How big and how slow is the report with hundreds of series? (run on demand, prints figures)

    python benchmarks/report_size.py [--series 400] [--countries 1] [--browser]
    python benchmarks/report_size.py --series 10000 --countries 20
    python benchmarks/report_size.py --global ../shared/data/hdx_wfp_food_prices_global_2026_Q1.csv
    python benchmarks/report_size.py --series 10000 --db /tmp/s10000.db --out /tmp/report-10000

Builds a temporary database of N series (half monthly grain prices over 10 years, half daily
fuel availability over a year) through the generic CSV collector, spread over `--countries`
countries (locations named `Market 001 (AAB)`), gives every scored date a synthetic detector row
(severities drawn at random, so the alert tables are full), writes the report and prints its
time (wall clock and this process's CPU), the size of index.html, of the largest page (in any
country folder) and of the folder. `--global FILE` instead collects a WFP/HDX global file with
the wfp collector, runs detection, and reports on it. `--browser` also times headless Chromium
loading index.html and the largest page (until every chart is drawn).

Peak memory: the largest resident set size of this process while the report is written
(sampled from /proc every 20 ms), beside the size before it; building the store is not counted.
`--run-step` also times, on a copy of the store, what the `run` job's report step reads for
"new since the last run" when 1% of the series got new detector rows.
`--db PATH` keeps the store (built when the file does not exist, reused when it does, so one
store can be reported on again and again); `--out DIR` keeps the report (to compare two versions).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.collectors import get_collector  # noqa: E402
from indicators.report import write_report  # noqa: E402
from indicators.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=400)
    parser.add_argument("--countries", type=int, default=1, help="spread the series over this many countries")
    parser.add_argument("--global", dest="global_file", type=Path, default=None,
                        help="report on this WFP/HDX global file instead (collected and detected first)")
    parser.add_argument("--browser", action="store_true", help="time headless Chromium on the pages")
    parser.add_argument("--db", type=Path, default=None, help="keep the store here (reused when it exists)")
    parser.add_argument("--out", type=Path, default=None, help="keep the report here")
    parser.add_argument("--run-step", action="store_true",
                        help="also time the run job's 'new since the last run' with 1%% of the series changed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = args.db or folder / "bench.db"
        reuse = database.exists()
        with Store(database) as store:
            if reuse:
                print(f"reusing the store {database}")
            elif args.global_file:
                get_collector("wfp").collect_file(store, args.global_file)
                from indicators.detect import run_detection

                run_detection(store)
            else:
                _synthetic(store, folder, args.series, args.countries)
            observations = store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
            series = store.conn.execute("SELECT COUNT(*) FROM series").fetchone()[0]
            before = _rss()
            with PeakMemory() as peak:
                started, cpu = time.perf_counter(), time.process_time()
                index = write_report(store, args.out or folder / "report")
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        pages = sorted((p.stat().st_size, str(p.relative_to(index.parent))) for p in index.parent.rglob("*.html"))
        files = [p for p in index.parent.rglob("*") if p.is_file()]
        print(f"series: {series}; observations: {observations}")
        print(f"report written in {seconds:.1f} s ({cpu:.1f} s CPU)")
        print(f"peak memory while reporting: {peak.peak / 1e9:.2f} GB resident ({before / 1e9:.2f} GB before)")
        print(f"index.html: {index.stat().st_size / 1e6:.2f} MB")
        print(f"largest page: {pages[-1][1]} {pages[-1][0] / 1e6:.2f} MB; {len(pages)} pages")
        print(f"folder: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {len(files)} files")
        if args.run_step:
            _run_step(database, folder / "run-step.db")
        if args.browser:
            from indicators.report.browser import dump_dom

            for name in ("index.html", pages[-1][1]):  # relative to the report folder
                started = time.perf_counter()
                dom = dump_dom(index.parent / name, budget_ms=60000)
                drawn = dom.count("js-plotly-plot")  # charts below the first screen wait to be scrolled to
                print(f"chromium: {name} loaded in {time.perf_counter() - started:.1f} s, {drawn} charts drawn")


def _run_step(database: Path, copy: Path) -> None:
    """On a copy of the store: an alarm pass (a run), new detector rows for 1% of the series (a
    crisis on every date), then inside a new run the report's "new since the last run" read from
    the stale series (`alerts.alarms_since_last_run`) beside the whole-store reading
    (`alerts.pending_alarms` of every series)."""
    import shutil

    from indicators.alerts import _alert_columns, alarms_since_last_run, pending_alarms, record_alarms

    def whole_store(store: Store, run_id: int):
        pending = pending_alarms(store, before_run=run_id)
        return _alert_columns(pending) if not pending.empty else pending

    shutil.copy(database, copy)
    with Store(copy) as store:
        first = store.start_run("detect")
        record_alarms(store, first)
        store.finish_run(first, "ok", {"new_alerts": 0})
        changed = [row[0] for row in store.conn.execute("SELECT id FROM series ORDER BY id")][::100]
        for series_id in changed:
            rows = store.anomalies(series_ids=[series_id]).assign(severity="crisis", score=9.0)
            with store.transaction():
                for detector, frame in rows.groupby("detector"):
                    store.replace_anomalies(series_id, detector, frame)
        run_id = store.start_run("run")
        found = {}
        for name, function in (("stale series only", alarms_since_last_run), ("whole store", whole_store)):
            started, cpu = time.perf_counter(), time.process_time()
            found[name] = function(store, run_id).reset_index(drop=True)
            print(f"run step, new since the last run ({len(changed)} of the series changed), {name}: "
                  f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU), "
                  f"{len(found[name])} alarms")
        print("same alarms:", found["stale series only"].equals(found["whole store"]))


def _rss() -> int:
    """This process's resident set size in bytes (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """The largest `_rss()` seen while the block runs (a thread samples it every 20 ms)."""

    def __enter__(self):
        self.peak, self._done = _rss(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _synthetic(store: Store, folder: Path, count: int, countries: int) -> None:
    rng = np.random.default_rng(1)
    months = [f"{y}-{m:02d}" for y in range(2016, 2026) for m in range(1, 13)]
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range("2024-11-01", periods=365)]
    codes = ["".join(chr(65 + (k // 26 ** p) % 26) for p in (2, 1, 0)) for k in range(countries)]
    lines = ["indicator,location,item,price_type,date,value,unit,latitude,longitude"]
    for n in range(count):
        market = f"Market {n // 4:03d}" + (f" ({codes[n % countries]})" if countries > 1 else "")
        if n % 2 == 0:
            values = 250 + rng.normal(0, 10, len(months)).cumsum() / 5
            lines += [f"grain_price,{market},{['millet', 'sorghum'][n // 2 % 2]},retail,{d},{v:.1f},XOF/KG,"
                      f"{12 + n % 7 * 0.3:.2f},{-8 + n % 11 * 0.4:.2f}" for d, v in zip(months, values)]
        else:
            values = np.clip(0.9 + rng.normal(0, 0.03, len(days)), 0, 1)
            lines += [f"fuel_availability,{market},{['petrol', 'diesel'][n // 2 % 2]},,{d},{v:.3f},share,,"
                      for d, v in zip(days, values)]
    source = folder / "input.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    get_collector("csv").collect_file(store, source)
    for row in store.series().itertuples(index=False):
        values = store.values(row.id)
        severity = _episodes(rng, len(values))
        frame = pd.DataFrame({"date": values.index, "value": values.to_numpy(), "expected": values.to_numpy() * 0.95,
                              "lower": values.to_numpy() * 0.9, "upper": values.to_numpy(), "score": 1.0,
                              "severity": severity, "explanation": [f"synthetic row for {row.location}"] * len(values)})
        with store.transaction():
            store.replace_anomalies(row.id, "state", frame)


def _episodes(rng, length: int) -> np.ndarray:
    """Severities as a scheduled job would see them: normal dates with, in about half the series,
    one past episode and, in a third, one ongoing at the latest date (runs of consecutive dates at
    stress, alert or crisis, not independent draws: a real store has few episodes per series)."""
    severity = np.array(["normal"] * length, dtype=object)
    level = lambda: rng.choice(["stress", "alert", "crisis"], p=[0.5, 0.3, 0.2])  # noqa: E731
    if rng.random() < 0.5 and length > 20:
        start = int(rng.integers(0, length - 20))
        severity[start:start + int(rng.integers(2, 10))] = level()
    if rng.random() < 1 / 3:
        severity[length - int(rng.integers(1, 8)):] = level()
    return severity


if __name__ == "__main__":
    main()

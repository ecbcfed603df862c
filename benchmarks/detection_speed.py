"""Detection speed: CPU seconds of every detector on the detection benchmark's series, and of the
detect job on the HDX global file (thousands of series, none long enough to score).

    python benchmarks/detection_speed.py [--monthly 1000] [--repeat 3] [--global PATH] [--no-global]
    python benchmarks/detection_speed.py --no-global --without change   # one detector's marginal cost

The first figure is the detection benchmark's "speed" line (`detection_speed`: each series
through `score_series`, as `track detect` scores it), best of `--repeat` passes; targets: 1,000
monthly series of 15 years in under 5 CPU seconds. The second collects the global file into a
fresh database (not timed) and times `detect_job(full=True)` there: scoring, storing every
status and recording the alarms (target: under 15 s).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from detection_benchmark import detection_speed, generate  # noqa: E402
from shared_folder import DATA  # noqa: E402

GLOBAL = DATA / "hdx_wfp_food_prices_global_2026_Q1.csv"


def global_file(path: Path) -> None:
    from indicators.collectors import get_collector
    from indicators.jobs import detect_job
    from indicators.store import Store

    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "global.db") as store:
        get_collector("wfp").collect_file(store, path)
        wall, cpu = time.perf_counter(), time.process_time()
        counts, _ = detect_job(store, full=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"HDX global file ({path.name}): detect job on {counts['series']:,} series in {cpu:.2f} CPU s "
          f"({wall:.1f} s wall); {counts.get('scored', 0)} scored, {counts.get('short_history', 0)} short history")


def marginal(cases, name: str, repeat: int) -> int:
    """Best CPU seconds of all detectors and of all but `name` on the same series, passes alternating."""
    from indicators.detect import DETECTORS
    from indicators.detect.run import score_series

    sets = {"without": tuple(n for n in DETECTORS if n != name), "with": tuple(DETECTORS)}
    for case in cases[:20]:
        score_series(case.values, case.info, sets["with"])
    seconds = {label: [] for label in sets}
    for _ in range(max(repeat, 1)):
        for label, names in sets.items():
            started = time.process_time()
            for case in cases:
                score_series(case.values, case.info, names)
            seconds[label].append(time.process_time() - started)
    best = {label: min(values) for label, values in seconds.items()}
    print(f"{len(cases):,} monthly series, passes alternating: all detectors {best['with']:.2f} CPU s, without "
          f"{name} {best['without']:.2f} (best of {repeat}): {name} costs {best['with'] - best['without']:.2f} s, "
          f"{100 * (best['with'] / best['without'] - 1):+.1f}%")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monthly", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--global", dest="global_path", type=Path, default=GLOBAL)
    parser.add_argument("--no-global", action="store_true")
    parser.add_argument("--without", default="", help="also time every detector but this one, interleaved with "
                        "the full set in one process (passes alternate: the machine's drift hits both alike)")
    args = parser.parse_args(argv)
    cases = generate(args.monthly, 0)
    if args.without:
        return marginal(cases, args.without, args.repeat)
    detection_speed(cases[:20])  # imports and caches, as a running job has them
    best = min(detection_speed(cases)["monthly"] for _ in range(args.repeat))
    print(f"all detectors on {args.monthly:,} monthly series of 15 years: {best:.2f} CPU s "
          f"(best of {args.repeat}; {1000 * best / args.monthly:.2f} ms per series)")
    if not args.no_global and args.global_path.exists():
        global_file(args.global_path)
    elif not args.no_global:
        print(f"(global file part skipped: {args.global_path} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

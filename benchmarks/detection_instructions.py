"""Detection cost in machine instructions: a figure that does not move with the machine's load.

    python benchmarks/detection_instructions.py                    # this checkout, 100 monthly series
    python benchmarks/detection_instructions.py --against c5d6c1c  # and another commit, on the same series
    python benchmarks/detection_instructions.py --monthly 200

CPU seconds on a shared machine vary by a quarter from one hour to the next (`detection_speed.py`
measured the same commit at 4.41-4.48 s one day and 5.51-7.26 s the next), more than most
changes to the detectors. Valgrind's callgrind counts the instructions a process executes, the
same to a few tenths of a percent from run to run (`PYTHONHASHSEED` is fixed). Each side runs
twice under callgrind: once to import, build the detection benchmark's original monthly series
(`generate`, made once by this checkout and handed to both sides) and score the first 20 (the
warm-up `detection_speed.py` makes), once doing the same and then scoring every series with every
detector as `track detect` does (`score_series`); the difference, per series, is the figure.
Needs valgrind (Debian: `apt install valgrind`); about a minute per side for 100 series.
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20


def child(code: Path, corpus: Path, score_all: bool) -> None:
    """Runs under callgrind: `code`'s detectors on the pickled series (the warm-up, then all of
    them if `score_all`)."""
    sys.path.insert(0, str(code))
    import indicators
    from indicators.detect import DETECTORS
    from indicators.detect.run import score_series

    assert Path(indicators.__file__).is_relative_to(code), indicators.__file__  # not an installed copy
    series = pickle.loads(corpus.read_bytes())
    names = tuple(DETECTORS)
    for values, info in series[:WARM_UP] + (series if score_all else []):
        score_series(values, info, names)


def instructions(code: Path, corpus: Path, score_all: bool) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", str(code), str(corpus)] + (["--all"] if score_all else [])
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"callgrind run failed ({' '.join(command)}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_series(code: Path, corpus: Path, count: int) -> float:
    """Instructions per series of scoring (all runs less the warm-up-only run)."""
    with ThreadPoolExecutor(2) as pool:  # the two runs are independent processes
        setup, total = pool.map(lambda score_all: instructions(code, corpus, score_all), (False, True))
    return (total - setup) / count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monthly", type=int, default=100, help="monthly series of 15 years scored")
    parser.add_argument("--against", help="another commit (or branch) scored on the same series")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--all", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, args.all)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind not found: this benchmark counts instructions with valgrind's callgrind "
              "(Debian: apt install valgrind); detection_speed.py measures CPU seconds without it", file=sys.stderr)
        return 2
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from detection_benchmark import generate
    from detection_equality import extract

    cases = generate(args.monthly, 0)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus = folder / "series.pkl"
        corpus.write_bytes(pickle.dumps([(case.values, case.info) for case in cases]))
        sides = [("this checkout", ROOT)]
        if args.against:
            sides.append((args.against, extract(args.against, folder)))
        figures = {name: per_series(code, corpus, len(cases)) for name, code in sides}
    for name, figure in figures.items():
        print(f"{name}: {figure / 1e6:.2f} million instructions per monthly series of 15 years "
              f"(all detectors, {len(cases)} series, callgrind)")
    if args.against:
        ratio = figures["this checkout"] / figures[args.against]
        print(f"this checkout / {args.against}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up time of the command line beside bare click (run on demand, prints figures).

    python benchmarks/startup_benchmark.py [--repeat 7]

Each command runs in a fresh interpreter `--repeat` times; the median wall time is printed for
`python -c "import click, sqlite3"` (the floor), `track.py --help`, and a few commands' help,
with the ratio to the floor (target: `track --help` within 3x).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    'python -c "import click, sqlite3"': ["-c", "import click, sqlite3"],
    "track.py --help": ["track.py", "--help"],
    "track.py detect --help": ["track.py", "detect", "--help"],
    "track.py collect csv --help": ["track.py", "collect", "csv", "--help"],
    'python -c "import indicators.cli"': ["-c", "import indicators.cli"],
}


def median_seconds(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (the median is shown)")
    args = parser.parse_args(argv)
    floor = None
    for label, command in COMMANDS.items():
        seconds = median_seconds(command, args.repeat)
        floor = floor or seconds
        print(f"{label:36s} {seconds * 1000:7.0f} ms  {seconds / floor:5.1f}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())

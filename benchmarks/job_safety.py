"""Stress the scheduled-job guarantees with real processes (run on demand, prints figures).

    python benchmarks/job_safety.py kill --rounds 10 --files 12 --rows 3000
    python benchmarks/job_safety.py writers --writers 4 --files 3 --rows 5000

`kill`: starts `track.py collect csv` on many files into a fresh database and SIGKILLs it at a
random moment of a normal collect's duration; checks `PRAGMA integrity_check` and that every file
is fully imported or not at all; then one more collect must give exactly all rows, no revision,
no duplicate, and mark the killed run `killed`. Repeated for each round.
`writers`: N `collect` processes write different files into one fresh database at once; checks
the union of rows and that no "database is locked" reached anyone; prints wall time and rows/s.
"""
from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from jobs_support import availability_rows, integrity, query, start_track, track, write_rows  # noqa: E402


def make_files(folder: Path, count: int, rows: int, prefix: str) -> list[Path]:
    return [write_rows(folder / f"{prefix}{n:03d}.csv", availability_rows(f"{prefix} {n}", rows)) for n in range(count)]


def wait_for_file(path: Path) -> float:
    while not path.exists():
        time.sleep(0.005)
    return time.monotonic()


def kill_rounds(args) -> int:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        files = make_files(folder, args.files, args.rows, "part")
        expected = args.files * args.rows
        started = time.monotonic()
        clean = start_track("collect", "csv", "--db", folder / "timing.db", *files)
        start_up = wait_for_file(folder / "timing.db") - started
        assert clean.wait() == 0, clean.stderr.read()
        full = time.monotonic() - started
        print(f"one full collect of {args.files} x {args.rows} rows: {full:.2f} s, of which {start_up:.2f} s "
              f"start-up before the database file appears; kills fall in the {full - start_up:.2f} s after")
        rng = random.Random(args.seed)
        failures = 0
        for round_number in range(1, args.rounds + 1):
            db = folder / f"round{round_number}.db"
            job = start_track("collect", "csv", "--db", db, *files)
            wait_for_file(db)
            moment = rng.uniform(0, full - start_up)
            time.sleep(moment)
            job.send_signal(signal.SIGKILL)
            job.wait()
            check = integrity(db)
            has_schema = query(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'observations'")[0][0]
            counts = dict(query(db, "SELECT source_file, COUNT(*) FROM observations GROUP BY source_file")) \
                if has_schema else {}
            whole = sum(1 for p in files if counts.get(str(p.resolve())) == args.rows)
            halves = sum(1 for p in files if counts.get(str(p.resolve()), 0) not in (0, args.rows))
            again = track("collect", "csv", "--db", db, *files, timeout=600)
            observations = query(db, "SELECT COUNT(*) FROM observations")[0][0]
            revisions = query(db, "SELECT COUNT(*) FROM revisions")[0][0]
            runs = [row[0] for row in query(db, "SELECT status FROM runs ORDER BY id")]
            ok = check.startswith("ok") and not halves and again.returncode == 0 and observations == expected \
                and not revisions and integrity(db) == "ok"
            failures += not ok
            print(f"round {round_number:2d}: kill {moment:4.2f} s after the file appeared (exit {job.returncode}); integrity {check}; "
                  f"files whole {whole}/{len(files)}, half {halves}; re-run: exit {again.returncode}, "
                  f"{observations}/{expected} observations, {revisions} revisions, runs {runs} -> {'ok' if ok else 'FAIL'}")
        print(f"{args.rounds} rounds, {failures} failures")
        return 1 if failures else 0


def writers(args) -> int:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        groups = [make_files(folder, args.files, args.rows, f"w{w}-") for w in range(args.writers)]
        db = folder / "fresh" / "track.db"
        started = time.monotonic()
        jobs = [start_track("collect", "csv", "--db", db, *files) for files in groups]
        outputs = [job.communicate() for job in jobs]
        elapsed = time.monotonic() - started
        locked = sum("locked" in err.lower() for _, err in outputs)
        codes = [job.returncode for job in jobs]
        observations = query(db, "SELECT COUNT(*) FROM observations")[0][0]
        expected = args.writers * args.files * args.rows
        print(f"{args.writers} writers x {args.files} files x {args.rows} rows: exit codes {codes}, "
              f"{observations} observations (expected {expected}), 'locked' messages {locked}, "
              f"{elapsed:.2f} s wall, {expected / elapsed:,.0f} rows/s, integrity {integrity(db)}")
        return 0 if set(codes) == {0} and observations == expected and not locked else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    kill = sub.add_parser("kill")
    kill.add_argument("--rounds", type=int, default=10)
    kill.add_argument("--files", type=int, default=12)
    kill.add_argument("--rows", type=int, default=3000)
    kill.add_argument("--seed", type=int, default=2025)
    many = sub.add_parser("writers")
    many.add_argument("--writers", type=int, default=4)
    many.add_argument("--files", type=int, default=3)
    many.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    return kill_rounds(args) if args.mode == "kill" else writers(args)


if __name__ == "__main__":
    sys.exit(main())

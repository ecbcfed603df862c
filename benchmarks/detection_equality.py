"""Detection outputs of this checkout against another commit's, bit for bit: the check that a
speed-up of the detectors changed no output.

    python benchmarks/detection_equality.py --against main     # or any commit; exit 1 on a difference
    python benchmarks/detection_equality.py --against main --quick
    python benchmarks/detection_equality.py --against main --keep /tmp/main.pkl   # reuse the other side's scores

The corpus is built once, by this checkout: the detection benchmark's original generator (1,000
monthly and 150 daily series; `--quick`: 200 and 60), 20 series of every generator family of
`benchmark_families.py` (seed 7; `--quick`: 8), the real BFA prices (`../shared/data`), the
bundled Mali demo after collect and derive, and two NAB sub-daily files. Every series goes through
`score_series` with every detector and the chunk through `series_states.from_scores`, here and
in a subprocess importing the other commit's `indicators` (extracted with `git archive`). Each
detector's status, message and output frame (every column, `check_exact`), and the per-series
states and alarms of `from_scores`, must be identical.
"""
from __future__ import annotations

import argparse
import dataclasses
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import shared_folder

ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_folder.SHARED
NAB_FILES = ("realKnownCause/machine_temperature_system_failure.csv", "realTraffic/speed_7578.csv")


def corpus(quick: bool) -> list[tuple[str, object, object]]:
    """(name, values, info) of every series checked, each with its own series id."""
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    import pandas as pd
    from benchmark_families import FAMILIES, generate, generate_family

    monthly, daily, per_family = (200, 60, 8) if quick else (1000, 150, 20)
    series = [(f"legacy {number}", case.values, case.info) for number, case in enumerate(generate(monthly, daily))]
    for family in FAMILIES:
        series += [(f"{family} {number}", case.values, case.info)
                   for number, case in enumerate(generate_family(family, per_family, 7))]
    series += stored_series()
    for path in NAB_FILES:
        series += nab_series(SHARED / "benchmarks" / "NAB" / "data" / path, pd)
    return [(name, values, dataclasses.replace(info, series_id=number))
            for number, (name, values, info) in enumerate(series)]


def stored_series() -> list:
    """The real BFA file and the bundled demo (collected and derived), as detection reads them."""
    from indicators.detect.run import detection_series, series_chunks
    from indicators.jobs import collect_job, demo_config, derive_job
    from indicators.store import Store

    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "check.db") as store:
        config = demo_config()
        for source in config.sources:
            if source.kind != "events":
                collect_job(store, source.kind, [source.path])
        bfa = SHARED / "data" / "wfp_food_prices_bfa.csv"
        if bfa.exists():
            collect_job(store, "wfp", [bfa])
        derive_job(store, settings=config.derive)
        rows = detection_series(store)
        return [(f"store {info.label()}", values, info)
                for chunk in series_chunks(store, rows, ()) for values, info, _ in chunk]


def nab_series(path: Path, pd) -> list:
    if not path.exists():
        return []
    from indicators.detect import SeriesInfo
    from indicators.store import infer_frequency

    frame = pd.read_csv(path)
    dates = pd.to_datetime(frame["timestamp"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    values = pd.Series(frame["value"].to_numpy(dtype="float64"), index=dates.to_numpy())
    values = values[~values.index.duplicated(keep="last")]
    return [(f"nab {path.stem}", values, SeriesInfo(indicator=f"nab_{path.stem}", location=path.stem,
                                                     frequency=infer_frequency(dates.tolist())))]


def score(series: list) -> dict:
    """{name: {detector: (status, message, frame)}}, and the chunk's `from_scores` frames; CPU seconds."""
    from indicators.detect import DETECTORS
    from indicators.detect.run import score_series
    from indicators.series_states import from_scores

    names = tuple(DETECTORS)
    started = time.process_time()
    results = [score_series(values, info, names) for _, values, info in series]
    seconds = time.process_time() - started
    states, alarms = from_scores([(values, info, names) for _, values, info in series], results)
    outputs = {name: {detector: (result.status, result.message, result.frame)
                      for detector, result in by_detector.items()}
               for (name, _, _), by_detector in zip(series, results)}
    return {"outputs": outputs, "states": states, "alarms": alarms, "seconds": seconds}


def differences(mine: dict, theirs: dict, limit: int = 20) -> list[str]:
    import pandas as pd

    found = []
    for name, by_detector in theirs["outputs"].items():
        ours = mine["outputs"].get(name, {})
        if set(ours) != set(by_detector):
            found.append(f"{name}: detectors {sorted(ours)} against {sorted(by_detector)}")
        for detector in set(ours) & set(by_detector):
            (status, message, frame), (status2, message2, frame2) = ours[detector], by_detector[detector]
            if (status, message) != (status2, message2):
                found.append(f"{name} / {detector}: {status} {message!r} against {status2} {message2!r}")
            try:
                pd.testing.assert_frame_equal(frame, frame2, check_exact=True)
            except AssertionError as error:
                found.append(f"{name} / {detector}: {str(error).strip()[:400]}")
        if len(found) >= limit:
            return found
    for part in ("states", "alarms"):
        try:
            pd.testing.assert_frame_equal(mine[part], theirs[part], check_exact=True)
        except AssertionError as error:
            found.append(f"from_scores {part}: {str(error).strip()[:400]}")
    return found


def extract(commit: str, folder: Path) -> Path:
    """`commit`'s files (`git archive`) in `folder`/reference: the code another checkout is compared with."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    source = folder / "reference"
    source.mkdir()
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    return source


def score_with(commit: str, corpus_file: Path, out: Path, folder: Path) -> None:
    """Score the pickled corpus with `commit`'s code in a subprocess."""
    source = extract(commit, folder)
    subprocess.run([sys.executable, __file__, "--score", str(corpus_file), str(out), "--code", str(source)],
                   check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="the commit (or branch) to compare with")
    parser.add_argument("--quick", action="store_true", help="a smaller corpus")
    parser.add_argument("--keep", type=Path, help="keep the other commit's scores in this file and reuse them "
                                                  "while it is the same commit (repeated checks during a change)")
    parser.add_argument("--score", nargs=2, type=Path, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.score:  # the subprocess: another checkout's code on the pickled corpus
        sys.path.insert(0, str(args.code))
        import indicators
        assert Path(indicators.__file__).is_relative_to(args.code), indicators.__file__
        series = pickle.loads(args.score[0].read_bytes())
        args.score[1].write_bytes(pickle.dumps(score(series)))
        return 0
    series = corpus(args.quick)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.against], check=True, capture_output=True,
                            text=True).stdout.strip()
    kept = pickle.loads(args.keep.read_bytes()) if args.keep and args.keep.exists() else {}
    if kept.get("key") == (commit, args.quick):
        theirs = kept["scores"]
    else:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            (folder / "corpus.pkl").write_bytes(pickle.dumps(series))
            score_with(commit, folder / "corpus.pkl", folder / "theirs.pkl", folder)
            theirs = pickle.loads((folder / "theirs.pkl").read_bytes())
        if args.keep:
            args.keep.write_bytes(pickle.dumps({"key": (commit, args.quick), "scores": theirs}))
    mine = score(series)
    rows = sum(len(frame) for by_detector in mine["outputs"].values() for _, _, frame in by_detector.values())
    found = differences(mine, theirs)
    print(f"{len(series):,} series, {rows:,} output rows, {len(mine['states']):,} series states, "
          f"{len(mine['alarms']):,} alarms; scoring {mine['seconds']:.2f} CPU s here, "
          f"{theirs['seconds']:.2f} CPU s on {args.against}")
    if found:
        print(f"DIFFERENT from {args.against}:", *found, sep="\n  ")
        return 1
    print(f"identical to {args.against}: every detector's status, message and output, every column, exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())

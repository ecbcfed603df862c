"""The scheduled job: collect the configured sources, detect, report; every step recorded in `runs`.

With no configuration it runs the bundled SIMULATED demo (`datasets/demo/`: a WFP HDX price file,
a Kobo-style fuel-station survey export and a power outage log; see `demo_config`).
A configuration is a TOML file:

    db = "datasets/track.db"        # optional; --db and $TRACK_DB take precedence
    reports = "reports"             # optional report folder
    [[sources]]
    kind = "csv"                    # a collector name
    path = "data/*.csv"             # a path or glob, relative to the config file
"""
from __future__ import annotations

import glob
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .collectors import COLLECTORS, get_collector
from .detect import run_detection
from .errors import ConfigError, InputError
from .report import write_report
from .store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_ROOT / "datasets" / "demo"
CONFIG_KEYS = {"db", "reports", "sources"}
SOURCE_KEYS = {"kind", "path"}


@dataclass
class Source:
    kind: str
    path: str

    def files(self) -> list[Path]:
        matches = sorted(glob.glob(self.path)) if glob.has_magic(self.path) else [self.path]
        if not matches:
            raise ConfigError(f"source {self.path!r} matches no file")
        return [Path(m) for m in matches]


@dataclass
class JobConfig:
    sources: list[Source]
    db: str | None = None
    reports: str | None = None
    origin: str = "bundled demo"


@dataclass
class JobResult:
    run_id: int
    summaries: list = field(default_factory=list)
    detection: dict = field(default_factory=dict)
    report: Path | None = None
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def demo_config() -> JobConfig:
    """The bundled SIMULATED demo, each input in the format its collector reads."""
    demo = DEMO_DIR if DEMO_DIR.is_dir() else Path("datasets") / "demo"
    return JobConfig(sources=[Source("wfp", str(demo / "wfp_food_prices_mli.csv")),
                              Source("stations", str(demo / "fuel_station_survey.csv")),
                              Source("outages", str(demo / "power_outage_log.csv"))])


def load_config(path: str | Path) -> JobConfig:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    unknown = set(raw) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(CONFIG_KEYS))}")
    sources = []
    for number, entry in enumerate(raw.get("sources", []), start=1):
        unknown = set(entry) - SOURCE_KEYS
        if unknown:
            raise ConfigError(f"{path}: sources[{number}]: unknown key(s) {', '.join(sorted(unknown))}")
        if entry.get("kind") not in COLLECTORS:
            raise ConfigError(f"{path}: sources[{number}]: kind must be one of {', '.join(sorted(COLLECTORS))}")
        if not entry.get("path"):
            raise ConfigError(f"{path}: sources[{number}]: path is required")
        source_path = entry["path"]
        if "://" not in source_path and not Path(source_path).is_absolute():
            source_path = str(path.parent / source_path)
        sources.append(Source(entry["kind"], source_path))
    if not sources:
        raise ConfigError(f"{path}: no [[sources]] configured")
    return JobConfig(sources=sources, db=raw.get("db"), reports=raw.get("reports"), origin=str(path))


def run_job(store: Store, config: JobConfig, out_dir: str | Path | None = None, strict: bool = False,
            echo=print) -> JobResult:
    """Collect every source, run detection, write the report. A source that fails is reported
    and the job carries on with the others; the result lists the errors."""
    started = time.monotonic()
    run_id = store.start_run("run", config.origin)
    result = JobResult(run_id=run_id)
    try:
        for source in config.sources:
            collector = get_collector(source.kind)
            for path in source.files():
                try:
                    summary = collector.collect_file(store, path, strict=strict, run_id=run_id)
                except InputError as error:
                    result.errors.append(str(error))
                    echo(f"error: {error}")
                    continue
                result.summaries.append(summary)
                echo(summary.line())
        result.detection = run_detection(store, run_id=run_id)
        result.report = write_report(store, out_dir or config.reports or "reports")
    except BaseException as error:
        store.finish_run(run_id, "failed", _counts(result), message=str(error))
        raise
    result.seconds = round(time.monotonic() - started, 3)
    store.finish_run(run_id, "failed" if result.errors else "ok", _counts(result), "; ".join(result.errors))
    return result


def _counts(result: JobResult) -> dict:
    totals = {"files": len(result.summaries), "new": 0, "revised": 0, "unchanged": 0, "rejected": 0}
    for summary in result.summaries:
        for key in ("new", "revised", "unchanged", "rejected"):
            totals[key] += getattr(summary, key)
    totals["detection"] = result.detection
    totals["errors"] = len(result.errors)
    return totals

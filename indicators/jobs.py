"""The scheduled job: collect the configured sources, detect, report; every step recorded in `runs`.

With no configuration it runs the bundled SIMULATED demo (`datasets/demo/`: a WFP HDX price file,
a Kobo-style fuel-station survey export and a power outage log; see `demo_config`), with the real
attacks on fuel convoys its timing follows (Bellingcat, `datasets/demo/real/`). The
configuration file is described in `indicators.config` and docs/scheduling.md.

A job holds the database's job lock (`indicators.locks`) from start to end, so a second job
waits or stops with exit code 75 instead of interleaving. Each file is imported in one
transaction, so a job killed at any moment leaves whole files imported or not at all, and the
next run completes the work (re-importing a file changes nothing). A source that fails (missing
file, HTTP error, garbage) is reported and the job carries on with the others.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .collectors import COLLECTORS, Collector, get_collector
from .config import JobConfig, Source, SourceSettings, load_config
from .errors import ConfigError, TrackError
from .fetch import fetch, remember
from .locks import EXIT_BUSY, close_dead_runs, job_lock
from .output import json_records
from .store import SEVERITY_RANK, Store

# Detection (statsmodels), alerts and reports (plotly) are imported by the functions that use
# them, so that `collect` never loads them (a CLI that starts at once).

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_ROOT / "datasets" / "demo"
BELLINGCAT_FILE = "mali_fuel_convoy_attacks_2025_bellingcat.csv"
# The towns each corridor passes (Dakar-Kayes-Kita-Kati-Bamako; Abidjan-Zegoua-Sikasso-Bougouni-Bamako).
DEMO_EVENT_SETTINGS = {"source": "Bellingcat", "event_type": "attack on fuel convoy", "corridors": {
    "Senegal-Bamako (northwest)": ["Senegal", "Kayes", "Kita", "Kati", "Bamako"],
    "Cote d'Ivoire-Bamako (southeast)": ["Cote d'Ivoire", "Zegoua", "Sikasso", "Bougouni", "Bamako"]}}
EXIT_OK, EXIT_ERROR, EXIT_NEW_ALERTS = 0, 1, 3
log = logging.getLogger("indicators.jobs")

__all__ = ["JobConfig", "JobResult", "Source", "SourceResult", "SourceSettings", "collect_job", "demo_config",
           "derive_job", "detect_job", "load_config", "run_job", "summary_of_a_job_that_did_not_run"]


@dataclass
class SourceResult:
    """What one configured source gave: its files' import summaries, or why it gave nothing."""

    name: str
    kind: str
    path: str
    status: str = "collected"  # collected, not_modified, unchanged (same bytes as last time) or failed
    summaries: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    download: dict | None = None
    seconds: float = 0.0

    def totals(self) -> dict:
        keys = ("rows_read", "new", "revised", "unchanged", "rejected")
        return {k: sum(getattr(s, k) for s in self.summaries) for k in keys}

    def line(self) -> str:
        if self.errors:
            more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            return f"{self.name}: failed: {self.errors[0]}{more}"
        if self.status != "collected":
            return f"{self.name}: {self.status.replace('_', ' ')} since the last import, not parsed again"
        t = self.totals()
        noun = "events" if self.kind in ("events", "acled") else "observations"
        return (f"{self.name}: {len(self.summaries)} file(s), {t['rows_read']} rows read; {noun} {t['new']} new, "
                f"{t['revised']} revised, {t['unchanged']} unchanged; {t['rejected']} rejected")

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "path": self.path, "status": self.status, **self.totals(),
                "files": [s.as_dict() for s in self.summaries], "download": self.download,
                "errors": self.errors, "warnings": self.warnings, "seconds": self.seconds}


@dataclass
class JobResult:
    run_id: int | None
    sources: list[SourceResult] = field(default_factory=list)
    detection: dict = field(default_factory=dict)
    derivation: dict = field(default_factory=dict)
    report: Path | None = None
    seconds: float = 0.0
    durations: dict = field(default_factory=dict)
    new_alerts: pd.DataFrame = field(default_factory=lambda: _no_alerts())
    forecast: dict = field(default_factory=dict)

    @property
    def summaries(self) -> list:
        return [s for source in self.sources for s in source.summaries]

    @property
    def errors(self) -> list[str]:
        return [e for source in self.sources for e in source.errors]

    def exit_code(self, fail_on: str | None = None) -> int:
        """1 when a source failed; else 3 when new alerts of at least `fail_on` appeared; else 0."""
        if self.errors:
            return EXIT_ERROR
        if fail_on and (self.new_alerts["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[fail_on]).any():
            return EXIT_NEW_ALERTS
        return EXIT_OK

    def counts(self) -> dict:
        totals = {"files": len(self.summaries), "rows_read": 0, "new": 0, "revised": 0, "unchanged": 0, "rejected": 0}
        for source in self.sources:
            for key, value in source.totals().items():
                totals[key] += value
        return totals

    def new_alert_counts(self) -> dict:
        return {k: int(v) for k, v in self.new_alerts["severity"].value_counts().items()}

    def as_dict(self, fail_on: str | None = None) -> dict:
        """The machine-readable run summary printed by `run --json`."""
        return {"run_id": self.run_id, "status": "failed" if self.errors else "ok",
                "exit_code": self.exit_code(fail_on), "sources": [s.as_dict() for s in self.sources],
                "totals": self.counts(), "derivation": self.derivation, "detection": self.detection,
                "forecast": self.forecast,
                "new_alerts": {"count": len(self.new_alerts), "by_severity": self.new_alert_counts(),
                               "alerts": json_records(self.new_alerts)},
                "report": str(self.report) if self.report else None, "errors": self.errors,
                "durations": self.durations, "seconds": self.seconds}


def _no_alerts() -> pd.DataFrame:
    from .alerts import ALERT_COLUMNS
    return pd.DataFrame(columns=ALERT_COLUMNS)


def summary_of_a_job_that_did_not_run(error: BaseException, exit_code: int) -> dict:
    """The `run --json` summary when the job could not run (bad configuration, busy database,
    SIGTERM, a failed step): the keys of `JobResult.as_dict`, with the error, so a scheduler
    reading stdout always gets one JSON object."""
    summary = JobResult(run_id=None).as_dict()
    summary.update(status="busy" if exit_code == EXIT_BUSY else "failed", exit_code=exit_code, errors=[str(error)])
    return summary


# The demo's [derive] settings: the defaults, with the default Sahel survival basket written out
# (so `derive` without --config gives the same values as the demo job).
DEMO_DERIVE = {"basket": {"name": "survival", "household_size": 6, "price_type": "retail",
                          "items": {"millet": 13.5, "beans (niebe)": 1.5, "oil (vegetable)": 0.8}}}


def demo_config() -> JobConfig:
    """The bundled SIMULATED demo, each input in the format its collector reads."""
    from .derive.settings import parse_settings  # the derive stage loads only where it is used

    demo = DEMO_DIR if DEMO_DIR.is_dir() else Path("datasets") / "demo"
    return JobConfig(sources=[Source("wfp", str(demo / "wfp_food_prices_mli.csv")),
                              Source("stations", str(demo / "fuel_station_survey.csv")),
                              Source("outages", str(demo / "power_outage_log.csv")),
                              # real: the verified attacks the simulation is timed on (Bellingcat)
                              Source("events", str(demo / "real" / BELLINGCAT_FILE), settings=SourceSettings(
                                  events=DEMO_EVENT_SETTINGS))],
                     derive=parse_settings(DEMO_DERIVE))


def run_job(store: Store, config: JobConfig, out_dir: str | Path | None = None, strict: bool = False,
            echo=None, progress=None, wait: float = 0.0, workers: int | None = None, scheduler=None,
            full: bool = False) -> JobResult:
    """Collect every source, run detection, write the report, record the new alerts.

    Holds the job lock throughout (waiting up to `wait` seconds for another job, else
    `LockBusyError`). `progress(stage, done, total)` is called as files and series are done;
    `echo(line)` receives one line per imported file (progress is also logged to
    `logging.getLogger("indicators")`). `workers` / `scheduler`: where detection runs; detection
    re-scores only the series that changed unless `full` (see `run_detection`)."""
    from .alerts import record_alarms
    from .derive import run_derivations
    from .detect import run_detection
    from .report import write_report
    from .series_states import Fresh

    started = time.monotonic()
    result = JobResult(run_id=0)
    with _job(store, "run", config.origin, exclusive=True, wait=wait,
              counts=lambda: dict(result.counts(), detection=result.detection)) as run_id:
        result.run_id = run_id
        with _timed(result, "collect"):
            _collect_all(store, config, result, strict, echo, progress)
        with _timed(result, "derive"):
            result.derivation = run_derivations(store, settings=config.derive, run_id=run_id,
                                                progress=_stage(progress, "deriving"))
        fresh = Fresh()  # the alarm pass's findings on the series detection scores, kept for the end
        with _timed(result, "detect"):
            result.detection = run_detection(store, run_id=run_id, progress=_stage(progress, "detecting"),
                                             workers=workers, scheduler=scheduler, full=full, fresh=fresh)
        with _timed(result, "forecast"):
            result.forecast = _forecast_step(store, run_id, progress, workers or 1)
        with _timed(result, "report"):
            result.report = write_report(store, out_dir or config.reports or "reports", run_id=run_id,
                                         progress=_stage(progress, "reporting"))
        result.seconds = round(time.monotonic() - started, 3)
        result.durations["total"] = result.seconds
        # The new alerts and the run's end are committed together: a job killed before this
        # point raised nothing, so the next run reports the same alerts as new.
        with store.transaction():
            result.new_alerts, result.detection["states"] = record_alarms(store, run_id, fresh=fresh)
            store.finish_run(run_id, "failed" if result.errors else "ok", _run_counts(result),
                             "; ".join(result.errors))
    return result


def collect_job(store: Store, kind: str, paths, strict: bool = False, wait: float = 0.0, progress=None,
                echo=None) -> tuple[list, list[str]]:
    """`track.py collect KIND PATH...`: import files under the shared job lock (collectors may
    run side by side, but not during a run or detect). Returns (summaries, error messages);
    a file that fails is reported and the others are still imported."""
    summaries, failures = [], []
    with _job(store, f"collect {kind}", " ".join(map(str, paths)), exclusive=False, wait=wait,
              counts=lambda: {"files": [s.as_dict() for s in summaries]}) as run_id:
        for done, path in enumerate(paths, start=1):
            try:
                summary = get_collector(kind).collect_file(store, Path(path), strict=strict, run_id=run_id)
            except TrackError as error:
                failures.append(str(error))
                log.error("error: %s", error)
                continue
            finally:
                if progress:
                    progress("collecting", done, len(paths))
            summaries.append(summary)
            if echo:
                echo(summary.line())
        store.finish_run(run_id, "failed" if failures else "ok", {"files": [s.as_dict() for s in summaries]},
                         "; ".join(failures))
    return summaries, failures


def detect_job(store: Store, detectors: list[str] | None = None, indicator: str | None = None,
               progress=None, wait: float = 0.0, workers: int | None = None, scheduler=None,
               full: bool = False) -> tuple[dict, pd.DataFrame]:
    """`track.py detect`: run the detectors under the job lock (on the series that changed since
    their last detection, or all with `full`) and record the new alerts.
    Returns (detection counts, new alerts)."""
    from .alerts import record_alarms
    from .detect import run_detection
    from .series_states import Fresh

    arguments = " ".join(detectors or []) + (f" --indicator {indicator}" if indicator else "")
    with _job(store, "detect", arguments.strip(), exclusive=True, wait=wait) as run_id:
        fresh = Fresh()
        counts = run_detection(store, detectors, run_id=run_id, indicator=indicator,
                               progress=_stage(progress, "detecting"), workers=workers, scheduler=scheduler,
                               full=full, fresh=fresh)
        with store.transaction():
            new, counts["states"] = record_alarms(store, run_id, fresh=fresh)
            store.finish_run(run_id, "ok", dict(counts, new_alerts=len(new)))
    return counts, new


def derive_job(store: Store, names: list[str] | None = None, settings=None, wait: float = 0.0,
               progress=None) -> dict:
    """`track.py derive`: run the derivations under the job lock (as detect does). Returns the
    counts per derivation."""
    from .derive import run_derivations

    with _job(store, "derive", " ".join(names or []), exclusive=True, wait=wait) as run_id:
        counts = run_derivations(store, names, settings, run_id=run_id, progress=_stage(progress, "deriving"))
        store.finish_run(run_id, "ok", {"derivation": counts})
    return counts


def forecast_job(store: Store, indicator: str | None = None, horizon: int | None = None, to_lean: bool = False,
                 workers: int = 1, progress=None, wait: float = 0.0) -> dict:
    """`track.py forecast`: project the series under the job lock; returns the counts."""
    from .forecast import run_forecasts

    arguments = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in
                         (("indicator", indicator), ("horizon", horizon)) if v) + (" --to-lean" if to_lean else "")
    with _job(store, "forecast", arguments.strip(), exclusive=True, wait=wait) as run_id:
        counts = run_forecasts(store, indicator, horizon, to_lean, run_id=run_id, workers=workers,
                               progress=_stage(progress, "forecasting"))
        store.finish_run(run_id, "ok", counts)
    return counts


def _forecast_step(store: Store, run_id: int, progress, workers: int = 1) -> dict:
    """The run's projections, after detection (it reads the ongoing episodes detection found); monthly
    series with a crop calendar to the end of the coming lean season, for the seasonal view."""
    from .forecast import run_forecasts

    return run_forecasts(store, to_lean=True, run_id=run_id, progress=_stage(progress, "forecasting"),
                         workers=workers)


@contextlib.contextmanager
def _job(store: Store, command: str, arguments: str, exclusive: bool, wait: float, counts=dict):
    """Take the job lock, close the runs of dead processes, and record this run; the body must
    finish the run. On any exception (SIGTERM included) the run is recorded as failed."""
    with job_lock(store.path, exclusive=exclusive, wait=wait, on_wait=log.warning):
        close_dead_runs(store)
        run_id = store.start_run(command, arguments)
        try:
            yield run_id
        except BaseException as error:
            store.finish_run(run_id, "failed", counts(), message=f"{type(error).__name__}: {error}")
            raise


def collector_for(source: Source, seen_locations: set[str] | None = None) -> Collector:
    """The registered collector for `source.kind`, with the source's settings applied to the rows
    it parses (renamed locations, series metadata), whatever the collector. `seen_locations`, if
    given, receives every location as parsed, before renaming."""
    kind = collector_kind(source)
    if kind not in COLLECTORS:
        raise ConfigError(f"source {source.label}: unknown collector kind {source.kind!r}; "
                          f"known: {', '.join(sorted(COLLECTORS))}")
    collector = COLLECTORS[kind]()
    collector.limits = collector.limits.replace(**source.settings.limits)
    if hasattr(collector, "configure"):  # collectors with settings of their own (events)
        collector.configure(source.settings)
    if source.settings != SourceSettings():
        parse = collector.read

        def read(path):
            parsed = parse(path)
            if seen_locations is not None and "location" in parsed.rows:
                seen_locations.update(parsed.rows["location"].dropna().astype(str).str.strip())
            parsed.rows = source.settings.apply(parsed.rows)
            return parsed
        collector.read = read  # collect_file validates and stores what `read` returns
        combine = collector.combine

        def combined(store, rows, parsed, path, source_file):
            out, rejects = combine(store, rows, parsed, path, source_file)
            # rows recomputed from several files' records (stations) get the settings too
            return (out if out is rows else source.settings.apply(out)), rejects
        collector.combine = combined
    return collector


def collector_kind(source: Source) -> str:
    """The collector that reads a source: its kind, or for an API kind the collector it feeds."""
    if source.is_api:
        from .sources import API_SOURCES
        return API_SOURCES[source.kind].collector
    return source.kind


def raw_folder(store: Store, config: JobConfig) -> Path:
    """Where downloads are kept: the config's `raw`, else `raw/` beside the database."""
    if config.raw:
        return Path(config.raw)
    base = Path("datasets") if str(store.path) == ":memory:" else Path(store.path).parent
    return base / "raw"


def _collect_all(store: Store, config: JobConfig, result: JobResult, strict: bool, echo, progress) -> None:
    plans = []
    for source in config.sources:
        outcome = SourceResult(name=source.label, kind=source.kind, path=source.path)
        result.sources.append(outcome)
        seen = set()
        try:
            files = None if source.is_url or source.is_api else source.files()
            collector = collector_for(source, seen)
        except TrackError as error:
            files, collector = [], None
            outcome.errors.append(str(error))
            log.error("error: %s: %s", source.label, error)
        plans.append((source, outcome, collector, files, seen))
    total = sum(1 if files is None else len(files) for *_, files, _ in plans)
    tick = _stage(progress, "collecting") or (lambda done, total: None)
    done = 0
    for source, outcome, collector, files, seen in plans:
        started = time.monotonic()
        if files is None and source.is_api:
            _collect_api(store, config, source, outcome, collector, strict, result.run_id, echo)
            done += 1
            tick(done, total)
        elif files is None:
            _collect_url(store, config, source, outcome, collector, strict, result.run_id, echo)
            done += 1
            tick(done, total)
        for path in files or []:
            _collect_file(store, collector, path, source, outcome, strict, result.run_id, echo)
            done += 1
            tick(done, total)
        _warn_unmatched_renames(source, outcome, seen)
        if outcome.errors:
            outcome.status = "failed"
        outcome.seconds = round(time.monotonic() - started, 3)


def _warn_unmatched_renames(source: Source, outcome: SourceResult, seen: set[str]) -> None:
    """A rename that matched nothing is most often a name spelt otherwise than the collector gives
    it (WFP markets come as "Segou (MLI)"): say so, with the names that were there."""
    unmatched = source.settings.unmatched_locations(seen) if seen else []
    if unmatched:
        names = sorted(seen)
        shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
        outcome.warnings.append(f"settings.locations {', '.join(map(repr, unmatched))} matched no location "
                                f"in the rows collected; locations seen: {shown}")
        log.warning("warning: %s: %s", source.label, outcome.warnings[-1])


def _collect_url(store, config, source, outcome, collector, strict, run_id, echo) -> None:
    fingerprint = _fingerprint(source, strict)
    token = ""
    try:
        headers = {}
        if source.options.get("token_env"):
            token = os.environ.get(source.options["token_env"], "").strip()
            if not token:
                raise ConfigError(f"source {source.label}: the environment variable {source.options['token_env']} "
                                  "(token_env) is not set")
            headers["Authorization"] = f"{source.options.get('token_scheme', 'Bearer')} {token}"
        download = fetch(store, source.path, raw_folder(store, config), source.label, timeout=source.timeout,
                         retries=source.retries, keep=source.keep, fingerprint=fingerprint,
                         max_bytes=source.max_bytes, headers=headers)
    except TrackError as error:
        outcome.errors.append(str(error).replace(token, "***") if token else str(error))
        log.error("error: %s: %s", source.label, outcome.errors[-1])
        return
    except OSError as error:  # the download folder is full or unwritable: this source fails, the job goes on
        outcome.errors.append(f"{source.path}: the download could not be kept under {raw_folder(store, config)} "
                              f"({error.strerror or error})")
        log.error("error: %s: %s", source.label, outcome.errors[-1])
        return
    outcome.download = download.as_dict()
    log.debug("%s: %s %s (%d bytes, %d attempt(s), %.2f s)", source.label, source.path, download.status,
              download.size, download.attempts, download.seconds)
    if download.status != "downloaded":
        outcome.status = download.status
        log.info("%s: %s, not parsed again", source.label, download.status.replace("_", " "))
        return
    if _collect_file(store, collector, download.path, source, outcome, strict, run_id, echo):
        remember(store, download, source.label, fingerprint)
    from .sources.base import paged_answer_hint

    hint = paged_answer_hint(Path(download.path))
    if hint:  # a page of a paged API read as a file: the rest of the answer is missing
        outcome.warnings.append(f"{source.path}: {hint}")
        log.warning("warning: %s: %s", source.label, outcome.warnings[-1])


def _collect_api(store, config, source, outcome, collector, strict, run_id, echo) -> None:
    """Pull an API source (`indicators.sources`), collect what it pulled, then let it remember
    its cursor and records: only after the import, so a failed import is pulled again next time."""
    from .sources import API_SOURCES

    api = API_SOURCES[source.kind](store, source, raw_folder(store, config))
    api.fingerprint = _fingerprint(source, strict)
    try:
        pulled = api.run()
    except TrackError as error:
        outcome.errors.append(api.redact(str(error)))
        log.error("error: %s: %s", source.label, outcome.errors[-1])
        return
    except Exception as error:  # an answer of an unforeseen shape must not stop the other sources
        outcome.errors.append(api.redact(f"{source.path}: unexpected {type(error).__name__} in the {source.kind} "
                                         f"source: {error}"))
        log.error("error: %s: %s", source.label, outcome.errors[-1])
        return
    outcome.download = pulled.as_dict()
    log.debug("%s: %s, %d page(s), %d record(s)", source.label, pulled.status, pulled.pages, pulled.records)
    if pulled.status != "downloaded":
        outcome.status = pulled.status
        log.info("%s: %s, not parsed again", source.label, pulled.status.replace("_", " "))
        if pulled.commit:
            pulled.commit()
        return
    if _collect_file(store, collector, pulled.path, source, outcome, strict, run_id, echo) and pulled.commit:
        pulled.commit()


def _collect_file(store, collector, path, source, outcome, strict, run_id, echo) -> bool:
    try:
        summary = collector.collect_file(store, Path(path), strict=strict or source.strict, run_id=run_id)
    except TrackError as error:
        outcome.errors.append(str(error))
        log.error("error: %s: %s", source.label, error)
        return False
    except Exception as error:  # a collector bug on odd input must not stop the other sources
        outcome.errors.append(f"{path}: unexpected {type(error).__name__} in the {source.kind} collector: {error}")
        log.error("error: %s: %s", source.label, outcome.errors[-1])
        log.debug("the collector's traceback, for a bug report:", exc_info=True)
        return False
    outcome.summaries.append(summary)
    log.info("%s", summary.line())
    if echo:
        echo(summary.line())
    return True


def _fingerprint(source: Source, strict: bool) -> str:
    return f"{source.kind}:{int(strict or source.strict)}:{source.settings.fingerprint()}"


def _stage(progress, label: str):
    return (lambda done, total: progress(label, done, total)) if progress else None


@contextlib.contextmanager
def _timed(result: JobResult, stage: str):
    started = time.monotonic()
    yield
    result.durations[stage] = round(time.monotonic() - started, 3)


def _run_counts(result: JobResult) -> dict:
    return dict(result.counts(), derivation=result.derivation, detection=result.detection,
                forecast=result.forecast, errors=len(result.errors),
                new_alerts=len(result.new_alerts), new_alerts_by_severity=result.new_alert_counts(),
                durations=result.durations)


"""The `track` command line. Each command opens the store, calls one library function and turns
the library's errors into a one-line message (exit 1). See DESIGN.md, "CLI contract"."""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import click

from . import collectors, detect as detect_mod
from .alerts import alerts as alerts_frame, new_alerts
from .errors import TrackError
from .jobs import collect_job, demo_config, detect_job, load_config, run_job, summary_of_a_job_that_did_not_run
from .locks import EXIT_BUSY
from .output import FORMATS, write_frame
from .report import write_report
from .store import SEVERITIES, SEVERITY_RANK, Store, default_db_path


def db_option(command):
    """--db PATH on every command (default datasets/track.db, or $TRACK_DB)."""
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="SQLite database file [default: $TRACK_DB or datasets/track.db].")(command)


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="table for people, csv (header row) or json for programs.")(command)


def handle_errors(command):
    """Library errors become one line on stderr and exit code 1 (75 when the database is busy
    with another job), never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TrackError as error:
            exception = click.ClickException(str(error))
            exception.exit_code = getattr(error, "exit_code", 1)
            raise exception from error
        except sqlite3.Error as error:  # only after the 60 s busy timeout, or a damaged file
            raise click.ClickException(f"database error: {error} (is another program holding a write "
                                       f"transaction open, or is the file damaged?)") from error
    return wrapper


def wait_option(command):
    """--wait SECONDS on commands that take the job lock."""
    return click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
                        help=f"Wait this long for another job on the database to finish; "
                             f"then exit {EXIT_BUSY}.")(command)


def verbosity_option(command):
    """--quiet / --verbose: how much a command says on stderr (errors are always said)."""
    command = click.option("-v", "--verbose", "verbose", is_flag=True,
                           help="Say more: every file, HTTP details, durations.")(command)
    return click.option("-q", "--quiet", "quiet", is_flag=True, help="Print nothing but errors.")(command)


def configure_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING
    logger = logging.getLogger("indicators")
    logger.handlers[:] = [logging.StreamHandler(sys.stderr)]
    logger.handlers[0].setFormatter(logging.Formatter("%(message)s"))
    logger.setLevel(level)
    logger.propagate = False


class TerminalProgress:
    """A progress hook (`progress(stage, done, total)`) drawing click progress bars on stderr,
    one per stage; silent when stderr is not a terminal or with --quiet."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.bar, self.stage = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr)
            self.bar.__enter__()
            self.stage = stage
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar, self.stage = None, None


class Terminated(SystemExit):
    """SIGTERM (systemd stop, a CI timeout) as an exception: the open transaction rolls back, the
    run is recorded as failed with this message, and the exit code is 143 as the shell expects."""

    def __str__(self) -> str:
        return "terminated by SIGTERM"

    @property
    def exit_code(self) -> int:
        return self.code


@contextlib.contextmanager
def sigterm_stops_cleanly():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def state_summary_line(store: Store, new) -> str:
    """The one summary of states, episodes and alarms that detect, run, report and alerts share
    (`indicators.alerts.summary`)."""
    from .alerts import summary

    counts = summary(store)

    def listed(by_severity: dict) -> str:
        return ", ".join(f"{by_severity[s]} {s}" for s in SEVERITIES if s in by_severity) or "none"

    by_new = new["severity"].value_counts().to_dict() if len(new) else {}
    return (f"{counts['series']} series scored; flagged dates: {listed(counts['flagged_dates'])}; "
            f"episodes: {counts['episodes']} ({counts['ongoing_episodes']} ongoing); "
            f"new alarms: {len(new)}" + (f" ({listed(by_new)})" if by_new else ""))


def open_store(db_path: Path | None) -> Store:
    return Store(db_path or default_db_path())


@click.group()
@click.version_option(package_name="indicators")
def cli():
    """Track the economic impact of a crisis: collect indicator series, flag anomalies, write reports.

    Example: python track.py run    (collects the bundled demo, detects, writes reports/index.html)
    """


@cli.group()
def collect():
    """Collect source files into the store (one sub-command per source format).

    Example: python track.py collect stations datasets/demo/fuel_station_survey.csv
    """


def _make_collect_command(name: str, collector_class):
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--strict", is_flag=True, help="Any rejected row fails the file: nothing from it is imported (exit 1).")
    @wait_option
    @verbosity_option
    @db_option
    @handle_errors
    def command(paths, strict, wait, quiet, verbose, db_path):
        configure_logging(quiet, verbose)
        progress = TerminalProgress(enabled=not quiet)
        with sigterm_stops_cleanly(), open_store(db_path) as store:
            summaries, failures = collect_job(store, name, paths, strict=strict, wait=wait, progress=progress,
                                              echo=None if quiet else click.echo)
        progress.close()
        if failures:
            raise SystemExit(1)

    command.__doc__ = (f"{collector_class.description}\n\nRejected rows go to the rejects table with their line; "
                       f"re-collecting a file is safe.\n\nExample: python track.py collect {name} FILE...")
    return collect.command(name)(command)


for _name, _class in collectors.COLLECTORS.items():
    _make_collect_command(_name, _class)


@cli.command()
@click.option("--detector", "detectors", multiple=True, type=click.Choice(sorted(detect_mod.DETECTORS)),
              help="Run only this detector (repeatable) [default: all].")
@click.option("--indicator", default=None, help="Only series of this indicator.")
@wait_option
@verbosity_option
@db_option
@handle_errors
def detect(detectors, indicator, wait, quiet, verbose, db_path):
    """Run detectors on every series and store the anomalies; record the alerts that are new.

    Example: python track.py detect --indicator grain_price
    """
    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)
    with sigterm_stops_cleanly(), open_store(db_path) as store:
        counts, new = detect_job(store, list(detectors) or None, indicator, progress=progress, wait=wait)
    progress.close()
    if not quiet:
        with open_store(db_path) as store:
            click.echo(state_summary_line(store, new))


@cli.command()
@format_option
@click.option("--all", "include_normal", is_flag=True, help="Include normal rows.")
@click.option("--detector", default=None, help="One detector's own rows instead of the consolidated view.")
@click.option("--since", default=None, help="Only dates on or after this one (ISO).")
@click.option("--severity", type=click.Choice(SEVERITIES[1:]), default=None, help="Only this severity or worse.")
@click.option("--new", "only_new", is_flag=True,
              help="Only the alerts the latest run (or detect) raised and no earlier run had seen.")
@click.option("--run", "run_id", type=int, default=None, help="With --new: the alerts new in this run id.")
@click.option("--episodes", "as_episodes", is_flag=True,
              help="One row per episode (dates at alert or worse): start, peak, latest severity, end or ongoing.")
@db_option
@handle_errors
def alerts(fmt, include_normal, detector, since, severity, only_new, run_id, as_episodes, db_path):
    """Flagged (series, date) rows: value, expected, band, score, severity, explanation.

    Example: python track.py alerts --format csv --severity alert

    Example: python track.py alerts --new    (the alarms the last run raised: episode starts and escalations)

    Example: python track.py alerts --episodes --format csv
    """
    with open_store(db_path) as store:
        if as_episodes:
            from .alerts import episodes

            frame = episodes(store)
            if severity:
                frame = frame[frame["peak_severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[severity]]
            write_frame(frame[frame["latest_date"] >= since] if since else frame.drop(columns="series_id"), fmt)
        elif only_new or run_id is not None:
            frame = new_alerts(store, run_id, severity)
            write_frame(frame[frame["date"] >= since] if since else frame, fmt)
        else:
            write_frame(alerts_frame(store, include_normal, detector, since, severity), fmt)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Report folder (replaced atomically).")
@click.option("--png", is_flag=True, help="Also write every chart as PNG under static/ (needs kaleido and Chromium).")
@click.option("--pdf", is_flag=True, help="Also write every chart as PDF under static/ (needs kaleido and Chromium).")
@db_option
@handle_errors
def report(out_dir, png, pdf, db_path):
    """Write the HTML report (opens offline).

    Example: python track.py report --out reports/ --png
    """
    # A reader: nothing is written to the store (not even a `runs` row), so a report never waits
    # for a job's write transaction (DESIGN.md: reports only read the store).
    with open_store(db_path) as store:
        page = write_report(store, out_dir, static_formats=tuple(f for f, on in (("png", png), ("pdf", pdf)) if on))
    click.echo(f"report written: {page}")


@cli.command()
@format_option
@click.option("--indicator", default=None, help="Only this indicator.")
@db_option
@handle_errors
def series(fmt, indicator, db_path):
    """List series with metadata and coverage.

    Example: python track.py series --format csv
    """
    with open_store(db_path) as store:
        frame = store.series(indicator)
    if fmt == "table":
        frame = frame[["indicator", "location", "item", "price_type", "unit", "frequency", "observations",
                       "first_date", "last_date"]]
    write_frame(frame, fmt)


@cli.command()
@format_option
@click.option("--indicator", default=None, help="Only this indicator.")
@db_option
@handle_errors
def export(fmt, indicator, db_path):
    """Observations in the generic long format, with provenance (file, line, collected at).

    Example: python track.py export --indicator fuel_availability --format csv > fuel.csv
    """
    with open_store(db_path) as store:
        frame = store.observations(indicator).drop(columns=["series_id"])
    write_frame(frame, fmt)


@cli.command()
@format_option
@db_option
@handle_errors
def rejects(fmt, db_path):
    """Quarantined rows: source file, line, field, raw content, reason.

    Example: python track.py rejects --format csv
    """
    with open_store(db_path) as store:
        write_frame(store.rejects(), fmt)


@cli.command()
@format_option
@click.option("--since", default=None, help="Only events on or after this date (YYYY-MM-DD).")
@db_option
@handle_errors
def events(fmt, since, db_path):
    """Stored events (attacks on convoys, ACLED events): date, source, type, place, description.

    Example: python track.py events --since 2025-09-01 --format csv
    """
    from .event_store import TABLE_COLUMNS, check_since, events as stored_events

    with open_store(db_path) as store:
        frame = stored_events(store, since=check_since(since))
    write_frame(frame[TABLE_COLUMNS].astype(object).fillna("") if fmt == "table" else frame, fmt)


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML job configuration (see docs/scheduling.md) [default: the bundled demo].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Report folder [default: the config's, or reports/].")
@click.option("--strict", is_flag=True, help="A file with any rejected row is not imported.")
@click.option("--fail-on", type=click.Choice(SEVERITIES[1:]), default=None,
              help="Exit 3 when new alerts of at least this severity appeared (for cron and CI).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable run summary on stdout.")
@wait_option
@verbosity_option
@db_option
@handle_errors
def run(config_path, out_dir, strict, fail_on, as_json, wait, quiet, verbose, db_path):
    """The scheduled job: collect the configured sources, detect, write the report.

    Exit codes: 0 done; 1 a source or step failed; 3 new alarms (an episode's start or escalation) at
    --fail-on severity or worse;
    75 another job holds the database (see --wait).

    Example: python track.py run --config track.toml --fail-on crisis --json
    """
    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)
    db_file, origin = db_path or default_db_path(), str(config_path or "bundled demo")
    try:
        config = load_config(config_path) if config_path else demo_config()
        db_file = db_path or default_db_path(config.db)
        with sigterm_stops_cleanly(), open_store(db_file) as store:
            result = run_job(store, config, out_dir, strict=strict, progress=progress, wait=wait)
    except (TrackError, Terminated) as error:
        progress.close()
        if as_json:  # stdout gets its summary whatever happened; the message still goes to stderr
            summary = summary_of_a_job_that_did_not_run(error, getattr(error, "exit_code", 1))
            click.echo(json.dumps(dict(summary, db=str(db_file), config=origin), indent=1))
        raise
    progress.close()
    code = result.exit_code(fail_on)
    if as_json:
        click.echo(json.dumps(dict(result.as_dict(fail_on), db=str(db_file), config=origin),
                              indent=1, default=str))
    elif not quiet:
        for source in result.sources:  # (errors and, with --verbose, each file were logged as they happened)
            click.echo(source.line())
        with open_store(db_file) as store:
            click.echo("detection: " + state_summary_line(store, result.new_alerts))
        click.echo(f"report written: {result.report}  (database: {db_file}, {result.seconds:.1f} s)")
        if verbose:
            click.echo("durations: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.durations.items()))
    if code:
        raise SystemExit(code)


@cli.command()
@click.argument("target", type=click.Path())
@db_option
@handle_errors
def backup(target, db_path):
    """Copy the database to TARGET with SQLite's online backup API (safe while jobs run).

    TARGET is a file, or a folder (existing, or ending in /) for a time-stamped copy. The copy is checked with
    PRAGMA integrity_check before it replaces TARGET.

    Example: python track.py backup backups/
    """
    with open_store(db_path) as store:
        written = store.backup(target)
    click.echo(f"backup written: {written} ({written.stat().st_size / 1e6:.1f} MB, integrity ok)")


def main():  # pragma: no cover
    cli()

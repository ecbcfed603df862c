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

from .catalog import SEVERITIES
from .errors import TrackError
from .locks import EXIT_BUSY
from .output import FORMATS, write_frame

# Everything else (pandas, the store, statsmodels, plotly) is imported inside the command that
# uses it, and `collect`'s sub-commands load on demand (`LazyCollectGroup`), so `track --help`
# starts at once and `collect` never loads detection or report code.


def db_option(command):
    """--db PATH on every command (default datasets/track.db, or $TRACK_DB)."""
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="SQLite database file [default: $TRACK_DB or datasets/track.db].")(command)


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="table for people; csv (header row) or json for programs; xlsx, parquet or hxl "
                             "(HDX CSV with hashtags) files (redirect the output).")(command)


def view_options(command):
    """--currency USD, --real YYYY-MM and --rates FILE on the commands that show values (see indicators.views)."""
    command = click.option("--rates", "rates_csv", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="With --currency: official rates from a CSV (country or currency, date YYYY-MM, "
                                "rate per USD), before the stored exchange_rate series.")(command)
    command = click.option("--real", "real", default=None, metavar="YYYY-MM",
                           help="Deflate money values to this month's prices with the country's cpi series.")(command)
    return click.option("--currency", "currency", type=click.Choice(["USD"], case_sensitive=False), default=None,
                        help="Show money values in USD at the stored exchange rate of each country and month; "
                             "rows without a rate are left out and named on stderr.")(command)


def shown_in_view(store: "Store", frame, currency, real, rates_csv):
    """`frame` converted as --currency/--real ask; the countries left out are named on stderr."""
    if not currency and not real:
        return frame
    from .views import apply_views

    conversion = apply_views(store, frame, currency, real, rates_csv)
    if conversion.missing:
        click.echo(conversion.note(), err=True)
    return conversion.frame


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
        except sqlite3.Error as error:  # only after the 60 s busy timeout, a full disk or a damaged file
            if "full" in str(error):
                raise click.ClickException(f"database error: {error}: free space on the disk that holds the "
                                           "database; nothing of the interrupted file was imported") from error
            if "readonly" in str(error) or "read-only" in str(error):
                raise click.ClickException(f"database error: {error} (the database or its folder cannot be "
                                           "written: readers work there, writers need another --db)") from error
            raise click.ClickException(f"database error: {error} (is another program holding a write "
                                       f"transaction open, or is the file damaged?)") from error
    return wrapper


def wait_option(command):
    """--wait SECONDS on commands that take the job lock."""
    return click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
                        help=f"Wait this long for another job on the database to finish; "
                             f"then exit {EXIT_BUSY}.")(command)


def fanout_options(command):
    """--workers N / --scheduler ADDRESS: where detection runs (default: this process); --full."""
    command = click.option("--full", is_flag=True,
                           help="Re-score every series [default: only those whose values, metadata or "
                                "detection method changed since their last detection].")(command)
    command = click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                           help="Score the series on this Dask distributed scheduler's workers "
                                "(pip install -e '.[dask]'); this process alone writes the database.")(command)
    return click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
                        help="Score the series on N local processes [default: 1, this process].")(command)


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


def open_store(db_path: Path | None, readonly: bool = False) -> "Store":
    """The store at --db; readers pass `readonly` (they never create or write a database)."""
    from .store import Store, default_db_path

    return Store(db_path or default_db_path(), readonly=readonly)


def checked(parse_name: str):
    """A click callback running the library parser `module:function` (imported when used): its
    error becomes a usage error naming the accepted forms."""
    def callback(ctx, param, value):
        import importlib
        module, function = parse_name.split(":")
        try:
            return getattr(importlib.import_module(f"indicators.{module}"), function)(value)
        except TrackError as error:
            raise click.BadParameter(str(error)) from None
    return callback


def since_option(command):
    """--since DATE, checked: a date that cannot be read is a usage error naming the accepted forms."""
    return click.option("--since", default=None, callback=checked("filters:parse_since"), metavar="DATE",
                        help="Only dates on or after this one (YYYY, YYYY-MM, YYYY-MM-DD or a date-time); "
                             "a month is kept when it ends on or after DATE.")(command)


def as_of_option(command):
    """--as-of DATETIME: the store as it was then (see indicators/vintages.py)."""
    return click.option("--as-of", "as_of", default=None, callback=checked("vintages:parse_as_of"),
                        metavar="DATETIME", help="What the store held at this moment (YYYY-MM-DD: the end of "
                                                 "that day, UTC), from the revisions kept.")(command)


def checked_indicator(store: "Store", indicator: str | None) -> str | None:
    from .filters import check_indicator
    try:
        check_indicator(indicator, list(store.query_frame("SELECT DISTINCT indicator FROM series")["indicator"]))
    except TrackError as error:
        raise click.BadParameter(str(error), param_hint="'--indicator'") from None
    return indicator


class LazyCollectGroup(click.Group):
    """`collect`'s sub-commands, one per registered collector, built only when asked for: click's
    documented lazy loading of sub-commands (override `list_commands` and `get_command`), so the
    collectors (pandas) load only for `collect` itself."""

    def list_commands(self, ctx):
        from .collectors import COLLECTORS

        return sorted(set(super().list_commands(ctx)) | set(COLLECTORS))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            from .collectors import COLLECTORS

            if name in COLLECTORS:
                command = _make_collect_command(name, COLLECTORS[name])
        return command


class DetectorName(click.Choice):
    """A detector's name, checked against the registry only when a value is given: the registry
    imports the detectors (statsmodels), which `detect --help` must not."""

    def __init__(self):
        self.case_sensitive = True

    @property
    def choices(self):
        from .detect import DETECTORS

        return tuple(sorted(DETECTORS))

    def get_metavar(self, *args, **kwargs):
        return "NAME"

    def to_info_dict(self):
        return {"param_type": "DetectorName", "name": "detector"}


def state_summary_line(new, detection: dict) -> str:
    """The one summary that detect and run print: what this detection did (`detection`: its
    counts), then the states, episodes and alarms of the store (`detection["states"]`, from
    `indicators.alerts.record_alarms`)."""
    from .detect.run import detection_summary

    counts = detection["states"]

    def listed(by_severity: dict) -> str:
        return ", ".join(f"{by_severity[s]} {s}" for s in SEVERITIES if s in by_severity) or "none"

    by_new = new["severity"].value_counts().to_dict() if len(new) else {}
    return (f"{detection_summary(detection)}; flagged dates: {listed(counts['flagged_dates'])}; "
            f"episodes: {counts['episodes']} ({counts['ongoing_episodes']} ongoing); "
            f"new alarms: {len(new)}" + (f" ({listed(by_new)})" if by_new else ""))


@click.group()
@click.version_option(package_name="indicators")
def cli():
    """Track the economic impact of a crisis: collect indicator series, flag anomalies, write reports.

    Example: python track.py run    (collects the bundled demo, detects, writes reports/index.html)
    """


@cli.group(cls=LazyCollectGroup)
def collect():
    """Collect source files into the store (one sub-command per source format).

    Example: python track.py collect stations datasets/demo/fuel_station_survey.csv
    """


def _make_collect_command(name: str, collector_class) -> click.Command:
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--strict", is_flag=True, help="Any rejected row fails the file: nothing from it is imported (exit 1).")
    @wait_option
    @verbosity_option
    @db_option
    @handle_errors
    def command(paths, strict, wait, quiet, verbose, db_path):
        from .jobs import collect_job

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
    return click.command(name)(command)


@cli.command()
@click.option("--detector", "detectors", multiple=True, type=DetectorName(),
              help="Run only this detector (repeatable) [default: all]; a wrong name lists the known ones.")
@click.option("--indicator", default=None, help="Only series of this indicator.")
@fanout_options
@wait_option
@verbosity_option
@db_option
@handle_errors
def detect(detectors, indicator, workers, scheduler, full, wait, quiet, verbose, db_path):
    """Run detectors on every series and store the anomalies; record the alerts that are new.

    Example: python track.py detect --indicator grain_price

    Example: python track.py detect --workers 2    (or --scheduler tcp://10.0.0.5:8786 for a Dask cluster)

    Only the series that changed since their last detection are scored again (--full: all).
    """
    from .jobs import detect_job

    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)
    with sigterm_stops_cleanly(), open_store(db_path) as store:
        counts, new = detect_job(store, list(detectors) or None, indicator, progress=progress, wait=wait,
                                 workers=workers, scheduler=scheduler, full=full)
    progress.close()
    if not quiet:
        click.echo(state_summary_line(new, counts))


@cli.command()
@click.option("--derivation", "names", multiple=True,
              help="Run only this derivation (repeatable): terms_of_trade, basket_cost, fuel_stress [default: all].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Job configuration whose [derive] table sets pairs, basket and fuel-stress normal [default: defaults].")
@wait_option
@verbosity_option
@db_option
@handle_errors
def derive(names, config_path, wait, quiet, verbose, db_path):
    """Derive series from the stored ones (terms of trade, food basket cost, fuel stress), with lineage.

    Derived values are stored as ordinary series; a re-run that changes nothing writes nothing.

    Example: python track.py derive --derivation fuel_stress
    """
    from .derive import DERIVATIONS
    from .jobs import derive_job, load_config

    unknown = [n for n in names if n not in DERIVATIONS]
    if unknown:
        raise click.BadParameter(f"{unknown[0]!r}; known: {', '.join(DERIVATIONS)}", param_hint="--derivation")
    configure_logging(quiet, verbose)
    settings = load_config(config_path).derive if config_path else None
    with sigterm_stops_cleanly(), open_store(db_path) as store:
        counts = derive_job(store, list(names) or None, settings, wait=wait)
    if not quiet:
        for name, c in counts.items():
            extra = "".join(f", {k.replace('_', ' ')} {v}" for k, v in c.items()
                            if k not in ("series", "values", "new", "revised", "unchanged", "lineage_written"))
            click.echo(f"{name}: {c['series']} series, {c['values']} values ({c['new']} new, {c['revised']} revised, "
                       f"{c['unchanged']} unchanged){extra}")


@cli.command()
@format_option
@click.option("--all", "include_normal", is_flag=True, help="Include normal rows.")
@click.option("--detector", default=None, type=DetectorName(),
              help="One detector's own rows instead of the consolidated view; a wrong name lists the known ones.")
@since_option
@click.option("--severity", type=click.Choice(SEVERITIES[1:]), default=None, help="Only this severity or worse.")
@click.option("--new", "only_new", is_flag=True,
              help="Only the alerts the latest run (or detect) raised and no earlier run had seen.")
@click.option("--run", "run_id", type=int, default=None, help="With --new: the alerts new in this run id.")
@click.option("--episodes", "as_episodes", is_flag=True,
              help="One row per episode (dates at alert or worse): start, peak, latest severity, end or ongoing.")
@click.option("--history", is_flag=True,
              help="Every flagged date in the table (the table's default is the current view: each series "
                   "flagged at its latest date; csv and json always give every flagged date).")
@as_of_option
@view_options
@db_option
@handle_errors
def alerts(fmt, include_normal, detector, since, severity, only_new, run_id, as_episodes, history, as_of, currency,
           real, rates_csv, db_path):
    """Flagged (series, date) rows: value, expected, band, score, severity, explanation.

    The table (the default format) shows the current view, sized to the terminal: each series
    flagged at its latest date, most severe first; --history, --all, --since, --detector or
    --as-of show dates instead.

    Example: python track.py alerts --format csv --severity alert

    Example: python track.py alerts --new    (the alarms the last run raised: episode starts and escalations)

    Example: python track.py alerts --episodes --format csv

    Example: python track.py alerts --currency USD --real 2025-01
    """
    from .alerts import alerts as alerts_frame, new_alerts
    from .filters import since_mask
    with open_store(db_path, readonly=True) as store:
        if as_episodes:
            from .alerts import episodes
            from .store import SEVERITY_RANK

            frame = episodes(store)
            if severity:
                frame = frame[frame["peak_severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[severity]]
            write_frame(frame[since_mask(frame["latest_date"], since)].drop(columns="series_id"), fmt)
            return
        if only_new or run_id is not None:
            frame = new_alerts(store, run_id, severity)
            frame = frame[since_mask(frame["date"], since)]
        elif fmt == "table" and not (history or include_normal or detector or since or as_of or currency or real):
            import shutil

            from .alerts import current_alerts
            from .output import write_current
            from .store import SEVERITY_RANK

            every = alerts_frame(store, include_normal=True)
            current = current_alerts(store, every)
            if severity:
                current = current[current["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[severity]]
            write_current(current, shutil.get_terminal_size((120, 24)).columns,
                          int((every["severity"] != "normal").sum()))
            return
        else:
            frame = alerts_frame(store, include_normal, detector, since, severity, as_of=as_of)
        write_frame(shown_in_view(store, frame, currency, real, rates_csv), fmt)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Report folder (replaced atomically).")
@click.option("--png", is_flag=True, help="Also write every chart as PNG under static/ (needs kaleido and Chromium).")
@click.option("--pdf", is_flag=True, help="Also write every chart as PDF under static/ (needs kaleido and Chromium).")
@view_options
@verbosity_option
@db_option
@handle_errors
def report(out_dir, png, pdf, currency, real, rates_csv, quiet, verbose, db_path):
    """Write the HTML report (opens offline).

    Example: python track.py report --out reports/ --png

    Example: python track.py report --out reports-usd/ --currency USD
    """
    from .report import write_report

    # A reader: nothing is written to the store (not even a `runs` row), so a report never waits
    # for a job's write transaction (DESIGN.md: reports only read the store).
    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)  # a bar per country (region) or page; silent in cron
    with open_store(db_path, readonly=True) as store:
        view = {"currency": currency, "real": real, "rates_csv": rates_csv} if currency or real else None
        try:
            page = write_report(store, out_dir, static_formats=tuple(f for f, on in (("png", png), ("pdf", pdf)) if on),
                                view=view, progress=lambda done, total: progress("reporting", done, total))
        finally:
            progress.close()
    if not quiet:
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
    with open_store(db_path, readonly=True) as store:
        frame = store.series(checked_indicator(store, indicator))
    if fmt == "table":
        frame = frame[["indicator", "location", "item", "price_type", "unit", "frequency", "observations",
                       "first_date", "last_date"]]
    write_frame(frame, fmt)


@cli.command()
@format_option
@click.option("--indicator", default=None, help="Only this indicator.")
@as_of_option
@click.option("--lineage", "with_lineage", is_flag=True,
              help="Add, for derived values, the derivation, formula, inputs used, imputed components and explanation.")
@view_options
@db_option
@handle_errors
def export(fmt, indicator, as_of, with_lineage, currency, real, rates_csv, db_path):
    """Observations in the generic long format, with provenance (file, line, collected at).

    Example: python track.py export --indicator fuel_availability --format csv > fuel.csv

    Example: python track.py export --as-of 2025-11-15 --format parquet > vintage.parquet

    Example: python track.py export --currency USD --format csv    (with the rate each value used)

    Example: python track.py export --indicator basket_cost --lineage --format csv
    """
    with open_store(db_path, readonly=True) as store:
        indicator = checked_indicator(store, indicator)
        if as_of is None:
            frame = store.observations(indicator)
        else:
            from .vintages import observations_as_of
            frame = observations_as_of(store, as_of, indicator)
        if with_lineage:
            from .derive.storage import with_lineage as add_lineage

            frame = add_lineage(store, frame)
        frame = shown_in_view(store, frame.drop(columns=["series_id"]), currency, real, rates_csv)
    write_frame(frame, fmt)


@cli.command()
@format_option
@click.option("--indicator", default=None, help="Only this indicator.")
@db_option
@handle_errors
def revisions(fmt, indicator, db_path):
    """Superseded values: the old value, the new one, when and from which file each came.

    Example: python track.py revisions --format csv

    See also: export --as-of DATETIME and alerts --as-of DATETIME for a past vintage.
    """
    from .vintages import revisions as revision_frame
    with open_store(db_path, readonly=True) as store:
        frame = revision_frame(store, checked_indicator(store, indicator))
    write_frame(frame, fmt)


@cli.command()
@format_option
@db_option
@handle_errors
def rejects(fmt, db_path):
    """Quarantined rows: source file, line, field, raw content, reason.

    Example: python track.py rejects --format csv
    """
    with open_store(db_path, readonly=True) as store:
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
@fanout_options
@wait_option
@verbosity_option
@db_option
@handle_errors
def run(config_path, out_dir, strict, fail_on, as_json, workers, scheduler, full, wait, quiet, verbose, db_path):
    """The scheduled job: collect the configured sources, detect, write the report.

    Exit codes: 0 done; 1 a source or step failed; 3 new alarms (an episode's start or escalation) at
    --fail-on severity or worse;
    75 another job holds the database (see --wait).

    Example: python track.py run --config track.toml --fail-on crisis --json
    """
    from .jobs import demo_config, load_config, run_job, summary_of_a_job_that_did_not_run
    from .store import default_db_path

    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)
    db_file, origin = db_path or default_db_path(), str(config_path or "bundled demo")
    try:
        config = load_config(config_path) if config_path else demo_config()
        db_file = db_path or default_db_path(config.db)
        with sigterm_stops_cleanly(), open_store(db_file) as store:
            result = run_job(store, config, out_dir, strict=strict, progress=progress, wait=wait,
                             workers=workers, scheduler=scheduler, full=full)
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
        click.echo("detection: " + state_summary_line(result.new_alerts, result.detection))
        if result.forecast:
            click.echo(f"forecast: {result.forecast.get('series', 0)} series projected, "
                       f"{result.forecast.get('new_origins', 0)} new origins")
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
    with open_store(db_path, readonly=True) as store:
        written = store.backup(target)
    click.echo(f"backup written: {written} ({written.stat().st_size / 1e6:.1f} MB, integrity ok)")


@cli.command()
@click.option("--horizon", type=click.IntRange(min=1, max=60), default=None,
              help="Periods ahead [default: 6 for monthly series, 30 for daily ones].")
@click.option("--indicator", default=None, help="Only series of this indicator.")
@click.option("--to-lean", is_flag=True, help="Monthly series with a crop calendar: at least to the end of the "
                                               "coming lean season.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Project series in this many local processes (same results).")
@wait_option
@verbosity_option
@db_option
@handle_errors
def forecast(horizon, indicator, to_lean, workers, wait, quiet, verbose, db_path):
    """Project every series with 80% and 95% intervals and measure each method's skill by a
    rolling-origin backtest; projections are stored as vintages under their origin (the last date
    used), never rewritten by a later run.

    Example: python track.py forecast --indicator grain_price --to-lean
    """
    from .jobs import forecast_job

    configure_logging(quiet, verbose)
    progress = TerminalProgress(enabled=not quiet)
    with sigterm_stops_cleanly(), open_store(db_path) as store:
        counts = forecast_job(store, indicator, horizon, to_lean, workers=workers, progress=progress, wait=wait)
    progress.close()
    if not quiet:
        statuses = {k.split(":")[1]: v for k, v in counts.items() if k.startswith("status:")}
        click.echo(f"{counts.get('series', 0)} series projected ({counts.get('new_origins', 0)} new origins, "
                   f"{counts.get('kept_origins', 0)} already projected and kept); "
                   + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(statuses.items())))


@cli.command()
@format_option
@click.option("--indicator", default=None, help="Only this indicator.")
@click.option("--skill", "show_skill", is_flag=True,
              help="Measured skill instead: MAPE, MASE against seasonal naive and interval coverage per "
                   "indicator, country, method and horizon.")
@click.option("--all-methods", is_flag=True, help="Also the seasonal naive baseline stored beside each projection.")
@click.option("--latest", is_flag=True, help="Only each series' latest origin (default: every vintage).")
@db_option
@handle_errors
def forecasts(fmt, indicator, show_skill, all_methods, latest, db_path):
    """Stored projections, one row per (series, origin, target date, method), or their skill.

    Example: python track.py forecasts --latest --format csv

    Example: python track.py forecasts --skill    (pooled backtest skill; method "selected" is the procedure)
    """
    from .forecast import storage

    with open_store(db_path, readonly=True) as store:
        if show_skill:
            frame = storage.pooled_skill(store, indicator)
            write_frame(frame.round(4) if fmt != "table" else frame.round(3), fmt)
        else:
            write_frame(storage.forecasts(store, indicator, all_methods, latest), fmt)


def main():  # pragma: no cover
    cli()

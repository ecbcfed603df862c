"""The `track` command line. Each command opens the store, calls one library function and turns
the library's errors into a one-line message (exit 1). See DESIGN.md, "CLI contract"."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from . import collectors, detect as detect_mod
from .alerts import alerts as alerts_frame
from .errors import TrackError
from .jobs import demo_config, load_config, run_job
from .output import FORMATS, write_frame
from .report import write_report
from .store import SEVERITIES, Store, default_db_path


def db_option(command):
    """--db PATH on every command (default datasets/track.db, or $TRACK_DB)."""
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="SQLite database file [default: $TRACK_DB or datasets/track.db].")(command)


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="table for people, csv (header row) or json for programs.")(command)


def handle_errors(command):
    """Library errors become one line on stderr and exit code 1, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TrackError as error:
            raise click.ClickException(str(error)) from error
    return wrapper


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
    @db_option
    @handle_errors
    def command(paths, strict, db_path):
        with open_store(db_path) as store:
            run_id = store.start_run(f"collect {name}", " ".join(map(str, paths)))
            failures, summaries = [], []
            for path in paths:
                try:
                    summary = collector_class().collect_file(store, path, strict=strict, run_id=run_id)
                except TrackError as error:
                    failures.append(str(error))
                    click.echo(f"error: {error}", err=True)
                    continue
                summaries.append(summary.as_dict())
                click.echo(summary.line())
            store.finish_run(run_id, "failed" if failures else "ok", {"files": summaries}, "; ".join(failures))
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
@db_option
@handle_errors
def detect(detectors, indicator, db_path):
    """Run detectors on every series and store the anomalies.

    Example: python track.py detect --indicator grain_price
    """
    with open_store(db_path) as store:
        run_id = store.start_run("detect", " ".join(detectors))
        counts = detect_mod.run_detection(store, list(detectors) or None, run_id=run_id, indicator=indicator)
        store.finish_run(run_id, "ok", counts)
    flagged = {k.split(":")[1]: v for k, v in counts.items() if k.startswith("severity:") and k != "severity:normal"}
    click.echo(f"{counts.get('series', 0)} series scored; flagged dates: "
               + (", ".join(f"{flagged[s]} {s}" for s in SEVERITIES if s in flagged) or "none"))


@cli.command()
@format_option
@click.option("--all", "include_normal", is_flag=True, help="Include normal rows.")
@click.option("--detector", default=None, help="One detector's own rows instead of the consolidated view.")
@click.option("--since", default=None, help="Only dates on or after this one (ISO).")
@click.option("--severity", type=click.Choice(SEVERITIES[1:]), default=None, help="Only this severity or worse.")
@db_option
@handle_errors
def alerts(fmt, include_normal, detector, since, severity, db_path):
    """Flagged (series, date) rows: value, expected, band, score, severity, explanation.

    Example: python track.py alerts --format csv --severity alert
    """
    with open_store(db_path) as store:
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
    with open_store(db_path) as store:
        run_id = store.start_run("report", str(out_dir))
        page = write_report(store, out_dir, static_formats=tuple(f for f, on in (("png", png), ("pdf", pdf)) if on))
        store.finish_run(run_id, "ok", {"report": str(page)})
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
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML job configuration [default: the bundled demo].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Report folder [default: the config's, or reports/].")
@click.option("--strict", is_flag=True, help="A file with any rejected row is not imported.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable run summary.")
@db_option
@handle_errors
def run(config_path, out_dir, strict, as_json, db_path):
    """The scheduled job: collect the configured sources, detect, write the report.

    Example: python track.py run    (the bundled demo)
    """
    config = load_config(config_path) if config_path else demo_config()
    db = db_path or (Path(config.db) if config.db else None)
    with open_store(db) as store:
        echo = (lambda _line: None) if as_json else click.echo
        result = run_job(store, config, out_dir, strict=strict, echo=echo)
        db_file = store.path
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, "db": str(db_file), "files": [s.as_dict() for s in result.summaries],
                               "detection": result.detection, "report": str(result.report),
                               "errors": result.errors, "seconds": result.seconds}, indent=1))
    else:
        flagged = sum(v for k, v in result.detection.items() if k.startswith("severity:") and k != "severity:normal")
        click.echo(f"detection: {result.detection.get('series', 0)} series, {flagged} flagged dates")
        click.echo(f"report written: {result.report}  (database: {db_file}, {result.seconds:.1f} s)")
    if result.errors:
        raise SystemExit(1)


def main():  # pragma: no cover
    cli()

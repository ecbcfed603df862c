"""`track.py report`: a small static site written into a temporary folder, then swapped in.

Readers see the old report or the new one, never half of one, and never none: pages, CSV files
and `plotly.min.js` go into a staging folder beside `out_dir` (`.reports-<pid>-<random>`), and
`out_dir` is a symbolic link to the live folder, switched to the new one by one atomic rename
(a process killed at any instant leaves the last good report reachable). A real folder at
`out_dir` (a report written before this layout) is turned into the link on the next report.
Folders left by killed reports are removed by the next report as soon as their process is gone.
"""
from __future__ import annotations

import os
import shutil
import re
import tempfile
import time
from pathlib import Path

import pandas as pd

from ..errors import TrackError
from ..output import spreadsheet_safe
from ..store import Store
from . import assets, data as report_data, pages, region, static
from .layout import safe_name  # noqa: F401  (re-exported: file names from data)

MARKER = ".track-report"  # says "this folder is a report and may be replaced"
# A folder written by the first version of the report, before the marker existed.
LEGACY_FILES = ("index.html", "current_alerts.csv")
# Files a repository keeps in its report folder (`reports/README.md`): carried into each new report.
KEPT_FILES = ("README.md", "README.txt", "README", ".gitkeep", ".gitignore")
STALE_SECONDS = 6 * 3600  # a leftover whose process id is still in use (or unknown) is removed after this
_LEFTOVER = re.compile(r"^\.(?P<name>.+?)-(?:(?:old|link)-(?P<pid>\d+)|(?:(?P<owner>\d+)-)?[a-z0-9_]{8})$")


class ReportError(TrackError):
    """The report cannot be written (unsafe target folder, static export unavailable)."""


def write_report(store: Store, out_dir: str | Path = "reports", static_formats: tuple[str, ...] = (),
                 run_id: int | None = None, view: dict | None = None, progress=None) -> Path:
    """Write the report site into `out_dir` (replaced atomically) and return its `index.html`.

    `run_id`: the scheduled run writing this report, whose alarms are not recorded yet; they are
    the report's "new since the last run" (by default, the alarms the latest run raised).

    `static_formats` ("png", "pdf") also writes every chart as an image under `static/`
    through kaleido; when kaleido or a browser is missing, ReportError says so before anything
    is written. `view` ({"currency": "USD", "real": "YYYY-MM", "rates_csv": path}) shows money
    values converted (`indicators.views`). An existing `out_dir` is replaced only when it is a report folder.

    A store with series from two countries or more gets a page set per country and an index ranking
    them (`region.py`). `progress(done, total)` is called as pages (or countries) are written."""
    if static_formats:
        problem = static.unavailable()
        if problem:
            raise ReportError(f"static export ({', '.join(static_formats)}) is not possible: {problem}")
    out_dir = Path(out_dir)
    _check_target(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-{os.getpid()}-", dir=out_dir.parent))
    except OSError as error:
        raise ReportError(f"{out_dir}: cannot write the report there ({_cause(error)})") from None
    try:
        site = Site(staging, keep_figures=bool(static_formats))
        site.write_text(MARKER, "Written by `track.py report`; the whole folder is replaced by the next report.\n")
        assets.write(site)
        data = report_data.load(store, run_id, view)
        sites = [site]
        if region.is_region(data.series):
            sites = region.build(site, data, progress)
        else:
            pages.build(site, data, progress=progress)
        for written in sites if static_formats else ():
            static.export(written, static_formats)
        for name in KEPT_FILES:
            if (out_dir / name).is_file() and not (staging / name).exists():
                shutil.copy2(out_dir / name, staging / name)
        _publish_modes(staging)
        _swap(staging, out_dir)
    except OSError as error:  # a full disk, a read-only or odd file system: one line, the old report intact
        shutil.rmtree(staging, ignore_errors=True)
        raise ReportError(f"{out_dir}: the report could not be written ({_cause(error)}); "
                          "the previous report is unchanged") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "index.html"


def _cause(error: OSError) -> str:
    import errno
    if error.errno == errno.ENOSPC:
        return f"no space left on the device: {error.filename or ''}".rstrip(": ")
    return f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")


def _check_target(out_dir: Path) -> None:
    """Refuse to replace what is not a report: `--out .` must never wipe a project folder."""
    resolved = out_dir.resolve()
    try:
        protected = {Path.cwd(), Path.home(), Path(resolved.anchor)}
    except RuntimeError:  # no home directory
        protected = {Path.cwd(), Path(resolved.anchor)}
    if out_dir.name in ("", ".", "..") or resolved in protected:
        raise ReportError(f"{out_dir}: give the report its own folder (for example reports/)")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ReportError(f"{out_dir}: exists and is not a folder")
    is_report = (out_dir / MARKER).exists() or all((out_dir / name).exists() for name in LEGACY_FILES)
    if not is_report and any(p.name not in KEPT_FILES for p in out_dir.iterdir()):
        raise ReportError(f"{out_dir}: exists and is not a report folder (no {MARKER} file); "
                          "refusing to replace it: choose another --out or remove it")


def _remove_leftovers(out_dir: Path) -> None:
    """Staging folders of reports that were killed would pile up: those whose process is gone are
    removed now, others (a report being written by a live process) once older than STALE_SECONDS.
    The live folder (the target of the `out_dir` link) is never touched."""
    now = time.time()
    live = os.readlink(out_dir) if out_dir.is_symlink() else None
    for sibling in out_dir.parent.iterdir():
        match = _LEFTOVER.match(sibling.name)
        if not match or match["name"] != out_dir.name or sibling.name == live:
            continue
        pid = match["pid"] or match["owner"]
        try:
            stale = (pid is not None and not _alive(int(pid))) or now - sibling.lstat().st_mtime > STALE_SECONDS
        except FileNotFoundError:  # another report removed it meanwhile
            continue
        if not stale:
            continue
        if sibling.is_symlink() or not sibling.is_dir():
            sibling.unlink(missing_ok=True)
        else:
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _publish_modes(folder: Path) -> None:
    """mkdtemp creates the folder 0700 and the umask may be strict: a report is for everyone to read."""
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _swap(staging: Path, out_dir: Path) -> None:
    """Point the `out_dir` link at `staging` with one atomic rename: readers see the old or the
    new report, never half of one and never none; then remove the previous live folder."""
    link = out_dir.with_name(f".{out_dir.name}-link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(staging.name, link)  # relative: the report folder and its link can move together
    if out_dir.is_symlink():
        previous = out_dir.parent / os.readlink(out_dir)
        os.replace(link, out_dir)
        if previous.parent == out_dir.parent and _LEFTOVER.match(previous.name) and previous != staging:
            shutil.rmtree(previous, ignore_errors=True)
    elif out_dir.exists():  # a real folder from before this layout: the one swap with a gap
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        os.replace(out_dir, old)
        os.replace(link, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(link, out_dir)


class Site:
    """The staging folder: every file goes through `path()`, which keeps it inside the folder.
    Figures are remembered for static export, with their titles."""

    def __init__(self, folder: Path, keep_figures: bool = True):
        self.folder = Path(folder)
        self.root = self.folder.resolve()
        self.keep_figures = keep_figures  # only static export needs them: thousands of charts stay out of memory
        self.figures: list[tuple[str, object, str]] = []

    def path(self, relative: str) -> Path:
        target = (self.folder / relative).resolve()
        if target == self.root or self.root not in target.parents:
            raise ReportError(f"refusing to write {relative!r} outside the report folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, relative: str, text: str) -> str:
        self.path(relative).write_text(text, encoding="utf-8")
        return relative

    def write_csv(self, relative: str, frame: pd.DataFrame) -> str:
        """Write a table beside the pages; returns the relative link for the page."""
        spreadsheet_safe(frame).to_csv(self.path(relative), index=False, lineterminator="\n")
        return relative

    def write_csv_parts(self, frame: pd.DataFrame, key: str, names: dict) -> dict:
        """Write the rows of each `key` value as its own table, `names` ({key value: relative path};
        a value without rows gets the header alone), without the `key` column; returns {key value:
        link}. The same files as `write_csv` per part, with one pass over the whole frame."""
        body = spreadsheet_safe(frame.drop(columns=[key]))
        header, _, text = body.to_csv(index=False, lineterminator="\n").partition("\n")
        lines = text.split("\n")[:-1]
        if len(lines) != len(frame):  # a value with a line break inside: write part by part
            groups = frame.groupby(key, sort=False)
            return {value: self.write_csv(name, groups.get_group(value).drop(columns=[key])
                                          if value in groups.groups else frame.iloc[:0].drop(columns=[key]))
                    for value, name in names.items()}
        positions = frame.groupby(key, sort=False).indices
        for value, name in names.items():
            rows = [lines[i] for i in positions.get(value, ())]
            self.path(name).write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
        return dict(names)

    def add_figure(self, name: str, figure, title: str = "") -> None:
        if self.keep_figures:
            self.figures.append((name, figure, title))

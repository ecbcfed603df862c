"""`track.py report`: a small static site written into a temporary folder, then swapped in.

Readers see the old report or the new one, never half of one: pages, CSV files and
`plotly.min.js` go into a staging folder beside `out_dir`, which replaces `out_dir` at the end.
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
from ..store import Store
from . import assets, data as report_data, pages, static
from .layout import safe_name  # noqa: F401  (re-exported: file names from data)

MARKER = ".track-report"  # says "this folder is a report and may be replaced"
# A folder written by the first version of the report, before the marker existed.
LEGACY_FILES = ("index.html", "current_alerts.csv")
# Files a repository keeps in its report folder (`reports/README.md`): carried into each new report.
KEPT_FILES = ("README.md", "README.txt", "README", ".gitkeep", ".gitignore")
STALE_SECONDS = 6 * 3600
_LEFTOVER = re.compile(r"^\.(?P<name>.+)-(old-\d+|[a-z0-9_]{8})$")


class ReportError(TrackError):
    """The report cannot be written (unsafe target folder, static export unavailable)."""


def write_report(store: Store, out_dir: str | Path = "reports", static_formats: tuple[str, ...] = (),
                 run_id: int | None = None) -> Path:
    """Write the report site into `out_dir` (replaced atomically) and return its `index.html`.

    `run_id`: the scheduled run writing this report, whose alarms are not recorded yet; they are
    the report's "new since the last run" (by default, the alarms the latest run raised).

    `static_formats` ("png", "pdf") also writes every chart as an image under `static/`
    through kaleido; when kaleido or a browser is missing, ReportError says so before anything
    is written. An existing `out_dir` is replaced only when it is a report folder."""
    if static_formats:
        problem = static.unavailable()
        if problem:
            raise ReportError(f"static export ({', '.join(static_formats)}) is not possible: {problem}")
    out_dir = Path(out_dir)
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        site = Site(staging)
        site.write_text(MARKER, "Written by `track.py report`; the whole folder is replaced by the next report.\n")
        assets.write(site)
        pages.build(site, report_data.load(store, run_id))
        if static_formats:
            static.export(site, static_formats)
        for name in KEPT_FILES:
            if (out_dir / name).is_file() and not (staging / name).exists():
                shutil.copy2(out_dir / name, staging / name)
        _publish_modes(staging)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "index.html"


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
    """Staging folders of jobs that were killed (older than STALE_SECONDS) would pile up."""
    now = time.time()
    for sibling in out_dir.parent.iterdir():
        match = _LEFTOVER.match(sibling.name)
        if match and match["name"] == out_dir.name and sibling.is_dir() \
                and now - sibling.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(sibling, ignore_errors=True)


def _publish_modes(folder: Path) -> None:
    """mkdtemp creates the folder 0700 and the umask may be strict: a report is for everyone to read."""
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` so that readers see the old or the new report, never half."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        os.replace(out_dir, old)
        os.replace(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


class Site:
    """The staging folder: every file goes through `path()`, which keeps it inside the folder.
    Figures are remembered for static export, with their titles."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.root = self.folder.resolve()
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
        frame.to_csv(self.path(relative), index=False, lineterminator="\n")
        return relative

    def add_figure(self, name: str, figure, title: str = "") -> None:
        self.figures.append((name, figure, title))

"""`track.py report`: a small static site written into a temporary folder, then swapped in.

Readers see the old report or the new one, never half of one: pages, CSV files and
`plotly.min.js` go into a staging folder beside `out_dir`, which replaces `out_dir` at the end.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import TrackError
from ..store import Store
from . import assets, data as report_data, pages, static
from .layout import safe_name  # noqa: F401  (re-exported: file names from data)

class ReportError(TrackError):
    """The report cannot be written (unsafe file name, static export unavailable)."""


def write_report(store: Store, out_dir: str | Path = "reports", static_formats: tuple[str, ...] = ()) -> Path:
    """Write the report site into `out_dir` (replaced atomically) and return its `index.html`.

    `static_formats` ("png", "pdf") also writes every chart as an image under `static/`
    through kaleido; when kaleido or a browser is missing, ReportError says so before anything
    is written."""
    if static_formats:
        problem = static.unavailable()
        if problem:
            raise ReportError(f"static export ({', '.join(static_formats)}) is not possible: {problem}")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        site = Site(staging)
        assets.write(site)
        pages.build(site, report_data.load(store))
        if static_formats:
            static.export(site, static_formats)
        # mkdtemp creates the folder 0700; a published report is for everyone to read.
        os.chmod(staging, 0o755)
        for folder in (p for p in staging.rglob("*") if p.is_dir()):
            os.chmod(folder, 0o755)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "index.html"


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
    Figures are remembered for static export."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.root = self.folder.resolve()
        self.figures: list[tuple[str, object]] = []

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

    def add_figure(self, name: str, figure) -> None:
        self.figures.append((name, figure))

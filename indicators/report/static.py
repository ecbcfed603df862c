"""Optional static export: every chart of the report as PNG or PDF under `static/`.

plotly renders images through kaleido, which drives a Chrome or Chromium browser. kaleido is an
optional extra (`pip install 'indicators[static]'`) and the browser comes from the system; when
either is missing `unavailable()` says which, in one line.
"""
from __future__ import annotations

import importlib.util

from .browser import find_chromium

FORMATS = ("png", "pdf")
FOLDER = "static"


def unavailable() -> str | None:
    """Why static export cannot run here, or None when it can."""
    if importlib.util.find_spec("kaleido") is None:
        return "kaleido is not installed (pip install 'indicators[static]')"
    if find_chromium() is None:
        return "kaleido needs a Chrome or Chromium browser and none was found (Debian: apt-get install chromium)"
    return None


def export(site, formats: tuple[str, ...]) -> list[str]:
    """Write each figure the pages registered as static/<name>.<format>; returns the files."""
    import plotly.io as pio

    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown static format(s) {sorted(unknown)}; known: {', '.join(FORMATS)}")
    figures, paths = [], []
    for name, figure in site.figures:
        for fmt in formats:
            figures.append(figure)
            paths.append(site.path(f"{FOLDER}/{name}.{fmt}"))
    if figures:
        # One call renders every image with one browser start (kaleido >= 1).
        pio.write_images(figures, paths, width=1100, height=[f.layout.height or 500 for f in figures])
    return [str(p.relative_to(site.root)) for p in paths]

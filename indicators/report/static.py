"""Optional static export: every chart of the report as PNG or PDF under `static/`.

plotly renders images through kaleido, which drives a Chrome or Chromium browser. kaleido is an
optional extra (`pip install 'indicators[static]'`) and the browser comes from the system; when
either is missing `unavailable()` says which, in one line.
"""
from __future__ import annotations

import importlib.util

import plotly.graph_objects as go

from .browser import find_chromium
from .figures import text

FORMATS = ("png", "pdf")
FOLDER = "static"


def for_print(figure, title: str):
    """A copy of a page's figure that stands alone as an image: the page's heading as its title
    (an image pasted into a brief has no heading), and no zoom buttons (nothing to click)."""
    image = go.Figure(figure)
    top = (image.layout.margin.t or 40) + 30
    image.update_layout(title={"text": text(title), "x": 0, "xref": "paper", "xanchor": "left", "font": {"size": 15}},
                        margin={"t": top})
    image.update_xaxes(rangeselector_visible=False)
    return image


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
    for name, figure, title in site.figures:
        image = for_print(figure, title)
        for fmt in formats:
            figures.append(image)
            paths.append(site.path(f"{FOLDER}/{name}.{fmt}"))
    if figures:
        # One call renders every image with one browser start (kaleido >= 1).
        pio.write_images(figures, paths, width=1100, height=[f.layout.height or 500 for f in figures])
    return [str(p.relative_to(site.root)) for p in paths]

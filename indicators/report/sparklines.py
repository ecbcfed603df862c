"""Small multiples for the overview: one inline SVG line per series.

Inline SVG rather than one plotly chart per series keeps `index.html` small and quick with
hundreds of series (about 1 kB a card, no JavaScript); the full charts live on the family pages.
"""
from __future__ import annotations

import html

import numpy as np

from .assets import SEVERITY_COLOURS

WIDTH, HEIGHT = 160, 36
MAX_POINTS = 90
RECENT = {"monthly": 36, "weekly": 104, "daily": 365, "hourly": 24 * 30}


def sparkline(values, frequency: str, severity: str, label: str) -> str:
    """An SVG polyline of the recent values, its last point marked in the severity colour."""
    values = np.asarray(values, dtype="float64")[-RECENT.get(frequency, 365):]
    values = values[~np.isnan(values)]
    title = f"<title>{html.escape(label)}</title>"
    if len(values) == 0:
        return f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{title}</svg>'
    step = max(1, int(np.ceil(len(values) / MAX_POINTS)))
    sampled = np.append(values[::step][:-1], values[-1]) if len(values) > 1 else values
    low, high = float(sampled.min()), float(sampled.max())
    span = (high - low) or 1.0
    xs = np.linspace(2, WIDTH - 4, len(sampled)) if len(sampled) > 1 else np.array([WIDTH - 4.0])
    ys = HEIGHT - 3 - (sampled - low) / span * (HEIGHT - 6)
    points = " ".join(f"{x:.0f},{y:.1f}" for x, y in zip(xs, ys))
    colour = SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["unscored"])
    return (f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img">{title}'
            f'<polyline fill="none" stroke="#455a64" stroke-width="1.2" points="{points}"/>'
            f'<circle cx="{xs[-1]:.0f}" cy="{ys[-1]:.1f}" r="3" fill="{colour}"/></svg>')
